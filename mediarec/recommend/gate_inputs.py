"""What the learned gate trains on, bounded, and the signature it is remembered under.

The gate learns from the latest feedback pairs (at most MAX_FEEDBACK_PAIRS, so a history of years trains as fast
as one of weeks) against the items the user turned away from and the cohort's other items.
Its training is a function of exactly these and of the vectors, so they, not the history, are the signature the
trained gate is kept under in the library: a play that makes no new pair (a card watched alone, outside a session
with another good one) finds the gate it would train again, and a one-shot `mediarec recommend` finds the one
the desktop trained.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from mediarec.rank.gate_training import MAX_TRAINING_TRIPLETS
from mediarec.recommend.engagement import Engagements
from mediarec.recommend.profile import History, feedback_pairs

# Each pair makes triplets both ways against 3 sampled negatives (gate_training.triplets_from_pairs).
MAX_FEEDBACK_PAIRS = MAX_TRAINING_TRIPLETS // 6


@dataclass(frozen=True)
class GateInputs:
    pairs: tuple[tuple[int, int], ...]  # item ids watched together, the latest MAX_FEEDBACK_PAIRS
    negatives: tuple[int, ...]  # turned away from (the latest), then the cohort's other items
    vectors: object  # what identifies the vectors they are read from (candidate_cache.CandidateKey)

    @property
    def signature(self) -> str:
        digest = hashlib.sha256(repr((self.pairs, self.negatives, self.vectors)).encode()).hexdigest()
        return f"gate-inputs:{digest[:32]}"

    def item_ids(self) -> list[int]:
        """Every item the training reads, each once, pairs first."""
        return list(dict.fromkeys([item for pair in self.pairs for item in pair] + list(self.negatives)))


def gate_inputs(
    history: History,
    now: float,
    cohort_ids: Sequence[int],
    vectors: object,
    *,
    engaged: Engagements | None = None,
) -> GateInputs:
    pairs, turned_away = feedback_pairs(history, now, engaged=engaged, limit=MAX_FEEDBACK_PAIRS)
    # The cohort's random items are negatives unless they are in a pair or turned away already. Not "unless the
    # history touched them": then every play of a cohort item (a spread card of the shelf) changed the inputs and
    # retrained the gate; a random item the user once watched unpaired is still a random item.
    taken = {item for pair in pairs for item in pair} | set(turned_away)
    negatives = list(turned_away) + [item_id for item_id in cohort_ids if item_id not in taken]
    return GateInputs(tuple(pairs), tuple(negatives), vectors)
