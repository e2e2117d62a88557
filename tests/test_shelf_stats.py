"""The For-you shelf measures itself: cards shown are recorded in the real library (SQLite), real history recorded
through the application layer afterwards becomes the shares played / past half / liked / dismissed, per reason and
per variety; what the user did before a card was shown, or after its window, does not count for it."""

from __future__ import annotations

import json
import re
import time

import pytest
from conftest import run_cli
from synthetic_items import build_synthetic_library

from mediarec.app import shelf
from mediarec.app.library import Library
from mediarec.config import load_settings
from mediarec.index.impressions import ShownCard
from mediarec.recommend.shelf_stats import OUTCOME_WINDOW_DAYS, record_shown, variety_setting

DAY = 86400.0


@pytest.fixture()
def library(tmp_path, offline_env):
    data_dir = tmp_path / "data"
    build_synthetic_library(data_dir / "library.sqlite3", per_group=5).store.close()
    library = Library(load_settings(data_dir=data_dir, environ=offline_env))
    yield library
    library.close()


def test_shares_follow_what_the_user_did_after_the_cards_were_shown(library):
    cards = shelf.for_you(library, limit=6, diversity=0.3)
    assert len(cards) == 6
    assert shelf.record_cards_shown(library, cards, 0.3) == 6
    first, second, third, fourth = (card.row.path for card in cards[:4])
    library.watch(first, 60.0)  # the whole minute: played, past half
    library.watch(second, 10.0)  # a look: played, not past half
    library.rate(third, "like")
    library.rate(fourth, "not-interested")

    stats = shelf.recommendation_stats(library)
    total = stats.total
    assert (total.shown, total.played, total.past_half, total.liked, total.dismissed) == (6, 2, 1, 1, 1)
    assert total.share("played") == pytest.approx(2 / 6) and total.share("dismissed") == pytest.approx(1 / 6)
    assert sum(counts.shown for counts in stats.by_reason.values()) == 6
    assert set(stats.by_reason) == {card.reasons[0].kind for card in cards}
    assert list(stats.by_variety) == [0.3] and stats.by_variety[0.3].played == 2
    assert stats.open == 6  # shown just now: their week is not over

    # With that history the shelf has reasons of taste; shown at another variety, the split keeps them apart.
    later = shelf.for_you(library, limit=6, diversity=0.8)
    assert shelf.record_cards_shown(library, later, 0.8) == len(later)
    library.watch(later[0].row.path, 45.0)
    stats = shelf.recommendation_stats(library)
    assert list(stats.by_variety) == [0.3, 0.8]
    assert stats.by_variety[0.8].shown == len(later) and stats.by_variety[0.8].played == 1
    assert stats.by_variety[0.3].shown == 6
    assert stats.total.shown == 6 + len(later)
    data = stats.to_json()
    assert data["shown"] == 6 + len(later) and {row["variety"] for row in data["by_variety"]} == {0.3, 0.8}
    assert all(0.0 <= row["shares"]["played"] <= 1.0 for row in data["by_reason"])


def test_what_was_done_before_a_card_was_shown_does_not_count_for_it(library):
    # Every item started (40 of 60 s) and a few liked or dismissed, all before anything is recommended.
    items = library.store.items()
    for item in items:
        library.watch(item.path, 40.0)
    for item in items[:3]:
        library.rate(item.path, "like")
    library.rate(items[3].path, "dislike")
    recommendations = library.recommend(8, 0.3)
    assert recommendations
    assert shelf.record_recommendations_shown(library, recommendations, 0.3) == len(recommendations)

    stats = shelf.recommendation_stats(library)
    total = stats.total
    assert total.shown == len(recommendations)
    assert (total.played, total.past_half, total.liked, total.dismissed) == (0, 0, 0, 0)

    library.watch(recommendations[0].item.path, 5.0, start_position=30.0)  # resumed, ends 35 s into 60
    stats = shelf.recommendation_stats(library)
    assert (stats.total.played, stats.total.past_half) == (1, 1)


def test_an_outcome_after_the_window_does_not_count(library):
    item = library.store.items()[0]
    shown_at = time.time() - (OUTCOME_WINDOW_DAYS + 1) * DAY
    record_shown(library.store, [ShownCard(item.id, "new", "new")], variety=0.3, surface="cli", now=shown_at)
    library.watch(item.path, 60.0)
    library.rate(item.path, "like")
    stats = shelf.recommendation_stats(library)
    assert stats.total.shown == 1 and stats.open == 0
    assert (stats.total.played, stats.total.liked) == (0, 0)
    assert shelf.recommendation_stats(library, window_days=30).total.played == 1


def test_a_card_shown_again_before_anything_happened_is_one_impression(library):
    cards = shelf.for_you(library, limit=4, diversity=0.3)
    assert shelf.record_cards_shown(library, cards, 0.3) == 4
    assert shelf.record_cards_shown(library, cards, 0.32) == 0  # a refresh; 0.32 is the same setting
    library.watch(cards[0].row.path, 10.0)
    assert shelf.record_cards_shown(library, cards, 0.3) == 1  # played since: a new chance
    assert shelf.record_cards_shown(library, cards, 0.6) == 4  # another variety: another showing
    assert shelf.recommendation_stats(library).total.shown == 9
    assert variety_setting(1.7) == 1.0 and variety_setting(-0.2) == 0.0


def test_a_library_without_impressions_has_empty_stats(library):
    stats = shelf.recommendation_stats(library)
    assert stats.is_empty and stats.by_reason == {} and stats.to_json()["total"]["shares"]["played"] == 0.0


def test_recommend_records_what_it_printed_and_stats_report_it(tmp_path, offline_env, capsys):
    data_dir = tmp_path / "data"
    build_synthetic_library(data_dir / "library.sqlite3", per_group=5).store.close()
    env = {**offline_env, "MEDIAREC_DATA_DIR": str(data_dir)}
    code, out, _ = run_cli(["recommend", "--stats"], env, capsys)
    assert code == 0 and out.startswith("No recommendations shown yet")
    code, out, _ = run_cli(["recommend", "--limit", "5", "--json"], env, capsys)
    shown = [r["path"] for r in json.loads(out)]
    assert code == 0 and len(shown) == 5
    assert run_cli(["watch", shown[0], "--seconds", "60"], env, capsys)[0] == 0

    code, out, _ = run_cli(["recommend", "--stats", "--json"], env, capsys)
    stats = json.loads(out)
    assert code == 0 and stats["shown"] == 5 and stats["total"]["played"] == 1
    assert stats["total"]["shares"]["past_half"] == pytest.approx(0.2)
    assert [row["variety"] for row in stats["by_variety"]] == [0.3]
    code, out, _ = run_cli(["recommend", "--stats"], env, capsys)
    assert code == 0 and "How are recommendations doing? 5 picks shown" in out
    assert re.search(r"^all picks +5 +20% +20% +0% +0%$", out, re.MULTILINE), out
    assert "variety 0.3" in out
