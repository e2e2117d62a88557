"""Build the on-screen text development set: videos of slides and subtitles drawn with PIL, and queries for them.

    .venv/bin/python benchmarks/devsets/build_screen_text_devset.py [--out devsets/screen]
    .venv/bin/python benchmarks/calibrate_search.py --manifest devsets/screen/manifest.jsonl --channels read --write

Each video (media/rNNN.mp4) shows a blank card, then one or two cards of text in English or Chinese (sizes 24 to 40
px on 960 x 540), then a blank card. Every item has three queries: words copied from its text ("exact"), a
paraphrase written for it in the same language ("paraphrase"), and one in the other language ("cross-lingual");
the set also has negative queries about things no card shows. What counts as relevant is what we drew: nothing is
judged afterwards. The text was written for this set (no source, no licence). Media land under the gitignored
devsets/ folder.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from mediarec.media.text_cards import TextCard, write_text_video  # noqa: E402

# (lines on screen, exact query, paraphrase in the same language, paraphrase in the other language)
SLIDES = [
    (
        ("Quarterly revenue grew", "by twelve percent"),
        "quarterly revenue",
        "sales went up this quarter",
        "销售额增长",
    ),
    (("Welcome to the chemistry lab",), "chemistry lab", "a science laboratory class", "化学实验室"),
    (
        ("Mount Everest base camp", "altitude 5364 m"),
        "everest base camp",
        "climbing the highest mountain",
        "珠穆朗玛峰",
    ),
    (("How to bake sourdough bread",), "sourdough bread", "making bread at home", "烤面包"),
    (("Chapter 3: The French Revolution",), "french revolution", "history of France in 1789", "法国大革命"),
    (("Press any key to continue",), "press any key", "keyboard prompt to go on", "按任意键继续"),
    (
        ("Train to Berlin departs platform 4",),
        "train to berlin",
        "railway station departures",
        "去柏林的火车",
    ),
    (
        ("Python for beginners", "lesson one: variables"),
        "python for beginners",
        "learning to program",
        "编程入门",
    ),
    (("Happy birthday, Grandma!",), "happy birthday", "a birthday party greeting", "生日快乐"),
    (("Warning: wet floor",), "wet floor", "careful, slippery ground", "小心地滑"),
    (("Final score 3 - 1",), "final score", "the result of the football match", "比赛比分"),
    (("Solar panels on the roof",), "solar panels", "renewable energy at home", "太阳能电池板"),
    (("今天的天气很好",), "天气很好", "阳光明媚的一天", "nice weather today"),
    (("欢迎来到北京",), "欢迎来到北京", "中国的首都", "welcome to Beijing"),
    (("第二章 量子力学",), "量子力学", "物理课", "quantum mechanics"),
    (("春节快乐 万事如意",), "春节快乐", "新年的祝福", "happy Chinese new year"),
    (("地铁二号线 下一站 人民广场",), "人民广场", "坐地铁", "subway line two"),
    (("我们的产品销量翻了一番",), "销量翻了一番", "卖得更多了", "sales doubled"),
    (("请系好安全带",), "安全带", "飞机起飞前的提醒", "fasten your seat belt"),
    (("如何做红烧肉",), "红烧肉", "中国菜的做法", "cooking braised pork"),
    (("山顶的日出",), "山顶的日出", "早上在山上看太阳", "sunrise on the mountain"),
    (("数据库索引的原理",), "数据库索引", "计算机软件课程", "how database indexes work"),
    (("猫咪在沙发上睡觉",), "猫咪", "宠物在休息", "a cat sleeping on the sofa"),
    (("Climate change and the oceans",), "climate change", "global warming and the sea", "气候变化"),
]
NEGATIVES = {
    "en": ("a submarine under the ice", "a tattoo artist at work", "ice hockey players fighting",
           "a potter shaping clay", "an opera singer on stage", "zzzz qwxv"),
    "zh": ("冰下的潜水艇", "纹身师在工作", "舞龙舞狮", "京剧表演", "打太极拳", "拖拉机耕地"),
}  # fmt: skip
SIZES = (24, 28, 32, 36, 40)


def _language(text: str) -> str:
    return "zh" if any("\u4e00" <= character <= "\u9fff" for character in text) else "en"


def build(out: Path) -> Path:
    rows = []
    for index, (lines, exact, paraphrase, other) in enumerate(SLIDES):
        path = f"media/r{index:03d}.mp4"
        pixels = SIZES[index % len(SIZES)]
        cards = [TextCard(2.0), TextCard(4.0, lines, pixels=pixels), TextCard(2.0)]
        write_text_video(out / path, cards, width=960, height=540)
        language = _language(lines[0])
        rows.append({"kind": "item", "path": path, "group": f"screen/{index:03d}", "type": "video",
                     "labels": ["on-screen text"], "language": language})  # fmt: skip
        for kind, text in (("exact", exact), ("paraphrase", paraphrase), ("cross-lingual", other)):
            rows.append({"kind": "query", "type": kind, "text": text, "language": _language(text),
                         "relevant": [path]})  # fmt: skip
    for language, texts in NEGATIVES.items():
        rows += [
            {"kind": "query", "type": "negative", "negative": True, "text": text, "language": language}
            for text in texts
        ]
    manifest = out / "manifest.jsonl"
    manifest.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(REPO / "devsets" / "screen"))
    args = parser.parse_args(argv)
    print(f"wrote {build(Path(args.out))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
