"""A result row's snippet shows the words search marked "[like this]" (rank/moments.py) in bold, not brackets."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from mediarec.ui.search_panel import marked_html  # noqa: E402

pytestmark = pytest.mark.gui


def test_marked_words_become_bold_and_the_rest_stays_text():
    assert marked_html("“Mix the [flour and water], <knead> & rest”") == (
        "“Mix the <b>flour and water</b>, &lt;knead&gt; &amp; rest”"
    )
    assert marked_html("今天早上[氣溫回聲]") == "今天早上<b>氣溫回聲</b>"


def test_a_mark_the_eliding_cut_runs_to_the_end():
    assert marked_html("“We bake a [loaf of br…") == "“We bake a <b>loaf of br…</b>"
    assert marked_html("no marks here") == "no marks here"
