"""Per-item fusion weights: each block counts by how much it has to say (rank/item_blocks.py, block_evidence).

On a copy of the session's library (generated media, indexed with the real offline models, real SQLite) with a
second 1 kHz tone and a hiss added by the real indexer, the first tone and the hiss are given the transcript
speech-to-text writes for a cough ("you", embedded by the real text encoder): with every block counting fully
the shared "you" makes the hiss look like the tone; weighed by evidence the tone's sibling comes first."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import copy_of_indexed

from mediarec.index.block_evidence import BlockFacts, block_facts, cached_block_facts
from mediarec.index.records import ItemIndexResult, NewSegment, TranscriptLine
from mediarec.media.samples import tone, write_audio
from mediarec.models.model_set import speech_space_model_id
from mediarec.rank.fusion_scoring import GatedFusion, WeightedFusion, library_calibration
from mediarec.rank.item_blocks import (
    MODALITIES,
    block_evidence,
    block_layout,
    current_item_space,
    load_blocks,
    synthetic_blocks,
)
from mediarec.rank.item_vector import DEFAULT_WEIGHTS, FusionLayout, fuse_item_vector
from mediarec.rank.modal_similarity import ModalSimilarity

HALLUCINATION = "you"


@pytest.fixture
def tones_with_a_made_up_word(indexed, offline_env, tmp_path):

    library = copy_of_indexed(indexed, tmp_path, offline_env)
    sounds = tmp_path / "sounds"
    sounds.mkdir()
    sibling = write_audio(sounds / "beep_again.ogg", tone(2.0, frequency=1000.0))
    rng = np.random.default_rng(0)
    hiss = write_audio(sounds / "hiss.ogg", (0.2 * rng.standard_normal(16000 * 3)).astype(np.float32))
    for _ in library.indexer().run([sounds]):
        pass
    store = library.store
    ids = {name: store.item_by_path(str(path)).id for name, path in (("sibling", sibling), ("hiss", hiss))}
    ids["tone"] = store.item_by_path(str(indexed.media.tone_audio)).id
    for name in ("tone", "hiss"):
        _give_transcript(library, ids[name], HALLUCINATION)
    yield library, ids
    library.close()


def _give_transcript(library, item_id: int, text: str) -> None:
    """Rewrite the item as if speech-to-text had heard `text` over all of it: its sound kept, a speech segment
    and the fused vector made again with that speech block."""
    store = library.store
    layout = block_layout(store, current_item_space(store))
    blocks = load_blocks(store, layout, [item_id], features=False)
    record = store.item(item_id)
    audio_space = next(s for s in store.spaces("audio") if s.id in store.encoded_spaces(item_id))
    rowids, vectors = store.segment_vectors(audio_space, item_id)
    by_rowid = dict(zip(rowids, vectors, strict=True))
    segments = [
        NewSegment("audio", s.start, s.end, by_rowid[s.id]) for s in store.item_segments(item_id, "audio")
    ]
    speech = np.asarray(library.models.get("text").encode_passages([text]))[0]
    duration = record.duration or 1.0
    segments.append(NewSegment("speech", 0.0, duration, speech, text))
    models = {m: (m, end - start) for m, (start, end) in layout.spans.items()}
    parts = {m: blocks.vectors[m][0] if blocks.present[0, i] else None for i, m in enumerate(MODALITIES)}
    parts["speech"] = speech / np.linalg.norm(speech)
    store.write_index_result(
        item_id,
        ItemIndexResult(
            metadata=record.metadata,
            segments=segments,
            transcript=[TranscriptLine(0.0, duration, text)],
            encoded_by={
                "audio": (audio_space.model_id, audio_space.dim),
                "speech": (speech_space_model_id(library.models), len(speech)),
            },
            item_vector=fuse_item_vector(FusionLayout(models, DEFAULT_WEIGHTS), parts),
            item_vector_model=(layout.space.model_id, layout.space.dim),
            language="en",
        ),
    )


def test_a_made_up_word_does_not_make_unrelated_sounds_alike(tones_with_a_made_up_word):
    library, ids = tones_with_a_made_up_word
    store = library.store
    layout = block_layout(store, current_item_space(store))
    tone = store.item(ids["tone"])
    assert store.transcript(ids["tone"])[0].text == HALLUCINATION
    assert load_blocks(store, layout, [ids["tone"]]).has("speech")[0]
    unweighted = ModalSimilarity(
        store, WeightedFusion(dict(DEFAULT_WEIGHTS), library_calibration(store, layout))
    )
    every_block_fully = [hit.item.id for hit in unweighted.similar(tone, 5)]
    assert every_block_fully[0] == ids["hiss"], "with every block counting fully the shared word decides"
    by_evidence = [hit.item.id for hit in library.similar_to(tone, 5)]
    assert by_evidence[0] == ids["sibling"]
    assert ids["hiss"] not in by_evidence[:1]


def test_evidence_reads_what_indexing_found(tones_with_a_made_up_word):
    library, ids = tones_with_a_made_up_word
    store = library.store
    facts = block_facts(store, list(ids.values()))
    assert facts[ids["tone"]].transcript_characters == len(HALLUCINATION)
    assert facts[ids["sibling"]].transcript_characters == 0
    assert facts[ids["sibling"]].silence_share is not None and facts[ids["sibling"]].silence_share < 0.5
    layout = block_layout(store, current_item_space(store))
    blocks = load_blocks(store, layout, [ids["tone"], ids["sibling"]], evidence=True)
    attention = blocks.attention()
    speech, audio = MODALITIES.index("speech"), MODALITIES.index("audio")
    assert attention[0, speech] < 0.2 < 0.8 < attention[0, audio]  # one word says little beside the sound
    assert attention[1, audio] == pytest.approx(1.0)
    # The copy in memory follows a re-indexed item (its vectors deleted and written again).
    assert cached_block_facts(store, [ids["sibling"]])[ids["sibling"]].transcript_characters == 0
    _give_transcript(library, ids["sibling"], "a steady tone at one kilohertz")
    assert cached_block_facts(store, [ids["sibling"]])[ids["sibling"]].transcript_characters == 30


def test_evidence_of_known_facts_and_the_fusion_without_it():
    present = np.array([[True, True, True], [True, False, True], [False, False, True]])
    facts = {
        1: BlockFacts(5, 0.5, shots=1, silence_share=0.0),  # a word said over half of a still picture
        2: BlockFacts(0, 0.0, shots=9, silence_share=1.0),  # a changing silent scene
        3: BlockFacts(0, 0.0, shots=0, silence_share=None),  # sound, never measured
    }
    evidence = block_evidence(present, facts, [1, 2, 3])
    np.testing.assert_allclose(evidence, [[0.375, 0.25, 1.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    # Blocks without evidence (a profile's interests) fuse exactly as the fixed-weight mean.
    vectors = {m: np.eye(3, dtype=np.float32)[:, :2] + 0.1 for m in MODALITIES}
    blocks = synthetic_blocks([1, 2, 3], vectors, present, np.zeros((3, 4), np.float32))
    np.testing.assert_allclose(
        GatedFusion.fallback(DEFAULT_WEIGHTS).pairwise(blocks, blocks),
        WeightedFusion(dict(DEFAULT_WEIGHTS)).pairwise(blocks, blocks),
        atol=1e-6,
    )
