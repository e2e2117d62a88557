"""Neural encoders behind one interface, device choice, the model catalogue, the model set and downloads.

Importing this package is cheap: torch, open_clip, transformers, faster-whisper and onnxruntime are
imported only when a model loads.
"""

from mediarec.models.availability import check_available
from mediarec.models.base import (
    AudioEncoder,
    Encoder,
    ImageTextEncoder,
    ModelError,
    ModelSetLike,
    SpeechTranscriber,
    TextEncoder,
    Transcript,
    TranscriptSegment,
)
from mediarec.models.catalogue import PROFILES, ROLES, ModelSpec, resolve_specs
from mediarec.models.device import DeviceChoice, choose_device, describe_devices
from mediarec.models.model_set import ModelSet, create_encoder, default_cache_dir, speech_space_model_id

__all__ = [
    "PROFILES",
    "ROLES",
    "AudioEncoder",
    "DeviceChoice",
    "Encoder",
    "ImageTextEncoder",
    "ModelError",
    "ModelSet",
    "ModelSetLike",
    "ModelSpec",
    "SpeechTranscriber",
    "TextEncoder",
    "Transcript",
    "TranscriptSegment",
    "check_available",
    "choose_device",
    "create_encoder",
    "default_cache_dir",
    "describe_devices",
    "resolve_specs",
    "speech_space_model_id",
]
