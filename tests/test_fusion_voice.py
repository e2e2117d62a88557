"""Fused "more like this" compares two talks by what is said, not by the voice (rank/item_blocks.py,
block_evidence: under a talk the sound counts only by what is neither silence nor the voice).

On a copy of the session's library (generated media, indexed with the real offline models, real SQLite), four
espeak-ng talks are added by the real indexer: trains and gardens, each said in one voice over a telephone line
and, in other words, in another voice at full band. By sound alone each talk is nearest the other subject on its
own line (a line and a voice are what the sound block of a talk holds); fused, each is nearest its own subject."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from conftest import copy_of_indexed, require_command

from mediarec.index.block_evidence import BlockFacts, cached_block_facts
from mediarec.media.samples import SPEECH_RATE, resample, synthesize_speech, write_audio
from mediarec.rank.fusion_scoring import fusion_for_library
from mediarec.rank.item_blocks import (
    MODALITIES,
    block_evidence,
    block_layout,
    current_item_space,
    load_blocks,
    synthetic_blocks,
)

TELEPHONE_RATE = 8000
TELEPHONE_LOW_HZ = 300

TALKS = {
    # name: (voice, pitch, over a telephone line, what is said)
    "trains_one_voice": (
        "en-us",
        None,
        True,
        "The night train to Vienna leaves the station at ten, and its sleeping cars are warm and quiet.",
    ),
    "gardens_one_voice": (
        "en-us",
        None,
        True,
        "In spring I plant tomatoes and roses in the garden and water the flower beds every evening.",
    ),
    "trains_other_voice": (
        "en-gb+Annie",
        80,
        False,
        "We travelled overnight by railway, asleep in a couchette while the train crossed the mountains.",
    ),
    "gardens_other_voice": (
        "en-gb+Annie",
        80,
        False,
        "My vegetable garden is full of flowers; I dig the soil, sow the seeds and water the plants.",
    ),
}
SAME_SUBJECT = {
    "trains_one_voice": "trains_other_voice",
    "gardens_one_voice": "gardens_other_voice",
    "trains_other_voice": "trains_one_voice",
    "gardens_other_voice": "gardens_one_voice",
}


def telephone_line(samples: np.ndarray, rate: int) -> np.ndarray:
    """Speech as a telephone carries it: through 8 kHz and back (nothing above 4 kHz), nothing below 300 Hz."""
    narrow = resample(resample(samples, rate, TELEPHONE_RATE), TELEPHONE_RATE, rate)
    spectrum = np.fft.rfft(narrow)
    spectrum[np.fft.rfftfreq(len(narrow), 1.0 / rate) < TELEPHONE_LOW_HZ] = 0.0
    return np.fft.irfft(spectrum, len(narrow)).astype(np.float32)


@pytest.fixture(scope="module")
def talks_in_two_voices(indexed, offline_env, tmp_path_factory):

    require_command("espeak-ng")
    folder = tmp_path_factory.mktemp("voices")
    library = copy_of_indexed(indexed, folder, offline_env)
    talks = folder / "talks"
    talks.mkdir()
    paths = {}
    for name, (voice, pitch, on_the_phone, text) in TALKS.items():
        speech = synthesize_speech(text, voice=voice, pitch=pitch)
        speech = telephone_line(speech, SPEECH_RATE) if on_the_phone else speech
        paths[name] = write_audio(talks / f"{name}.ogg", speech)
    for _ in library.indexer().run([talks]):
        pass
    ids = {name: library.store.item_by_path(str(path)).id for name, path in paths.items()}
    yield library, ids
    library.close()


def _first_talk(hits, ids: dict[str, int]) -> str | None:
    names = {item_id: name for name, item_id in ids.items()}
    return next((names[hit.item.id] for hit in hits if hit.item.id in names), None)


def test_two_talks_in_one_voice_are_not_each_others_nearest(talks_in_two_voices):
    library, ids = talks_in_two_voices
    store = library.store
    for name, item_id in ids.items():
        assert store.transcript(item_id), f"{name} was not transcribed"
        item = store.item(item_id)
        # The trap is real: by sound alone the other subject in the same voice comes first.
        sounds_like = _first_talk(library.similar_to(item, 10, "audio"), ids)
        assert sounds_like not in (None, SAME_SUBJECT[name]), (name, sounds_like)
        fused = _first_talk(library.similar_to(item, 10), ids)
        assert fused == SAME_SUBJECT[name], (name, fused)


def test_a_talks_voice_does_not_move_its_fused_neighbours(talks_in_two_voices):
    library, ids = talks_in_two_voices
    store = library.store
    layout = block_layout(store, current_item_space(store))
    blocks = load_blocks(store, layout, list(ids.values()), evidence=True)
    audio = MODALITIES.index("audio")
    facts = cached_block_facts(store, blocks.ids)
    for row, item_id in enumerate(blocks.ids):
        fact = facts[item_id]
        assert fact.speech_sound_share is not None and fact.speech_sound_share > 0.5
        expected = max(0.0, 1.0 - fact.silence_share - fact.speech_sound_share)
        assert blocks.evidence[row, audio] == pytest.approx(expected, abs=1e-6)
    # Every talk given one and the same sound (as if all four were one voice on one line): the fused similarities
    # of the talks hardly move. Counting the voice as sound (facts without its share, as in a library indexed
    # before the share was kept), they move by a random pair's spread or more.
    one_sound = dataclasses.replace(
        blocks, vectors={**blocks.vectors, "audio": _same_rows(blocks.vectors["audio"])}
    )
    voice_unknown = {
        item_id: dataclasses.replace(fact, speech_sound_share=None) for item_id, fact in facts.items()
    }
    fusion = fusion_for_library(store, layout)
    moved = _moved(fusion, blocks, one_sound)
    moved_as_sound = _moved(fusion, *(_with_facts(b, voice_unknown) for b in (blocks, one_sound)))
    assert moved < 0.1 <= moved_as_sound


def _same_rows(vectors: np.ndarray) -> np.ndarray:
    return np.repeat(vectors[:1], len(vectors), axis=0)


def _with_facts(blocks, facts):
    return dataclasses.replace(blocks, evidence=block_evidence(blocks.present, facts, blocks.ids))


def _moved(fusion, blocks, changed) -> float:
    """The largest change of a fused similarity between two different talks."""
    before, after = fusion.pairwise(blocks, blocks), fusion.pairwise(changed, changed)
    off_diagonal = ~np.eye(len(blocks), dtype=bool)
    return float(np.abs(after - before)[off_diagonal].max())


def test_the_voice_leaves_the_sound_only_where_a_transcript_says_it():
    present = np.array([[False, True, True], [False, False, True], [False, True, True]])
    facts = {
        1: BlockFacts(60, 0.9, shots=0, silence_share=0.1, speech_sound_share=0.8),  # a talk, a little music
        2: BlockFacts(
            0, 0.0, shots=0, silence_share=0.1, speech_sound_share=0.5
        ),  # a voice nobody transcribed
        3: BlockFacts(60, 0.9, shots=0, silence_share=0.1, speech_sound_share=0.9),  # a talk and nothing else
    }
    evidence = block_evidence(present, facts, [1, 2, 3])
    np.testing.assert_allclose(evidence, [[0.0, 1.0, 0.1], [0.0, 0.0, 0.9], [0.0, 1.0, 0.0]], atol=1e-6)
    vectors = {m: np.eye(3, dtype=np.float32) for m in MODALITIES}
    blocks = dataclasses.replace(
        synthetic_blocks([1, 2, 3], vectors, present, np.zeros((3, 4), np.float32)), evidence=evidence
    )
    # Each block relative to the item's most telling one: the talk with a little music says its sentence fully.
    np.testing.assert_allclose(
        blocks.attention(), [[0.0, 1.0, 0.1], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]], atol=1e-6
    )
