"""Breakpoints: where a running script (continue, or next step) stops by itself.

Until step N; until the loss crosses a value (`<0.02` or `>10`); at a line of the script (the pause
whose line it is). A NaN or Inf always stops a run too (see `Session.pause_on_nonfinite`).

The script's thread reads the breakpoints at every pause while a front end may toggle a line from its
own thread. The set of lines is therefore never changed in place: a toggle builds a new frozenset and
swaps it in (one attribute assignment), so a reader sees the old set or the new one, never a half-made
one; a lock keeps two toggles from different threads from losing one another.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from .snapshot import Snapshot

# Where a line breakpoint can stop a run at all, in the words `--break`'s messages use.
WHERE_PAUSES_ARE = (
    "stepper pauses only just after a line that completes a training phase (forward, loss, zero_grad, "
    "backward or step)"
)

_LOSS = re.compile(r"^\s*([<>])\s*([-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?)\s*$")


def parse_loss_condition(text: str) -> tuple[str, float]:
    """`"<0.02"` -> ("<", 0.02). Raises ValueError with a sentence a user can act on."""
    match = _LOSS.match(text)
    if not match:
        raise ValueError(f"a loss breakpoint looks like '<0.02' or '>10', not {text!r}")
    return match.group(1), float(match.group(2))


@dataclass
class Breakpoints:
    until_step: int | None = None
    loss: tuple[str, float] | None = None  # ("<", 0.02): stop when the loss goes below 0.02
    lines: frozenset[int] = frozenset()  # any iterable of line numbers is accepted
    # The file the lines are in (the script; set by the session): a pause at the same line number in
    # another file of its project (its engine.py) is no breakpoint. None: any file.
    file: str | None = None
    _loss_was_met: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.lines = frozenset(self.lines)

    def _loss_met(self, loss: float | None) -> bool:
        if self.loss is None or loss is None:
            return False
        op, value = self.loss
        return loss < value if op == "<" else loss > value

    def would_stop(self, phases: Sequence[str], line: int, step: int, loss: float | None) -> bool:
        """Whether `hit` will stop at a pause with these values; changes nothing (see Capture)."""
        if self.until_step is not None and "step" in phases and step == self.until_step:
            return True
        return line in self.lines or (self._loss_met(loss) and not self._loss_was_met)

    def hit(self, snapshot: Snapshot) -> str | None:
        """Why this pause stops a run, or None. Call once per pause, in order."""
        reason = None
        if self.until_step is not None and "step" in snapshot.phases and snapshot.step == self.until_step:
            reason = f"reached step {snapshot.step}"
        if snapshot.line in self.lines and reason is None and self.file in (None, snapshot.file):
            reason = f"breakpoint on line {snapshot.line}"
        if self.loss is not None and snapshot.loss is not None:
            met = self._loss_met(snapshot.loss)
            if met and not self._loss_was_met and reason is None:
                op, value = self.loss
                reason = f"loss {op} {value:g} (it is {snapshot.loss:.6g})"
            self._loss_was_met = met
        return reason

    def fresh(self) -> Breakpoints:
        """The same breakpoints for a new run (nothing remembered from this one)."""
        return Breakpoints(self.until_step, self.loss, self.lines, self.file)

    def toggle_line(self, line: int) -> bool:
        """Add or remove a line breakpoint (from any thread); True when it is now set."""
        with self._lock:
            now_set = line not in self.lines
            self.lines = self.lines | {line} if now_set else self.lines - {line}
        return now_set

    def describe(self) -> str:
        parts = []
        if self.until_step is not None:
            parts.append(f"step {self.until_step}")
        if self.loss is not None:
            parts.append(f"loss {self.loss[0]} {self.loss[1]:g}")
        parts.extend(f"line {line}" for line in sorted(self.lines))
        return ", ".join(parts)
