"""How much of a query's wording a transcript chunk holds, tolerant to transcription errors.

The exact-words index (FTS5) wants every word of the query, spelt as the transcriber spelt it: "Inoltro chiamata su
non risposta" misses the chunk the transcriber wrote as "Inoltre ho chiamata su un risposta", and a Russian query
misses "Пере адресации" for "Переадресация". Meaning alone (the sentence encoder) then ranks the same prompt in
another language first, since it is as close in meaning. So the speech channel also weighs the share of the query's
character n-grams that the chunk holds (its containment in the chunk): a word with one letter wrong keeps most of
its trigrams, a word split in two keeps all but the ones across the gap, and a translation keeps almost none.

- Words are folded first: Unicode compatibility forms, accents and case ("réponse" = "reponse" = "RÉPONSE"; "ё" =
  "е"), so a diacritic the transcriber dropped or added costs nothing; Chinese in Simplified characters ("開" =
  "开": whisper writes Mandarin in either script).
- A word counts by its trigrams with a space on either side (" train", "ain "), so a word's start and end weigh
  like its middle. Words of one or two letters ("a", "to", "de", "su") do not count: every language says them,
  and a "no match" query of four such words and a noun half-matched any sentence holding them.
- Text without spaces (Chinese, Japanese, Korean) counts by character bigrams: a run of CJK characters is a
  phrase, not one word, and two characters are the usual length of a Chinese word.
- Chinese is also heard by its sound: the transcriber often writes a homophone, the right syllables in the wrong
  characters (由用管周一閉管 for 游泳馆周一闭馆: a third of the character bigrams, every syllable). So a query holding
  Han characters is also compared by the bigrams of its toneless pinyin syllables, and the overlap is the larger of
  the two, a match by sound counting SOUND_WEIGHT of one by character. Homophones are common, so weights below 1
  were tried (0.5-0.9): on the development sets' fitted queries the full weight told a query's own recording from
  the other candidates best, and no Chinese "no match" query shared a sound bigram with a transcript.
- Each character is read alone, by its first reading in pypinyin's dictionary (loaded only for a Chinese query,
  ~30 ms): pypinyin's phrase-aware conversion takes 0.15 s to load and ~0.3 ms a chunk, 70 ms a query whose 200
  candidate chunks it had not seen. A character thus always has the same syllable, in the query and in the
  transcript; what is missed is a homophone of a character's other reading (行 is xing, so 银航 is not 银行).
- Syllables are compared by the fuzzy-pinyin classes Chinese input methods offer, since the transcriber confuses
  them as speakers do: zh/z, ch/c, sh/s, and the finals -ang/-an, -eng/-en, -ing/-in (链条 lian tiao was heard as
  辆调 liang diao). Tried on the development sets: one exact-words query on the unseen set right first (it was
  second), no other result changed, no negative query answered.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

from mediarec.index.chinese_script import simplified
from mediarec.rank.chinese_words import single_character_words

log = logging.getLogger(__name__)

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_WORD = re.compile(f"[^\\W{_CJK}]+", re.UNICODE)
MIN_WORD_LETTERS = 3  # shorter words are left out (see the module's docstring); digits count as letters
# What a match by sound (toneless pinyin) counts beside one by character: chosen by benchmarks/calibrate_words_bonus.py
# on the fitted queries of the development sets, with the words bonus it feeds (0, 0.5 ... 1 tried).
SOUND_WEIGHT = 1.0
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_SOUND_MARK = "|"  # joins syllables: no word trigram holds one, so a sound gram never equals a spelt one


def folded(text: str) -> str:
    """Compatibility forms unified, accents dropped, case folded, Chinese in Simplified characters."""
    decomposed = unicodedata.normalize("NFKD", simplified(text))
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def grams(text: str) -> Counter[str]:
    """The text's n-grams as counted here: padded trigrams of its words of MIN_WORD_LETTERS or more, CJK character
    bigrams (a lone character alone)."""
    return _spelt(folded(text))


def sound_grams(text: str) -> Counter[str]:
    """``grams`` with each CJK run counted by the bigrams of its syllables (a Han character's toneless pinyin, any
    other CJK character itself) instead of its characters."""
    return _sounded(folded(text))


def has_han(text: str) -> bool:
    """Whether the text holds a Chinese character (one the overlap also compares by sound)."""
    return _HAN.search(text) is not None


def containment(query_grams: Counter[str], text: str) -> float:
    """The share of the query's n-grams (``grams(query)``) that ``text`` holds, each at most as often as there:
    1.0 when the text says the query word for word, 0.0 when it shares nothing (or the query has no words)."""
    return _share(query_grams, grams(text))


def overlaps(query: str, texts: list[str | None]) -> list[float]:
    """How much of the query's wording each text holds (0.0 for a text that is None): the ``containment`` of its
    n-grams, or for a query with Chinese characters, the larger of that and SOUND_WEIGHT times the containment of
    its sound n-grams (``sound_grams``)."""
    return [max(spelt, SOUND_WEIGHT * sounded) for spelt, sounded in overlap_parts(query, texts)]


def overlap_parts(query: str, texts: list[str | None]) -> list[tuple[float, float]]:
    """Per text, (containment by character, containment by sound); the second is 0.0 for a query without Chinese
    characters, whose sound n-grams are its spelt ones (benchmarks/calibrate_words_bonus.py weighs the two)."""
    spelt = grams(query)
    sounded = sound_grams(query) if has_han(query) else None
    parts = []
    for text in texts:
        if not text:
            parts.append((0.0, 0.0))
            continue
        said = folded(text)  # once: folding Chinese (OpenCC) costs more than reading it
        by_sound = _share(sounded, _sounded(said)) if sounded is not None and has_han(said) else 0.0
        parts.append((_share(spelt, _spelt(said)), by_sound))
    return parts


def says_outright(query: str, name: str) -> bool:
    """Whether the query holds ``name`` word for word: a Chinese (or other CJK) name of two or more characters
    anywhere in it, any other name as whole words ("a lizard on a branch" says "lizard", "lizards" does not). A
    one-character Chinese name counts only where the word segmenter finds it alone (rank/chinese_words.py): 夜晚的桥
    says 桥 (bridge), but 山里 (in the hills) holds no 山 (mountain) and 花园 (garden) no 花 (flower)."""
    return bool(said_outright(query, [name]))


def said_outright(query: str, names: Iterable[str]) -> list[str]:
    """The names the query says outright (``says_outright``), in their order; the query is folded once and each
    name once per process, since a search asks this of every image label of the library."""
    asked = folded(query)
    return [name for name in names if _holds(asked, _folded_name(name))]


def name_parts(name: str) -> tuple[str, ...]:
    """The names inside one tag name, as a query would say them: AudioSet's "roaring cats (lions, tigers)" is
    "roaring cats", "lions" and "tigers"; "cattle, bovinae" is "cattle" and "bovinae"."""
    parts = (part.strip() for part in re.split(r"[,()]", name))
    return tuple(dict.fromkeys(part for part in parts if part))


def word_forms(word: str) -> tuple[str, ...]:
    """A one-word English name as a query may say it: itself, its plural or singular, its -ing form ("moo",
    "moos", "mooing"; "lions", "lion"; "sneeze", "sneezes", "sneezing"). Longer names and Chinese ones stand
    as they are: a query says a two-word name ("cash register") in its own words or not at all."""
    if not re.fullmatch(r"[a-z]{3,}", word):
        return (word,)
    forms = [word]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:  # "lions", not "gas"
        forms.append(word[:-1])
    else:
        forms.append(word + ("es" if word.endswith(("s", "sh", "ch", "x")) else "s"))
    if not word.endswith(("ing", "s")):
        forms.append((word[:-1] if word.endswith("e") and not word.endswith("ee") else word) + "ing")
    return tuple(dict.fromkeys(forms))


def noun_forms(word: str) -> tuple[str, ...]:
    """A one-word English name of a thing as a query may say it: itself and its plural or singular ("mountain",
    "mountains"; "glasses", "glass"), not word_forms' -ing form. Longer names and Chinese ones stand as they are."""
    return word_forms(word)[:2]


def closed_compound(name: str) -> str | None:
    """A two-word English name written as one word, as English often writes it: "bird song" is also "birdsong",
    "wind chime" "windchime", "hi hat" "hihat"; None for any other name. A query that says "birdsong" says the
    name, though no word of it is "bird" or "song"."""
    words = name.lower().split()
    if len(words) != 2 or not all(re.fullmatch(r"[a-z]{2,}", word) for word in words):
        return None
    return "".join(words)


@lru_cache(maxsize=8192)
def _folded_name(name: str) -> str:
    return folded(name).strip()


def _holds(query: str, name: str) -> bool:
    if not name or name not in query:  # a plain substring test first: most names are not in the query at all
        return False
    if _CJK_RUN.fullmatch(name):
        return len(name) >= 2 or name in single_character_words(query)
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", query) is not None


def _spelt(text: str) -> Counter[str]:
    found: Counter[str] = Counter()
    for run in _CJK_RUN.findall(text):
        found.update(_bigrams(list(run), ""))
    found.update(_word_grams(text))
    return found


def _sounded(text: str) -> Counter[str]:
    found: Counter[str] = Counter()
    for run in _CJK_RUN.findall(text):
        found.update(_bigrams([_syllable(char) for char in run], _SOUND_MARK))
    found.update(_word_grams(text))
    return found


def _word_grams(text: str) -> list[str]:
    """Padded trigrams of the folded text's words outside CJK runs, words of MIN_WORD_LETTERS or more."""
    found: list[str] = []
    for word in _WORD.findall(_CJK_RUN.sub(" ", text)):
        if len(word) >= MIN_WORD_LETTERS:
            padded = f" {word} "
            found.extend(padded[i : i + 3] for i in range(len(padded) - 2))
    return found


def _bigrams(units: list[str], mark: str) -> list[str]:
    """Adjacent pairs of a CJK run's units (characters or syllables); a run of one unit stands alone."""
    if len(units) == 1:
        return [mark + units[0]]
    return [first + mark + second for first, second in pairwise(units)]


def _share(query_grams: Counter[str], held: Counter[str]) -> float:
    total = sum(query_grams.values())
    if total == 0:
        return 0.0
    return sum(min(count, held[gram]) for gram, count in query_grams.items()) / total


@lru_cache(maxsize=65536)
def _syllable(char: str) -> str:
    """A CJK character's toneless pinyin (its first reading: 游 yóu,liú -> "you") in its fuzzy-pinyin class (山 shan
    -> "san", 丁 ding -> "din"); any other character itself."""
    reading = _readings().get(str(ord(char)))
    if reading is None:
        return char
    decomposed = unicodedata.normalize("NFKD", reading.split(",")[0])
    plain = "".join(letter for letter in decomposed if not unicodedata.combining(letter))
    plain = re.sub(r"^([zcs])h", r"\1", plain)
    return re.sub(r"([aei])ng$", r"\1n", plain)


@lru_cache(maxsize=1)
def _readings() -> dict[str, str]:
    """pypinyin's dictionary of single characters (code point -> readings, most usual first), read from its JSON
    file: importing pypinyin would load its phrase dictionary too (~0.15 s), which is not used here. Empty, with a
    warning, where pypinyin is not installed: Chinese is then compared by its characters alone."""
    spec = importlib.util.find_spec("pypinyin")
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    path = Path(folders[0]) / "pinyin_dict.json" if folders else None
    if path is None or not path.is_file():
        log.warning(
            "pypinyin is not installed: Chinese words are compared by their characters, not their sound"
        )
        return {}
    return dict(json.loads(path.read_text(encoding="utf-8")))
