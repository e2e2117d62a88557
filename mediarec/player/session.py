"""What one viewing amounts to: where it started and how many seconds were really watched (seeks excluded)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlaySummary:
    item_id: int
    start_position: float
    seconds: float
    reached_end: bool


class PlaySession:
    """Fed with (position, playing) on every poll of the player and told about every seek; summarised once when
    the viewing ends. Only forward movement while playing counts, so a seek is never taken for watching."""

    def __init__(self, item_id: int, start_position: float):
        self.item_id = item_id
        self.start_position = max(0.0, start_position)
        self.seconds = 0.0
        self.reached_end = False
        self._last_position: float | None = self.start_position

    def update(self, position: float, playing: bool) -> None:
        if playing and self._last_position is not None and position > self._last_position:
            self.seconds += position - self._last_position
        self._last_position = position

    def seeked(self, position: float) -> None:
        self._last_position = position

    def mark_ended(self) -> None:
        self.reached_end = True

    def summary(self) -> PlaySummary:
        return PlaySummary(self.item_id, self.start_position, round(self.seconds, 3), self.reached_end)
