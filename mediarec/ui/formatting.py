"""Small text helpers shared by the views: times, sizes, tag names, and the words for why a search result
matched."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLocale

from mediarec.understand.vocabulary import VocabularyError, chinese_tag_names


def clock(seconds: float | None) -> str:
    """0:07, 12:34 or 1:02:03."""
    total = max(0, int(round(seconds or 0.0)))
    minutes, secs = divmod(total, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def time_range(start: float, end: float) -> str:
    if end - start < 0.5:
        return clock(start)
    return f"{clock(start)}–{clock(end)}"


def modality_label(modality: str) -> str:
    """Why a moment matched, in the user's words: seen, said, heard, or named (title, tag, exact words)."""
    labels = {
        "frame": QCoreApplication.translate("Formatting", "seen"),
        "speech": QCoreApplication.translate("Formatting", "said"),
        "audio": QCoreApplication.translate("Formatting", "heard"),
        "text": QCoreApplication.translate("Formatting", "in the title or tags"),
    }
    return labels.get(modality, modality)


def kind_label(kind: str | None) -> str:
    if kind == "audio":
        return QCoreApplication.translate("Formatting", "Audio")
    return QCoreApplication.translate("Formatting", "Video")


def role_label(role: str) -> str:
    labels = {
        "image_text": QCoreApplication.translate("Formatting", "Pictures (what is seen)"),
        "transcriber": QCoreApplication.translate("Formatting", "Speech to text (what is said)"),
        "text": QCoreApplication.translate("Formatting", "Meaning of words"),
        "audio": QCoreApplication.translate("Formatting", "Sounds (what is heard)"),
    }
    return labels.get(role, role)


def megabytes(size_mb: int) -> str:
    if size_mb >= 1000:
        return QCoreApplication.translate("Formatting", "%1 GB").replace("%1", f"{size_mb / 1000:.1f}")
    return QCoreApplication.translate("Formatting", "%1 MB").replace("%1", str(size_mb))


def interface_in_chinese() -> bool:
    """Whether the interface is in Simplified Chinese (i18n.install_translators sets the default locale)."""
    locale = QLocale()
    return (
        locale.language() == QLocale.Language.Chinese
        and locale.script() != QLocale.Script.TraditionalHanScript
    )


def tag_label(name: str) -> str:
    """A tag's name as shown: its Chinese name when the interface is in Chinese and the vocabularies or the sound
    classes have one, else the stored name. Views keep the stored name as the data, so filters keep working."""
    if not interface_in_chinese():
        return name
    try:
        return chinese_tag_names().get(name.strip().lower(), name)
    except VocabularyError:  # the names file is unreadable: the English names still say what the tag is
        return name
