"""Reading and making media with PyAV (FFmpeg): probe a file, decode its audio as 16 kHz mono, find its
shots and keyframes, save JPEG thumbnails, and generate sample media with known content.

Headless by design: nothing here imports torch or Qt.
"""
