"""Build the recorded-prompts moments set: long recordings of real recorded speech with the times of each prompt.

    .venv/bin/python benchmarks/devsets/build_prompt_moments_devset.py [--out devsets/prompt-moments]
    .venv/bin/mediarec --profile offline eval search --manifest devsets/prompt-moments/manifest.jsonl \\
        --out benchmarks/_out/prompt-moments/report --json

The moments set (build_moments_devset.py) is read by espeak-ng; this one is what the moments issue was seen on:
real telephone prompts, recorded by people (Asterisk's core sounds: Allison in US English and Mexican Spanish, June
in Canadian French, Carlo in Italian; Debian's asterisk-core-sounds-LANG-wav, CC-BY-SA-3.0), nine in each of four
recordings, with pauses of 1.5 to 2.5 s between them over a low noise floor. The prompts' texts are Asterisk's own
(core-sounds-LANG.txt in asterisk-core-sounds-LANG), so the exact queries are the makers' words. No prompt's subject is
said twice in any language (a multilingual text encoder rightly finds a prompt's translation too), so each query has
one right file; the Spanish prompts are used by no other set, the others' prompts by none of the messy or eval sets'
queries of this kind (they hold a few of the same prompts as single files). A prompt's span is where its samples rise
above its own quiet edges, so it is the recorded words, not the file.

Two more recordings are a human narrator (Warzone 2100's recorded tutorial, warzone2100-data, GPL-2+), its 21
lines whose recordings say their text (blind_queries.py: TUTORIAL less SAID_OTHERWISE) in the tutorial's order, ten
and eleven: a lecture of one voice on one subject, so a paraphrase has near neighbours in its own recording. The
transcripts are the game's own messages (script/tutorial.js); the exact queries are words of each message and the
paraphrases those blind_queries.py wrote for the blind set, which holds the same lines as single files.

The four prompt recordings are one per language, so the language of a query names its file: a rule that prefers
recordings in the query's language would look better on them than it is.

  exact        the prompt as Asterisk's text gives it (for the narrator: words of the message)
  paraphrase   reworded in its own language, written before any search ran

Fetches four pairs of Asterisk packages and warzone2100-data (about 220 MB in all) into devsets/_packages/debs; the
media (5.6 minutes) land under the gitignored devsets/ folder.
"""

from __future__ import annotations

import argparse
import gzip
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run from anywhere, without installing mediarec

import build_blind_devset as blind  # noqa: E402  (siblings, run as a script)
import build_messy_devset as messy  # noqa: E402
from blind_queries import SAID_OTHERWISE, TUTORIAL  # noqa: E402
from build_moments_devset import span_queries, write_manifest  # noqa: E402
from debian import fetch_package  # noqa: E402

from mediarec.media.audio import decode_audio  # noqa: E402
from mediarec.media.narration import NOISE_RMS  # noqa: E402
from mediarec.media.samples import SPEECH_RATE, silence, write_audio  # noqa: E402

# (recording, language, [(prompt name, paraphrase), ...]): 36 subjects, none said twice.
RECORDINGS = [
    ("prompts-en", "en", [
        ("confbridge-lock-no-join", "the call room is closed off, you can't get in"),
        ("tt-weasels", "small animals chewed up the telephones"),
        ("vm-mailboxfull", "no room left for any more voicemails"),
        ("privacy-unident", "anonymous callers get turned away"),
        ("at-tone-time-exactly", "the speaking clock after the beep"),
        ("speed-dial-empty", "nothing is stored on that shortcut number"),
        ("something-terribly-wrong", "a very bad problem has happened"),
        ("queue-youarenext", "nobody is ahead of you, an agent picks up soon"),
        ("vm-newuser", "a first-time tour of the voicemail system"),
    ]),
    ("prompts-es", "es", [
        ("conf-onlyperson", "estás solo en la llamada de grupo"),
        ("vm-passchanged", "se actualizó la clave de acceso"),
        ("demo-thanks", "despedida tras usar la centralita libre"),
        ("dir-nomatch", "no encontré a ese contacto en la guía"),
        ("ss-noservice", "ese teléfono ya no funciona, revise las cifras"),
        ("vm-toforward", "reenviar el recado a alguien más con una tecla"),
        ("hello-world", "un saludo a todo el planeta"),
        ("conf-waitforleader", "la reunión empieza cuando aparezca el jefe"),
        ("tt-allbusy", "la familia atiende a otros comerciales telefónicos, aguarde su turno"),
    ]),
    ("prompts-fr", "fr", [
        ("conf-now-recording", "on garde une trace audio de la réunion"),
        ("followme/status", "votre correspondant est absent de son poste, on le cherche"),
        ("pbx-parkingfailed", "impossible de garer la communication"),
        ("auth-incorrect", "connexion refusée, retapez votre code secret"),
        ("vm-reachoper", "parler à la standardiste avec la touche zéro"),
        ("do-not-disturb", "laissez-moi tranquille"),
        ("queue-thankyou", "on vous remercie d'attendre"),
        ("vm-nobodyavail", "aucun interlocuteur libre pour répondre"),
        ("feature-not-avail-line", "cette option est absente de votre abonnement"),
    ]),
    ("prompts-it", "it", [
        ("conf-kicked", "ti hanno cacciato dalla riunione"),
        ("agent-alreadyon", "l'addetto ha già effettuato l'accesso"),
        ("followme/options", "rispondere o respingere la telefonata"),
        ("all-circuits-busy-now", "le linee sono tutte impegnate"),
        ("priv-introsaved", "resti in attesa, sto passando la comunicazione"),
        ("simul-call-limit-reached", "troppe telefonate nello stesso momento"),
        ("please-try-call-later", "chiami di nuovo fra un po'"),
        ("demo-moreinfo", "un centralino gratuito che gira su un computer"),
        ("vm-sorry", "non ho afferrato quello che ha detto"),
    ]),
]  # fmt: skip
PAUSES = (1.5, 2.5, 2.0)  # seconds between prompts, cycled (as the moments set)
LEAD = 1.0  # seconds of room before the first prompt
NARRATOR_PACKAGE = "warzone2100-data"
PACKAGES = {language: (f"asterisk-core-sounds-{language}", f"asterisk-core-sounds-{language}-wav") for language in
            ("en", "es", "fr", "it")}  # fmt: skip


def prompt_texts(text_package: Path, language: str) -> dict[str, str]:
    """Prompt name -> its text, from the package's core-sounds-LANG.txt."""
    path = (
        text_package
        / "usr"
        / "share"
        / "doc"
        / f"asterisk-core-sounds-{language}"
        / f"core-sounds-{language}.txt.gz"
    )
    texts = {}
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as handle:
        for line in handle:
            name, separator, text = line.partition(": ")
            if separator and not line.startswith(";"):
                texts[name.strip()] = " ".join(text.split())
    return texts


def voiced_bounds(samples: np.ndarray, frame_seconds: float = 0.02) -> tuple[float, float]:
    """Seconds from the start of a recorded prompt to its first and past its last frame louder than a twentieth
    of its loudest frame (a recording's quiet edges are not silence, so an absolute floor would not do)."""
    frame = int(SPEECH_RATE * frame_seconds)
    count = max(1, samples.size // frame)
    loudness = np.sqrt(np.mean(samples[: count * frame].reshape(count, frame) ** 2, axis=1))
    loud = np.flatnonzero(loudness > loudness.max() / 20.0)
    if loud.size == 0:
        return 0.0, samples.size / SPEECH_RATE
    return loud[0] * frame_seconds, (loud[-1] + 1) * frame_seconds


def recording(voices: list[np.ndarray], texts: list[str], seed: int) -> tuple[np.ndarray, list]:
    """The recorded lines one after another with pauses over noise, and each one's [start, end, text]."""
    pieces, spans, position = [silence(LEAD)], [], LEAD
    for index, (voice, text) in enumerate(zip(voices, texts, strict=True)):
        first, last = voiced_bounds(voice)
        spans.append([round(position + first, 3), round(position + last, 3), text])
        pause = PAUSES[index % len(PAUSES)]
        pieces += [voice, silence(pause)]
        position += voice.size / SPEECH_RATE + pause
    audio = np.concatenate(pieces)
    audio = audio + np.random.default_rng(seed).normal(0.0, NOISE_RMS, audio.size).astype(np.float32)
    return np.clip(audio, -1.0, 1.0).astype(np.float32), spans


def build(out: Path, debs: Path) -> Path:
    media = out / "media"
    media.mkdir(parents=True, exist_ok=True)
    lines = []
    for index, (name, language, pairs) in enumerate(RECORDINGS):
        text_package, sound_package = (fetch_package(package, debs).folder for package in PACKAGES[language])
        texts = prompt_texts(text_package, language)
        folder = next(
            p for p in (sound_package / "usr" / "share" / "asterisk" / "sounds").iterdir() if p.is_dir()
        )
        voices = [decode_audio(folder / f"{prompt}.wav") for prompt, _ in pairs]
        audio, spans = recording(voices, [texts[prompt] for prompt, _ in pairs], seed=index)
        source = (f"{PACKAGES[language][1]}:{folder.name}", "CC-BY-SA-3.0")
        lines += recording_lines(out, name, language, audio, spans, source, [p for _, p in pairs])
    narrator = fetch_package(NARRATOR_PACKAGE, debs)
    sources = blind.Sources({NARRATOR_PACKAGE: narrator.folder}, None)
    messages = sources.tutorial_messages()
    lines_read = [line for line in TUTORIAL if line[0] not in SAID_OTHERWISE]
    half = (len(lines_read) + 1) // 2
    for index, part in enumerate((lines_read[:half], lines_read[half:]), start=len(RECORDINGS)):
        voices = [
            messy.normalised(sources.audio(NARRATOR_PACKAGE, f"audio/tutorial/{file}")) for file, *_ in part
        ]
        audio, spans = recording(voices, [messages[file] for file, *_ in part], seed=index)
        source = (f"{NARRATOR_PACKAGE}:base.wz:audio/tutorial", blind.LICENCE_READ_BY_HAND[NARRATOR_PACKAGE])
        name = f"narrator-en-{index - len(RECORDINGS) + 1}"
        exact = [words for _, _, words, _ in part]
        lines += recording_lines(out, name, "en", audio, spans, source, [p for *_, p in part], exact)
    return write_manifest(out, lines)


def recording_lines(
    out: Path,
    name: str,
    language: str,
    audio: np.ndarray,
    spans: list,
    source: tuple[str, str],
    paraphrases: list[str],
    exact: list[str] | None = None,
) -> list[dict]:
    """Write the recording; its manifest line and its queries' lines."""
    written = f"media/{name}.flac"
    write_audio(out / written, audio)
    item = {
        "kind": "item",
        "path": written,
        "type": "speech",
        "group": f"{name.split('-')[0]}/{language}",
        "language": language,
        "transcript": " ".join(text for _, _, text in spans),
        "duration": round(audio.size / SPEECH_RATE, 3),
        "sentences": spans,
        "source": source[0],
        "licence": source[1],
    }
    print(f"{written}: {audio.size / SPEECH_RATE:.1f} s, {len(spans)} lines", file=sys.stderr)
    return [item, *span_queries(written, language, spans, paraphrases, exact)]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=Path("devsets/prompt-moments"))
    parser.add_argument("--debs", type=Path, default=Path("devsets/_packages/debs"))
    args = parser.parse_args()
    print(build(args.out.absolute(), args.debs.absolute()))


if __name__ == "__main__":
    main()
