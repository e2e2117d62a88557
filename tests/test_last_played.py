"""The shelf's cards carry when each was last played, read for those items only (index/history.py)."""

from __future__ import annotations

from synthetic_items import build_synthetic_library


def test_last_played_at_is_each_items_latest_play(tmp_path):
    library = build_synthetic_library(tmp_path / "library.sqlite3", per_group=3)
    store = library.store
    first, second, never = library.ids_of("beach")
    for item_id, at in ((first, 100.0), (second, 50.0), (first, 300.0), (first, 200.0)):
        store.record_play(item_id, seconds=10.0, started_at=at)
    every_play = {}
    for play in store.plays():
        every_play[play.item_id] = max(every_play.get(play.item_id, 0.0), play.started_at)
    assert store.last_played_at([first, second, never]) == {first: 300.0, second: 50.0} == every_play
    assert store.last_played_at([]) == {}
    store.close()
