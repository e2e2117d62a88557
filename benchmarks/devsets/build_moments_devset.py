"""Build the moments development set for `mediarec eval`: long recordings made of known sentences with their times.

    .venv/bin/python benchmarks/devsets/build_moments_devset.py [--out devsets/moments]
    .venv/bin/mediarec --profile offline eval search --manifest devsets/moments/manifest.jsonl \\
        --out devsets/moments/report --json

Nine recordings (about 40 s each, six minutes in all, as the moments issue asks), each of eight sentences on
unrelated subjects read by espeak-ng (mediarec.media.narration) with pauses of 1.5 to 2.5 s between them over a
low noise floor: four in English (two en-us, two en-gb), two each in Spanish and German, one in Italian (the first
five are the set as it was, unchanged: the others are appended). No subject is said twice, in any language, so
each query has one right file (a multilingual text encoder rightly finds a sentence's translation too). French is
left out: whisper base hears espeak-ng's French voices as Thai or Hungarian. Sentence times come from the synthesizer's
own samples, so they are exact. Queries, each with the relevant recording and the span of its sentence ("span":
[start, end], read by the moment measure of mediarec.evaluation.moments):

  exact        the sentence word for word (what a user who remembers the words types)
  paraphrase   the sentence reworded in its own language (what a user who remembers the meaning types)

Nothing here is downloaded: espeak-ng (Debian package espeak-ng) is the only requirement. The media land under the
gitignored devsets/ folder.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run from anywhere, without installing mediarec

from mediarec.media.narration import spoken_recording  # noqa: E402
from mediarec.media.samples import write_audio  # noqa: E402

# (recording, espeak-ng voice, language, [(sentence, paraphrase), ...]); forty subjects, none said twice.
RECORDINGS = [
    ("talk-en-us", "en-us", "en", [
        ("The train to the city leaves at nine in the morning.", "when does the train into town depart"),
        ("My grandmother grows tomatoes and roses in her garden.", "an old woman planting vegetables and flowers"),
        ("Please close the window because it is cold outside.", "shut it, the weather is freezing"),
        ("The library opens again on Monday after the holiday.", "when can I borrow books again"),
        ("A small dog is running along the sandy beach.", "a puppy plays by the sea"),
        ("We bake a loaf of bread in a hot oven every Sunday.", "making bread at home at the weekend"),
        ("The football match ended with a late goal for the home team.", "result of the soccer game"),
        ("Drink plenty of water when you walk in the mountains.", "advice for hiking trips"),
    ]),
    ("talk-en-gb", "en-gb", "en", [
        ("The doctor said I should rest for three days.", "advice from the physician to stay in bed"),
        ("Our new kitchen has a large window above the sink.", "the room where we cook got a big window"),
        ("The museum shows paintings from the last century.", "an art gallery with old pictures"),
        ("It rained all night and the river is very high.", "flooding after a stormy night"),
        ("She plays the piano every evening after dinner.", "music practice at night"),
        ("The airport was closed because of the snow.", "flights cancelled by winter weather"),
        ("Fresh fish is sold at the harbour every morning.", "buying seafood at the port"),
        ("The children built a castle out of cardboard boxes.", "kids making a toy fortress"),
    ]),
    ("charla-es", "es", "es", [
        ("Mañana vamos a pintar la casa de color azul.", "cambiar el color de las paredes de la vivienda"),
        ("El autobús número siete llega tarde cada día.", "el transporte público nunca es puntual"),
        ("Mi hermano estudia medicina en la universidad.", "un familiar que quiere ser médico"),
        ("Compramos naranjas y manzanas en el mercado.", "fruta comprada en la plaza"),
        ("El gato duerme todo el día encima del sofá.", "una mascota que descansa en el salón"),
        ("La reunión de trabajo empieza a las tres.", "a qué hora es la junta en la oficina"),
        ("En verano nadamos en el lago cerca del pueblo.", "bañarse en agua dulce durante las vacaciones"),
        ("Necesito una llave nueva para la puerta del garaje.", "no puedo abrir donde aparco el coche"),
    ]),
    ("vortrag-de", "de", "de", [
        ("Mein Fahrrad hat einen platten Reifen.", "das Rad ist kaputt und ich kann nicht fahren"),
        ("Im Winter trinken wir gern heißen Tee mit Honig.", "ein warmes Getränk für kalte Tage"),
        ("Die Kinder lernen in der Schule das Alphabet.", "Schüler üben die Buchstaben"),
        ("Unser Nachbar repariert sein altes Auto.", "der Mann von nebenan arbeitet am Wagen"),
        ("Das Konzert im Park beginnt um acht Uhr.", "wann fängt die Musik draußen an"),
        ("Ich habe meinen Schlüssel im Büro vergessen.", "etwas bei der Arbeit liegen gelassen"),
        ("Meine Schwester arbeitet als Lehrerin in Berlin.", "sie unterrichtet in der Hauptstadt"),
        ("Am Wochenende besuchen wir den Zoo.", "am Samstag Tiere ansehen"),
    ]),
    ("discorso-it", "it", "it", [
        ("Questa sera cuciniamo la pasta con il pomodoro.", "una cena italiana fatta in casa"),
        ("Il ponte vecchio è stato chiuso per lavori.", "non si può attraversare il fiume"),
        ("Mio zio ha comprato una barca a vela.", "un parente con una nuova imbarcazione"),
        ("La farmacia è chiusa la domenica pomeriggio.", "dove compro le medicine nel fine settimana"),
        ("Gli studenti leggono un libro di storia.", "ragazzi che studiano il passato"),
        ("Il cane del vicino abbaia tutta la notte.", "un animale rumoroso che non fa dormire"),
        ("Domani c'è lo sciopero dei trasporti.", "niente autobus e metropolitana"),
        ("Il telefono squilla ma nessuno risponde.", "una chiamata senza risposta"),
    ]),
    ("podcast-en-us", "en-us", "en", [
        ("My cousin is learning to drive a big red truck.", "someone in the family taking lessons on a lorry"),
        ("The coffee shop on our street opens at six every day.", "an early cafe near home"),
        ("Our team finished the science project before the deadline.", "schoolwork handed in on time"),
        ("The hotel room had a view of the old lighthouse.", "where we stayed you could see the tower by the coast"),
        ("He lost his wallet at the crowded shopping mall.", "money gone missing in a busy store"),
        ("The farmer milks twenty cows before breakfast.", "early work in the dairy barn"),
        ("A strong wind knocked the tall tree onto the road.", "a storm blocked the street with a fallen trunk"),
        ("My laptop battery runs out after two hours.", "the computer needs charging often"),
    ]),
    ("lesson-en-gb", "en-gb", "en", [
        ("The chess club meets in the hall on Thursday evenings.", "a weekly board game group"),
        ("Grandfather repaired the clock that stopped last winter.", "an old man fixing a timepiece"),
        ("The post office lost my parcel from Canada.", "a package that never arrived"),
        ("We watched the eclipse through special dark glasses.", "looking at the sun safely"),
        ("The baby laughed when the puppet appeared.", "an infant amused by a toy show"),
        ("Our village holds a kite festival every June.", "flying toys in the sky at a summer fair"),
        ("The tailor shortened my trousers in ten minutes.", "quick clothing alterations"),
        ("Heavy traffic made us miss the start of the film.", "late to the cinema because of the roads"),
    ]),
    ("noticias-es", "es", "es", [
        ("Mi abuela teje bufandas de lana para el invierno.", "ropa de abrigo hecha a mano"),
        ("Los vecinos celebran una fiesta en la terraza.", "una reunión alegre en el edificio"),
        ("Perdí mi paraguas en el restaurante anoche.", "olvidé algo para la lluvia donde cenamos"),
        ("Mi hija ganó una medalla en la carrera del colegio.", "un premio deportivo en la escuela"),
        ("El ascensor del edificio está roto otra vez.", "hay que subir por las escaleras"),
        ("Vendimos la moto vieja a un amigo.", "nos deshicimos de un vehículo de dos ruedas"),
        ("Hoy hace mucho calor en la ciudad.", "una jornada sofocante en la capital"),
        ("La impresora de la oficina no tiene papel.", "no se pueden imprimir documentos en el trabajo"),
    ]),
    ("bericht-de", "de", "de", [
        ("Der Kühlschrank ist kaputt und die Milch ist sauer.", "ein defektes Küchengerät"),
        ("Wir haben im Wald viele Pilze gefunden.", "Sammeln im Forst"),
        ("Der Fernseher im Wohnzimmer ist zu laut.", "das Gerät im Wohnraum stört mit Lärm"),
        ("Morgen schreibe ich eine wichtige Prüfung.", "ein Test steht bevor"),
        ("Meine Brille ist auf den Boden gefallen.", "die Sehhilfe ist heruntergefallen"),
        ("Der Chor singt am Sonntag in der Kirche.", "ein Gesangsauftritt im Gotteshaus"),
        ("Die Polizei hat den Dieb gefangen.", "ein Einbrecher wurde festgenommen"),
        ("Wir fahren im Sommer nach Spanien.", "Urlaub im Süden Europas"),
    ]),
]  # fmt: skip


def build(out: Path) -> Path:
    media = out / "media"
    media.mkdir(parents=True, exist_ok=True)
    lines = []
    for index, (name, voice, language, pairs) in enumerate(RECORDINGS):
        recording = spoken_recording([sentence for sentence, _ in pairs], voice=voice, seed=index)
        written = f"media/{name}.flac"
        write_audio(out / written, recording.audio)
        lines.append(
            {
                "kind": "item",
                "path": written,
                "type": "speech",
                "group": f"talk/{language}",
                "language": language,
                "transcript": " ".join(sentence for sentence, _ in pairs),
                "duration": round(recording.duration, 3),
                "sentences": [[s.start, s.end, s.text] for s in recording.sentences],
            }
        )
        said = [(round(spoken.start, 3), round(spoken.end, 3), spoken.text) for spoken in recording.sentences]
        lines += span_queries(written, language, said, [paraphrase for _, paraphrase in pairs])
        print(f"{written}: {recording.duration:.1f} s, {len(pairs)} sentences", file=sys.stderr)
    return write_manifest(out, lines)


def span_queries(
    written: str,
    language: str,
    said: list,  # of (start, end, text), tuples or lists
    paraphrases: list[str],
    exact: list[str] | None = None,
) -> list[dict]:
    """An exact and a paraphrase query line for each (start, end, text) said in the recording ``written``; the
    exact query is the text, or the words of it that ``exact`` gives."""
    lines = []
    for (start, end, text), paraphrase, words in zip(
        said, paraphrases, exact or [None] * len(said), strict=True
    ):
        for query_type, query in (("exact", words or text), ("paraphrase", paraphrase)):
            lines.append(
                {
                    "kind": "query",
                    "type": query_type,
                    "text": query,
                    "language": language,
                    "relevant": [written],
                    "span": [start, end],
                }
            )
    return lines


def write_manifest(out: Path, lines: list[dict]) -> Path:
    manifest = out / "manifest.jsonl"
    manifest.write_text(
        "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8"
    )
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=Path("devsets/moments"))
    print(build(parser.parse_args().out.absolute()))


if __name__ == "__main__":
    main()
