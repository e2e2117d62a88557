"""The encode stage of indexing: one decoded file through the models, into what the store writes in one transaction.

Frames go to the image-text model; the audio to the sound model first, whose speech scores decide what the
transcriber hears (understand.speech_gate); the transcript, chunked, to the text model; the blocks fuse into the
item's vector (rank.item_vector) and the tags come from what was just computed (understand.item). A track longer
than one audio block is encoded block by block and never held whole (pipeline.audio_windows).
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import cast

import numpy as np

from mediarec.config import IndexSettings
from mediarec.index.records import (
    UNDRAWN_FRAMES_KEY,
    ItemIndexResult,
    NewSegment,
    ScreenTextLine,
    TranscriptLine,
)
from mediarec.index.store import LibraryStore
from mediarec.media.keyframes import VisualSummary, distinct_pictures
from mediarec.models.base import (
    AudioEncoder,
    ImageTextEncoder,
    SpeechTranscriber,
    TextEncoder,
    Transcript,
    TranscriptSegment,
)
from mediarec.models.image_onnx import prepare_exports
from mediarec.models.model_set import ModelSet, speech_space_model_id
from mediarec.models.ocr import read_space_model_id
from mediarec.pipeline.audio_windows import (
    PooledWindows,
    add_block_evidence,
    chain_first,
    pool_windows,
    track_evidence,
)
from mediarec.pipeline.decoding import Decoded, check_declared_length, cover_index, item_metadata
from mediarec.pipeline.image_label_stage import drawn_keyframes, label_keyframes, looks_model, undrawn_frames
from mediarec.pipeline.malloc_arenas import limit_malloc_arenas
from mediarec.pipeline.screen_text_stage import read_screen_text
from mediarec.pipeline.stage_timer import StageTimer
from mediarec.rank.item_blocks import remember_layout
from mediarec.rank.item_vector import DEFAULT_WEIGHTS, FusionLayout, fuse_item_vector, modality_block
from mediarec.scan.paths import display_text
from mediarec.understand.audio_tags import AudioEvidence, AudioScores
from mediarec.understand.image_label_tags import LabelledFrame
from mediarec.understand.item import describe_item
from mediarec.understand.speech_gate import gated_audio


@dataclass
class PictureParts:
    """What a file's picture stages give the rest of its encoding (ItemEncoder.encode_pictures)."""

    segments: list[NewSegment] = field(default_factory=list)  # its frames, then its on-screen lines
    blocks: dict[str, np.ndarray | None] = field(default_factory=dict)
    encoded_by: dict[str, tuple[str, int]] = field(default_factory=dict)
    labelled: list[LabelledFrame] = field(default_factory=list)
    screen_text: list[ScreenTextLine] = field(default_factory=list)
    undrawn: list[list[float]] | None = None  # image_label_stage.undrawn_frames


class ItemEncoder:
    def __init__(
        self,
        store: LibraryStore | None,  # None on a cluster worker; the head remembers last_layout
        models: ModelSet,
        settings: IndexSettings,
        timed: StageTimer,
        fusion_weights=DEFAULT_WEIGHTS,
    ):
        self.store = store
        self.models = models
        self.settings = settings
        self.timed = timed
        self.fusion_weights = fusion_weights
        self._prepared = False
        self._prepare_lock = threading.Lock()
        limit_malloc_arenas()  # before the job's threads start (pipeline.malloc_arenas)

    def _prepare(self) -> None:
        """Once, before the first file: the image networks' ONNX exports (made in a child process the first time),
        so that the pictures are encoded without importing torch here, ~720 MB of resident memory on its own."""
        with self._prepare_lock:
            if not self._prepared:
                with self.timed("model_export"):
                    prepare_exports(self.models)
                self._prepared = True

    def speech_model_id(self) -> str:
        return speech_space_model_id(self.models)

    # Typed views of self.models.get(role), which is typed as the plain Encoder: the catalogue builds each role
    # from a backend of that role's abstract class (models.base), so the cast only names what the role offers.

    # Typed views of self.models.get(role), which is typed as the plain Encoder: the catalogue builds each role
    # from a backend of that role's abstract class (models.base), so the cast only names what the role offers.
    def _image_text(self) -> ImageTextEncoder:
        return cast(ImageTextEncoder, self.models.get("image_text"))

    def _transcriber(self) -> SpeechTranscriber:
        return cast(SpeechTranscriber, self.models.get("transcriber"))

    def _text(self) -> TextEncoder:
        return cast(TextEncoder, self.models.get("text"))

    def _audio(self) -> AudioEncoder:
        return cast(AudioEncoder, self.models.get("audio"))

    def current_model_ids(self) -> dict[str, str]:
        ids = {"frame": self.models.get("image_text").model_id, "audio": self.models.get("audio").model_id}
        if self.settings.transcribe:
            ids["speech"] = self.speech_model_id()
        if self.settings.read_text:
            ids["read"] = read_space_model_id(self.models)
        return ids

    def encode(self, decoded: Decoded, pictures: Future[PictureParts] | None = None) -> ItemIndexResult:
        """The file through the models. ``pictures``: its picture stages (encode_pictures) when another thread runs
        them ahead (pipeline.indexer: the decode thread), so that this one goes on to the sounds meanwhile."""
        if decoded.info is None:  # the indexer encodes only files that decoded (so were probed) without error
            raise RuntimeError(f"{decoded.item.path} reached encoding without being probed")
        self._prepare()
        segments: list[NewSegment] = []
        encoded_by: dict[str, tuple[str, int]] = {}
        blocks: dict[str, np.ndarray | None] = {}
        transcript: Transcript | None = None
        audio_evidence: AudioEvidence | None = None  # what the sound tags and shares come from
        if decoded.audio_rest is not None:  # longer than one block: encoded block by block, never held whole
            audio_segments, blocks["audio"], audio_evidence, transcript = self._encode_audio_blocks(decoded)
            check_declared_length(decoded.item.path, decoded)
            if transcript is not None:
                speech_segments, blocks["speech"] = self._speech_segments(transcript)
                segments += speech_segments
                encoded_by["speech"] = (self.speech_model_id(), self.models.get("text").dim)
            segments += audio_segments
            encoder = self.models.get("audio")
            encoded_by["audio"] = (encoder.model_id, encoder.dim)
        elif decoded.audio is not None and len(decoded.audio) > 0:
            # Sounds first: their speech scores decide what the transcriber hears (understand.speech_gate).
            audio_segments, blocks["audio"], audio_scores = self._encode_audio(decoded.audio)
            if self.settings.transcribe:
                transcript, speech_segments, blocks["speech"] = self._encode_speech(
                    decoded.audio, audio_scores
                )
                segments += speech_segments
                encoded_by["speech"] = (self.speech_model_id(), self.models.get("text").dim)
            if audio_scores is not None:
                audio_evidence = track_evidence(audio_scores, decoded.audio)
            segments += audio_segments
            encoder = self.models.get("audio")
            encoded_by["audio"] = (encoder.model_id, encoder.dim)
        seen = pictures.result() if pictures is not None else self.encode_pictures(decoded)
        segments = [*seen.segments, *segments]  # frames and on-screen text first, as they always came
        blocks, encoded_by = {**seen.blocks, **blocks}, {**seen.encoded_by, **encoded_by}
        labelled, screen_text = seen.labelled, seen.screen_text
        undrawn = {UNDRAWN_FRAMES_KEY: seen.undrawn} if seen.undrawn is not None else {}
        layout = self._fusion_layout(encoded_by)
        item_vector = fuse_item_vector(layout, blocks)
        # Indexed for what it holds when the header promised more (decoded.declared): marked truncated.
        metadata = item_metadata(decoded.info, decoded.item, declared_duration=decoded.declared)
        with self.timed("tagging"):  # tags from what was just computed: no decoding, few encoder calls
            understood = describe_item(
                self.models,
                display_text(decoded.item.path),
                metadata.to_json(),
                segments,
                transcript,
                audio_evidence,
                labelled_frames=labelled,
            )
        return ItemIndexResult(
            metadata={**metadata.to_json(), **understood.metadata, **undrawn},
            tags=understood.records(),
            segments=segments,
            shots=[(shot.start, shot.end) for shot in decoded.visual.shots] if decoded.visual else [],
            transcript=[TranscriptLine(s.start, s.end, s.text, s.words) for s in transcript.segments]
            if transcript
            else [],
            encoded_by=encoded_by,
            item_vector=item_vector,
            item_vector_model=(layout.model_id, layout.dim) if item_vector is not None else None,
            thumbnail=decoded.thumbnails[cover_index(decoded.visual)] if decoded.thumbnails else None,
            language=transcript.language if transcript and transcript.segments else None,
            screen_text=screen_text,
        )

    def encode_pictures(self, decoded: Decoded) -> PictureParts:
        """The picture stages of a file: the image_text model on its keyframes, the image_labels model, and its
        on-screen text (pipeline.screen_text_stage). Nothing here needs the sounds, nor they it."""
        self._prepare()
        seen = PictureParts()
        if decoded.visual is not None and decoded.visual.keyframes:
            frame_segments, seen.blocks["frame"] = self._encode_frames(decoded.visual, decoded.thumbnails)
            seen.segments += frame_segments
            encoder = self.models.get("image_text")
            seen.encoded_by["frame"] = (encoder.model_id, encoder.dim)
            drawn = drawn_keyframes(self.models, decoded.visual)
            seen.undrawn = undrawn_frames(self.models, frame_segments, drawn)
            seen.labelled, looks = label_keyframes(
                self.models, decoded.visual, frame_segments, seen.blocks["frame"], self.timed, drawn
            )
            if looks is not None:  # the image_labels model's features are the "looks" block
                seen.blocks["frame"] = looks
        if decoded.text_frames and self.settings.read_text:
            keyframes = [(s.start, s.end, s.thumbnail) for s in seen.segments if s.thumbnail]
            seen.screen_text, read_segments, seen.encoded_by["read"] = read_screen_text(
                self.models, decoded.text_frames, self.timed, keyframes
            )
            seen.segments += read_segments
        return seen

    def _encode_frames(
        self, visual: VisualSummary, thumbnails: list[str]
    ) -> tuple[list[NewSegment], np.ndarray | None]:
        pictures, shown_as = distinct_pictures(visual.keyframes)  # a still shot's keyframes are one picture
        with self.timed("image_encoder"):
            vectors = self._image_text().encode_images(pictures)[shown_as]
        # A keyframe stands for its shot, or for its part of a long shot that has several keyframes.
        half_span = self.settings.seconds_per_keyframe / 2
        segments = []
        for keyframe, vector, thumbnail in zip(visual.keyframes, vectors, thumbnails, strict=True):
            shot = visual.shots[keyframe.shot_index]
            start = max(shot.start, keyframe.time - half_span)
            end = min(shot.end, keyframe.time + half_span)
            segments.append(NewSegment("frame", start, end, vector, None, thumbnail, keyframe.shot_index))
        return segments, modality_block(vectors)

    def _encode_speech(
        self, audio: np.ndarray, audio_scores: AudioScores | None
    ) -> tuple[Transcript, list[NewSegment], np.ndarray | None]:
        heard = gated_audio(audio, audio_scores)  # None: no speech evidence, the transcriber is not run
        if heard is None:
            return Transcript(language=None, language_probability=0.0, segments=()), [], None
        with self.timed("transcriber"):
            transcript = self._transcriber().transcribe(heard)
        return (transcript, *self._speech_segments(transcript))

    def _speech_segments(self, transcript: Transcript) -> tuple[list[NewSegment], np.ndarray | None]:
        chunks = chunk_transcript(transcript, self.settings.speech_chunk_seconds)
        if not chunks:
            return [], None
        with self.timed("text_encoder"):
            vectors = self._text().encode_passages([text for _, _, text in chunks])
        segments = [
            NewSegment("speech", start, end, vector, text)
            for (start, end, text), vector in zip(chunks, vectors, strict=True)
        ]
        return segments, modality_block(vectors)

    def _encode_audio_blocks(
        self, decoded: Decoded
    ) -> tuple[list[NewSegment], np.ndarray | None, AudioEvidence | None, Transcript | None]:
        """A track longer than one block, one block at a time: the audio model's windows are independent (each
        block's are shifted by its start; those the previous block already covered are dropped), and the transcriber
        hears each block's gated speech (segments shifted by the block's start; one repeated in the overlap is
        dropped). Returns the audio segments, block and tag evidence (gathered block by block, so the window scores
        are never all kept) and the transcript (None when not transcribing)."""
        encoder = self._audio()
        first = decoded.audio if decoded.audio is not None else np.zeros(0, dtype=np.float32)
        rest = decoded.audio_rest if decoded.audio_rest is not None else iter(())
        decoded.audio, decoded.audio_rest = None, None  # each block is let go once encoded
        pooled = PooledWindows(self.settings.audio_window_seconds)  # the window vectors, pooled as they come
        evidence: AudioEvidence | None = None
        spoken: list[TranscriptSegment] = []
        language, probability = None, 0.0
        held = 0
        last_start = -np.inf
        chained = chain_first(first, rest)
        del first  # the chain holds the first block until it is encoded, then lets it go
        try:
            for block_start, samples in chained:
                held = round(block_start * 16000) + len(samples)
                with self.timed("audio_encoder"):
                    block_starts, block_vectors, block_scores, names = encoder.embed_and_tag(samples)
                if len(block_vectors) == 0:
                    continue
                analysis = AudioScores(
                    block_starts, block_scores, names, encoder.window_seconds, encoder.exclusive_scores
                )
                keep = block_starts + block_start >= last_start + encoder.window_seconds / 2 - 1e-6
                kept = AudioScores(
                    block_starts[keep],
                    block_scores[keep],
                    names,
                    encoder.window_seconds,
                    encoder.exclusive_scores,
                )
                pooled.add(kept.starts + block_start, block_vectors[keep])
                evidence = add_block_evidence(evidence, kept, samples, block_start)
                if kept.windows:
                    last_start = float(kept.starts[-1] + block_start)
                if self.settings.transcribe:
                    heard = gated_audio(samples, analysis)
                    if heard is None:
                        continue
                    with self.timed("transcriber"):
                        part = self._transcriber().transcribe(heard)
                    if language is None or (not spoken and part.segments):
                        language, probability = part.language, part.language_probability
                    for segment in part.segments:
                        start, end = segment.start + block_start, segment.end + block_start
                        if spoken and (start + end) / 2 < spoken[-1].end:  # heard again in the overlap
                            continue
                        spoken.append(segment.shifted(block_start))
        finally:
            close = getattr(rest, "close", None)
            if close is not None:
                close()
        transcript = Transcript(language, probability, tuple(spoken)) if self.settings.transcribe else None
        decoded.held_audio_seconds = held / 16000.0
        if evidence is None or evidence.windows == 0:
            return [], None, None, transcript
        segments = [
            NewSegment("audio", start, end, vector) for start, end, vector in pooled.windows(held / 16000.0)
        ]
        return segments, pooled.mean(), evidence, transcript

    def _encode_audio(
        self, audio: np.ndarray
    ) -> tuple[list[NewSegment], np.ndarray | None, AudioScores | None]:
        encoder = self._audio()
        with self.timed("audio_encoder"):  # one pass gives the vectors and the sound event scores
            starts, vectors, scores, names = encoder.embed_and_tag(audio)
        if len(vectors) == 0:
            return [], None, None
        audio_scores = AudioScores(starts, scores, names, encoder.window_seconds, encoder.exclusive_scores)
        duration = len(audio) / 16000.0
        windows = pool_windows(starts, vectors, self.settings.audio_window_seconds, duration)
        segments = [NewSegment("audio", start, end, vector) for start, end, vector in windows]
        return segments, modality_block(vectors), audio_scores

    def _fusion_layout(self, encoded_by: dict[str, tuple[str, int]]) -> FusionLayout:
        """Every item gets the same layout (all current modalities), so all fused vectors share one space."""
        roles = {"frame": "image_text", "speech": "text", "audio": "audio"}
        models = {
            modality: encoded_by.get(modality, (model_id, self.models.get(roles[modality]).dim))
            for modality, model_id in self.current_model_ids().items()
            if modality in roles  # on-screen text is searched, not fused into the item's vector
        }
        looks = looks_model(self.models)
        if looks is not None and "frame" in models:  # the same for every item, with frames or not
            models["frame"] = looks
        layout = FusionLayout(models, self.fusion_weights)
        self.last_layout = layout
        if self.store is not None:
            remember_layout(self.store, layout)  # so fused vectors can be split back into modality blocks
        return layout


def chunk_transcript(transcript: Transcript, max_seconds: float) -> list[tuple[float, float, str]]:
    """Join consecutive speech segments (sentences, from the transcriber) into chunks of at most ~max_seconds: a
    chunk is never cut inside a sentence, and one sentence longer than that is a chunk of its own. A hit on a chunk
    is narrowed to its words or sentence at search time (rank/moments.py)."""
    chunks: list[tuple[float, float, str]] = []
    current: list = []
    for segment in transcript.segments:
        if current and segment.end - current[0].start > max_seconds:
            chunks.append(_join(current))
            current = []
        if segment.text.strip():
            current.append(segment)
    if current:
        chunks.append(_join(current))
    return chunks


def _join(segments) -> tuple[float, float, str]:
    return segments[0].start, segments[-1].end, " ".join(segment.text.strip() for segment in segments)
