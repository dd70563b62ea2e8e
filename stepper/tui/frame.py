"""What one screen shows, and what changed since the pause before it. Plain data: no textual here.

A `Frame` is a pause plus the pause just before it in history. Every panel draws from a frame alone,
so looking back at pause #7 draws exactly what was drawn live at pause #7.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..engine import RunEnd, ScriptError, ScriptSource, Snapshot, TensorStats


@dataclass(frozen=True)
class Frame:
    source: ScriptSource
    snapshot: Snapshot | None  # None until the first pause
    previous: Snapshot | None  # the pause before `snapshot` in history, if any
    error: ScriptError | None = None  # set only when showing the live end of a failed run
    # Phases already done in this iteration before this pause (since the last update), in order.
    earlier: tuple[str, ...] = ()

    @property
    def index(self) -> int | None:
        return None if self.snapshot is None else self.snapshot.index

    @property
    def line(self) -> int | None:
        """The line to highlight: where the error happened, else the line just executed."""
        if self.error is not None and self.error.line and self.error.file == self.source.path:
            return self.error.line
        return None if self.snapshot is None else self.snapshot.line


def frame_at(
    source: ScriptSource,
    history: Sequence[Snapshot],
    index: int | None,
    end: RunEnd | None,
    source_of: Callable[[str], ScriptSource] | None = None,
) -> Frame:
    """The frame for pause `index` of `history` (None: the latest). The error shows only at the live end.
    `source_of(path)`: the source of another file of the script's project that a pause is in."""
    count = len(history)
    live = index is None or index >= count - 1
    if index is None:
        index = count - 1
    snapshot = history[index] if 0 <= index < count else None
    previous = history[index - 1] if snapshot is not None and index > 0 else None
    error = end.error if live and end is not None else None
    if snapshot is not None and snapshot.file != source.path and source_of is not None:
        source = source_of(snapshot.file)
    return Frame(source, snapshot, previous, error, earlier_phases(history, index))


def earlier_phases(history: Sequence[Snapshot], index: int) -> tuple[str, ...]:
    """The phases of the pauses before `index` back to the last update: what this iteration did so far."""
    phases: list[str] = []
    for j in range(index - 1, -1, -1):
        if "step" in history[j].phases:
            break
        phases[:0] = history[j].phases
    return tuple(phases)


# --- what changed ----------------------------------------------------------------------------------


def same_number(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    if math.isnan(a) and math.isnan(b):
        return True
    return a == b


def changed_elements(before: TensorStats | None, after: TensorStats | None) -> list[bool] | None:
    """Per value of `after`, whether it differs from `before`; None when values are not both kept."""
    if before is None or after is None or before.values is None or after.values is None:
        return None
    if len(before.values) != len(after.values):
        return [True] * len(after.values)
    return [not same_number(a, b) for a, b in zip(before.values, after.values, strict=True)]


def tensor_changed(before: TensorStats | None, after: TensorStats | None) -> bool:
    if before is None or after is None:
        return before is not after
    if before.shape != after.shape:
        return True
    flags = changed_elements(before, after)
    if flags is not None:
        return any(flags)
    keys = ("mean", "std", "min", "max", "norm")
    return not all(same_number(getattr(before, k), getattr(after, k)) for k in keys)


# How a .grad changed during the phases of one pause.
GRAD_SAME = "same"
GRAD_FILLED = "filled"  # None or zeros -> values (the first backward)
GRAD_ADDED = "added"  # values -> values + more (a backward without zero_grad in between)
GRAD_CLEARED = "cleared"  # values -> None (zero_grad with set_to_none=True, or p.grad = None)
GRAD_ZEROED = "zeroed"  # values -> zeros (zero_grad(set_to_none=False), p.grad.zero_())
GRAD_CHANGED = "changed"  # anything else (e.g. the script wrote .grad itself)


def is_zero(stats: TensorStats | None) -> bool:
    return stats is not None and stats.zeros


def grad_change(before: TensorStats | None, after: TensorStats | None, phases: Sequence[str]) -> str:
    if not tensor_changed(before, after):
        return GRAD_SAME
    if after is None:
        return GRAD_CLEARED
    if is_zero(after) and before is not None:
        return GRAD_ZEROED
    if before is None or is_zero(before):
        return GRAD_FILLED
    if "backward" in phases:
        return GRAD_ADDED
    return GRAD_CHANGED


def added_values(before: TensorStats, after: TensorStats) -> tuple[float, ...] | None:
    """What a backward added to each element (after - before), when both keep their values."""
    if before.values is None or after.values is None or len(before.values) != len(after.values):
        return None
    return tuple(b - a for a, b in zip(before.values, after.values, strict=True))
