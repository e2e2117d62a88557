"""More like this P@5 per kind of item: the fusion before per-item weights (every present block counts fully, the
fixed-weight mean of calibrated cosines), the evidence-weighted gate scored symmetrically (as the recommender scores
pairs; "more like this" did so before it was scored from the asking item's side) and the default now (each block
weighed by the asking item's evidence, the untrained gate on top), and each single modality, on an already indexed
evaluation library. Prints one JSON object.

    .venv/bin/python benchmarks/bench_fusion_weights.py --manifest devsets/messy/manifest.jsonl \\
        --library benchmarks/_out/calsearch6/messy/library

`--library` is the data folder `mediarec eval` indexed into (OUT/library); it is opened read-only in spirit (only
read). "versus_single" sets fused against each modality on the same asking items, every other member of the
group a right answer (mediarec.evaluation.similar).

`--voice-sweep` adds the default fusion with the voice's share of a talk's sound (block_evidence: under a talk
the sound counts by what is neither silence nor the voice) scaled by 0, 0.25, ..., 1: 0 counts the voice as any
other sound, 1 is the default. Run it on two sets to choose on one and hold the other out.

`--asker-sweep` adds the default (scored from the asking item's side) with the mismatch a missing or weaker block
counts as set to -2, -1 (the default), -0.5 and 0 random-pair deviations, and with the talk backdrop taken off the
asking item's picture (its picture counts as if nobody talked over it): the two knobs that let a narrated clip
find the silent clip of its picture. Each row lists the kinds where fused falls below a single modality.

`--sound-backdrop-sweep` adds the default with the sound besides the voice under a talk counted as the talk's
backdrop, as its picture is (block_evidence's TALK_BACKDROP): the audio evidence of an item with speech times
1 - (1 - factor) x its spoken share, for factor 1 (the default), 0.5 (the picture's), 0.25 and 0.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import time

import numpy as np

from mediarec.evaluation.manifest import load_manifest
from mediarec.evaluation.similar import evaluate_similar, item_layout, similarity_kind
from mediarec.index.block_evidence import cached_block_facts
from mediarec.index.store import LibraryStore
from mediarec.rank.fusion_scoring import (
    DEFAULT_FUSION,
    GatedFusion,
    WeightedFusion,
    asker_attention_values,
    cosines,
    gate_softmax,
    library_calibration,
    make_fusion,
    mismatch,
    no_overlap,
    pair_attention,
)
from mediarec.rank.item_blocks import MODALITIES, ItemBlocks, block_evidence
from mediarec.rank.item_vector import DEFAULT_WEIGHTS

VOICE_SHARES = (0.0, 0.25, 0.5, 0.75, 1.0)
SOUND_BACKDROPS = (1.0, 0.5, 0.25, 0.0)
MISMATCHES = (-2.0, -1.0, -0.5, 0.0)


@dataclasses.dataclass(frozen=True)
class RescaledGate(GatedFusion):
    """The default gate on items whose evidence ``_scaled`` makes again (both sides, both ways of scoring)."""

    store: LibraryStore | None = None

    def pairwise(self, left: ItemBlocks, right: ItemBlocks):
        return super().pairwise(self._scaled(left), self._scaled(right))

    def like_this(self, asker: ItemBlocks, candidates: ItemBlocks):
        return super().like_this(self._scaled(asker), self._scaled(candidates))

    def _scaled(self, blocks: ItemBlocks) -> ItemBlocks:
        raise NotImplementedError


@dataclasses.dataclass(frozen=True)
class VoiceScaledGate(RescaledGate):
    """The default gate with each item's evidence made again from its facts, the voice's share scaled."""

    voice_share: float = 1.0

    def _scaled(self, blocks: ItemBlocks) -> ItemBlocks:
        facts = {
            item_id: dataclasses.replace(
                fact,
                speech_sound_share=None
                if fact.speech_sound_share is None
                else self.voice_share * fact.speech_sound_share,
            )
            for item_id, fact in cached_block_facts(self.store, blocks.ids).items()
        }
        return dataclasses.replace(blocks, evidence=block_evidence(blocks.present, facts, blocks.ids))


@dataclasses.dataclass(frozen=True)
class SoundBackdropGate(RescaledGate):
    """The default gate with the sound under a talk (besides the voice) weighed down as the talk's backdrop."""

    factor: float = 1.0

    def _scaled(self, blocks: ItemBlocks) -> ItemBlocks:
        facts = cached_block_facts(self.store, blocks.ids)
        evidence = block_evidence(blocks.present, facts, blocks.ids)
        speech, audio = MODALITIES.index("speech"), MODALITIES.index("audio")
        for row, item_id in enumerate(blocks.ids):
            fact = facts.get(item_id)
            if fact is not None and blocks.present[row, speech]:
                evidence[row, audio] *= 1.0 - (1.0 - self.factor) * fact.spoken_share
        return dataclasses.replace(blocks, evidence=evidence)


def sound_backdrop_sweep(store: LibraryStore, groups: dict, kinds: dict, default: GatedFusion) -> dict:
    """P@5 per kind, and where fused falls below a single modality, for each SOUND_BACKDROPS factor."""
    sweep = {}
    for factor in SOUND_BACKDROPS:
        gate = SoundBackdropGate(
            **{f.name: getattr(default, f.name) for f in dataclasses.fields(GatedFusion)}
        )
        fused = evaluate_similar(
            store, groups, dataclasses.replace(gate, store=store, factor=factor), kinds=kinds
        )
        sweep[str(factor)] = kinds_and_shortfalls(fused["fused"])
    return sweep


def kinds_and_shortfalls(fused: dict) -> dict:
    """P@5, P@5 per kind, and the kinds where fused falls below a single modality, of one fused result."""
    return {
        "precision@5": fused["precision@5"],
        "by_kind": {kind: value["precision@5"] for kind, value in fused["by_kind"].items()},
        "fused below single": [
            f"{kind}: {modality} {pair['single']} > fused {pair['fused']}"
            for kind, by_modality in fused["versus_single"].items()
            for modality, pair in by_modality.items()
            if pair["fused"] < pair["single"]
        ],
    }


@dataclasses.dataclass(frozen=True)
class SymmetricGate(GatedFusion):
    """The default gate with "more like this" scored as a symmetric pair (both items' attention), as before."""

    def like_this(self, asker: ItemBlocks, candidates: ItemBlocks):
        return self.pairwise(asker, candidates)


@dataclasses.dataclass(frozen=True)
class AskerVariantGate(GatedFusion):
    """The default "more like this" with another mismatch value, or without the talk backdrop on the asker."""

    store: LibraryStore | None = None
    mismatch_value: float = -1.0
    asker_backdrop: bool = True

    def like_this(self, asker: ItemBlocks, candidates: ItemBlocks):
        if not self.asker_backdrop:
            facts = {
                item_id: dataclasses.replace(fact, spoken_share=0.0)
                for item_id, fact in cached_block_facts(self.store, asker.ids).items()
            }
            asker = dataclasses.replace(asker, evidence=block_evidence(asker.present, facts, asker.ids))
        values, mass = asker_attention_values(asker, candidates, self.calibration)
        cos, _ = cosines(asker, candidates, self.calibration)
        covered = np.minimum(*pair_attention(asker, candidates, cos, self.calibration))
        missed = np.divide(mass - covered, mass, out=np.zeros_like(mass), where=mass > 0)
        values = values + missed * (self.mismatch_value - mismatch(self.calibration))
        fused = (gate_softmax(self.logits(asker, candidates), mass) * values).sum(0)
        return np.where((mass > 0).any(0), fused, no_overlap(self.calibration)).astype(np.float32)


def asker_sweep(store: LibraryStore, groups: dict, kinds: dict, default: GatedFusion) -> dict:
    """P@5 per kind, and where fused falls below a single modality, for each AskerVariantGate."""
    base = AskerVariantGate(**{f.name: getattr(default, f.name) for f in dataclasses.fields(GatedFusion)})
    variants = {f"mismatch {value}": {"mismatch_value": value} for value in MISMATCHES}
    variants["no talk backdrop on the asker's picture"] = {"asker_backdrop": False}
    sweep = {}
    for name, change in variants.items():
        gate = dataclasses.replace(base, store=store, **change)
        sweep[name] = kinds_and_shortfalls(evaluate_similar(store, groups, gate, kinds=kinds)["fused"])
    return sweep


def voice_sweep(store: LibraryStore, groups: dict, kinds: dict, default: GatedFusion) -> dict:
    """P@5 per kind (and fused against "talks about" on speech items) at each scale of the voice's share."""
    sweep = {}
    for share in VOICE_SHARES:
        gate = VoiceScaledGate(**{f.name: getattr(default, f.name) for f in dataclasses.fields(GatedFusion)})
        gate = dataclasses.replace(gate, store=store, voice_share=share)
        result = evaluate_similar(store, groups, gate, kinds=kinds, modalities=("fused", "speech"))
        speech = result["fused"]["versus_single"].get("speech", {}).get("speech", {})
        sweep[str(share)] = {
            "by_kind": {kind: value["precision@5"] for kind, value in result["fused"]["by_kind"].items()},
            "speech items: fused vs talks about": [speech.get("fused"), speech.get("single")],
        }
    return sweep


def labelled(store: LibraryStore, manifest_path: str) -> tuple[dict[int, str], dict[int, str]]:
    groups, kinds = {}, {}
    for item in load_manifest(manifest_path).items:
        record = store.item_by_path(str(item.path))
        if record is None or record.status != "indexed" or not item.group:
            continue
        groups[record.id] = item.group
        kind = similarity_kind(item.type, item.labels)
        if kind is not None:
            kinds[record.id] = kind
    return groups, kinds


def figures(result: dict) -> dict:
    fused = result["fused"]
    return {
        "precision@5": fused["precision@5"],
        "by_kind": {kind: value["precision@5"] for kind, value in fused.get("by_kind", {}).items()},
        "versus_single": fused.get("versus_single", {}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", required=True)
    parser.add_argument("--library", required=True, help="the data folder holding library.sqlite3")
    parser.add_argument(
        "--voice-sweep", action="store_true", help="also scale the voice's share of the sound"
    )
    parser.add_argument(
        "--asker-sweep", action="store_true", help="also vary the mismatch and the asker's talk backdrop"
    )
    parser.add_argument(
        "--sound-backdrop-sweep",
        action="store_true",
        help="also weigh the sound under a talk as its backdrop",
    )
    args = parser.parse_args()
    store = LibraryStore(f"{args.library}/library.sqlite3")
    groups, kinds = labelled(store, args.manifest)
    calibration = library_calibration(store, item_layout(store))
    started = time.perf_counter()
    before = evaluate_similar(store, groups, WeightedFusion(dict(DEFAULT_WEIGHTS), calibration), kinds=kinds)
    default = make_fusion(DEFAULT_FUSION, calibration)
    symmetric = SymmetricGate(**{f.name: getattr(default, f.name) for f in dataclasses.fields(GatedFusion)})
    pairs = evaluate_similar(store, groups, symmetric, kinds=kinds)
    after = evaluate_similar(store, groups, default, kinds=kinds)
    singles = {
        m: {
            "precision@5": after[m]["precision@5"],
            "by_kind": {kind: value["precision@5"] for kind, value in after[m].get("by_kind", {}).items()},
        }
        for m in ("frame", "audio", "speech")
    }
    print(
        json.dumps(
            {
                "manifest": args.manifest,
                "items": len(groups),
                "before (every block fully)": figures(before),
                "symmetric (both items' evidence)": figures(pairs),
                "default (the asking item's evidence)": figures(after),
                "single modalities": singles,
                "voice share sweep": voice_sweep(store, groups, kinds, default) if args.voice_sweep else None,
                "asker sweep": asker_sweep(store, groups, kinds, default) if args.asker_sweep else None,
                "sound backdrop sweep": sound_backdrop_sweep(store, groups, kinds, default)
                if args.sound_backdrop_sweep
                else None,
                "seconds": round(time.perf_counter() - started, 1),
                "machine": f"{platform.machine()}, {platform.python_version()}",
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
