"""All automatic tags of one item, from what the indexing pipeline already computed (the indexer's hook).

Visual tags come from the keyframe vectors, audio tags from the audio encoder's event scores (the same pass
that made the audio vectors), speech tags from the transcript and its chunk vectors, metadata tags from the
container and the folder. Nothing is decoded or embedded twice, except the keyphrase candidates (a few dozen
short texts through the text encoder).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from mediarec.index.records import NewSegment, TagRecord, TranscriptLine
from mediarec.models.base import ModelError, Transcript
from mediarec.understand.audio_tags import AudioEvidence
from mediarec.understand.found import FoundTag, moments_metadata
from mediarec.understand.image_label_tags import LabelledFrame, image_label_tags
from mediarec.understand.keyphrases import keyphrases
from mediarec.understand.metadata_tags import metadata_tags
from mediarec.understand.spoken_languages import LANGUAGE_NAMES
from mediarec.understand.topics import topic_shifts
from mediarec.understand.visual_tags import FrameMoment, VisualTagger
from mediarec.understand.vocabulary import DEFAULT_VOCABULARY, load_vocabulary

# Below this, whisper's language guess is a guess: no language tag, and the item says its language is uncertain.
MIN_LANGUAGE_PROBABILITY = 0.5


@dataclass(frozen=True)
class ItemUnderstanding:
    tags: tuple[FoundTag, ...]
    # Merged into the item's metadata: "tag_moments" ({"source:name": [[start, end], ...]}),
    # "audio_shares" ({"speech", "music", "silence", "other"} -> share of the item's audio windows) and
    # "topic_shifts" ([[time, contrast], ...], see topics; only for items with speech) and "untranscribed_speech"
    # (see untranscribed_speech; only for items with speech the transcriber could not write, or not surely).
    metadata: Mapping = field(default_factory=dict)

    def records(self) -> list[TagRecord]:
        return [tag.record() for tag in self.tags]


def vocabulary_name(models) -> str:
    spec = models.specs.get("image_text") if hasattr(models, "specs") else None
    return str(spec.options.get("vocabulary", DEFAULT_VOCABULARY)) if spec is not None else DEFAULT_VOCABULARY


def visual_tagger(models) -> VisualTagger:
    return VisualTagger(models.get("image_text"), load_vocabulary(vocabulary_name(models)), models.cache_dir)


def describe_item(
    models,
    path: str,
    metadata: Mapping,
    segments: Sequence[NewSegment],
    transcript: Transcript | None,
    audio: AudioEvidence | None,  # the sound tags' and shares' evidence, gathered as the audio was encoded
    *,
    labelled_frames: Sequence[LabelledFrame] = (),
) -> ItemUnderstanding:
    duration = float(metadata.get("duration") or 0.0)
    tags: list[FoundTag] = []
    frames = [
        FrameMoment(s.start, s.end, s.vector)
        for s in segments
        if s.modality == "frame" and s.vector is not None
    ]
    # Beside a real image model, the image_text model's vocabulary only tags drawings (understand.image_label_tags).
    if labelled_frames:
        drawn = {(frame.start, frame.end) for frame in labelled_frames if frame.drawing}
        frames = [frame for frame in frames if (frame.start, frame.end) in drawn]
    if frames:
        tags += visual_tagger(models).tag(frames)
    extra: dict = {}
    if labelled_frames:  # the image_labels model's classes, where the model set has one
        label_tags, extra["tag_details"] = image_label_tags(labelled_frames)
        tags += label_tags
    if audio is not None:
        tags += audio.tags(duration or audio.track_seconds)
        extra["audio_shares"] = audio.shares()
    if transcript is not None and transcript.segments:
        tags += _speech_tags(models, transcript, segments)
        lines = [TranscriptLine(s.start, s.end, s.text) for s in transcript.segments]
        extra["topic_shifts"] = topic_shifts(models.get("text"), lines)
    untranscribed = untranscribed_speech(models, transcript, audio is not None and audio.heard_speech)
    if untranscribed is not None:
        extra["untranscribed_speech"] = untranscribed
    tags += metadata_tags(metadata, path)
    extra["tag_moments"] = moments_metadata(tags)
    return ItemUnderstanding(tuple(tags), extra)


def untranscribed_speech(models, transcript: Transcript | None, heard_speech: bool) -> dict | None:
    """Speech that was heard but could not be transcribed, or not surely: {"language" (None when unknown),
    "probability", "transcriber", "note"}; None when what was heard was transcribed, or nothing was heard.

    - An English-only transcriber whose language detector heard another language returns that language and no
      segments (models.whisper): "speech in zh was heard but the transcriber tiny.en only transcribes English".
    - An English-only transcriber without a detector that wrote nothing where the audio model heard speech: the
      speech may be in another language.
    - A transcript whose language whisper was unsure of (below MIN_LANGUAGE_PROBABILITY): it may be wrong.
    """
    if transcript is None:
        return None
    transcriber = models.get("transcriber")
    label = str(getattr(transcriber, "label", transcriber.name))
    language, probability = transcript.language, round(float(transcript.language_probability), 4)
    if transcript.segments:
        if language and probability < MIN_LANGUAGE_PROBABILITY:
            note = (
                f"speech was heard but its language is uncertain ({language} {probability:.2f}); "
                f"the transcript by {label} may be wrong"
            )
            return {"language": language, "probability": probability, "transcriber": label, "note": note}
        return None
    if language:
        note = f"speech in {language} was heard but the transcriber {label} only transcribes English"
        if not _english_only(transcriber):
            note = f"speech in {language} was heard but the transcriber {label} could not transcribe it"
        return {"language": language, "probability": probability, "transcriber": label, "note": note}
    if heard_speech and _english_only(transcriber):
        note = (
            f"speech was heard but the transcriber {label} transcribed none of it; it only transcribes English, "
            "so the speech may be in another language"
        )
        return {"language": None, "probability": 0.0, "transcriber": label, "note": note}
    return None


def _english_only(transcriber) -> bool:
    try:
        return bool(getattr(transcriber, "english_only", False))
    except ModelError:  # it could not load: it wrote nothing for another reason, said in the item's error
        return False


def _speech_tags(models, transcript: Transcript, segments: Sequence[NewSegment]) -> list[FoundTag]:
    lines = [TranscriptLine(s.start, s.end, s.text) for s in transcript.segments if s.text.strip()]
    if not lines:
        return []
    found = []
    if transcript.language and transcript.language_probability >= MIN_LANGUAGE_PROBABILITY:
        name = LANGUAGE_NAMES.get(transcript.language, transcript.language)
        found.append(FoundTag(name, "speech", round(float(transcript.language_probability), 4)))
    chunk_vectors = [s.vector for s in segments if s.modality == "speech" and s.vector is not None]
    document = np.mean(chunk_vectors, axis=0) if chunk_vectors else None
    found += keyphrases(models.get("text"), lines, document_vector=document)
    return found
