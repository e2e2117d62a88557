"""What decoding stores of a file (index.records.ItemMetadata): the JSON it writes is key for key what libraries
already hold, so no migration is needed; a truncated file adds its two keys at the end."""

from __future__ import annotations

import av
import numpy as np

from mediarec.index.store import LibraryStore
from mediarec.media.probe import probe
from mediarec.pipeline.decoding import item_metadata

STORED_KEYS = [
    "kind", "duration", "width", "height", "fps", "video_codec", "audio_codec", "sample_rate", "channels",
    "title", "artist", "album", "date", "genre", "tags", "file_stem",
]  # fmt: skip


def _tagged_wav(path) -> None:
    with av.open(str(path), "w") as container:
        container.metadata["title"] = "Morning bell"
        container.metadata["artist"] = "Someone"
        stream = container.add_stream("pcm_s16le", rate=16000)
        stream.layout = "mono"
        samples = (0.2 * np.sin(np.linspace(0, 2 * np.pi * 440, 16000)) * 32767).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(samples[None, :], format="s16", layout="mono")
        frame.sample_rate = 16000
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def test_the_stored_json_keeps_its_keys_and_a_truncated_file_adds_two(tmp_path):
    path = tmp_path / "morning_bell.wav"
    _tagged_wav(path)
    info = probe(path)
    store = LibraryStore(tmp_path / "library.sqlite3")
    try:
        item = store.item(store.add_item(str(path), "fingerprint", path.stat().st_size, path.stat().st_mtime))
    finally:
        store.close()
    metadata = item_metadata(info, item)
    stored = metadata.to_json()
    assert list(stored) == STORED_KEYS
    assert stored["kind"] == "audio" and stored["title"] == "Morning bell" and stored["artist"] == "Someone"
    assert stored["file_stem"] == "morning bell" and stored["tags"] == dict(info.tags)
    assert not metadata.truncated and stored["duration"] == info.duration

    truncated = item_metadata(info, item, declared_duration=3600.0)
    assert truncated.truncated
    assert list(truncated.to_json()) == [*STORED_KEYS, "truncated", "declared_duration"]
    assert truncated.to_json()["truncated"] is True and truncated.to_json()["declared_duration"] == 3600.0
