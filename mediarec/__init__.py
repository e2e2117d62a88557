"""mediarec: an offline media library that understands what it indexes."""

import os

__version__ = "0.1.0"

# onnxruntime (YAMNet, faster-whisper's voice detector, OCR) starts Microsoft telemetry when it is imported and
# uploads from its own thread seconds later; only this variable, set before the import, stops it. Set here, in the
# package every entry point imports first, so that no process of mediarec (CLI, helpers, benchmarks) phones home.
# models/offline.py decides the hub clients' offline mode, which depends on the profile.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
