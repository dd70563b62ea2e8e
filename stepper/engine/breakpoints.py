"""Breakpoints: where a running script (continue, or next step) stops by itself.

Until step N; until the loss crosses a value (`<0.02` or `>10`); at a line of the script (the pause
whose line it is). A NaN or Inf always stops a run too (see `Session.pause_on_nonfinite`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .snapshot import Snapshot

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
    lines: set[int] = field(default_factory=set)
    _loss_was_met: bool = False

    def hit(self, snapshot: Snapshot) -> str | None:
        """Why this pause stops a run, or None. Call once per pause, in order."""
        reason = None
        if self.until_step is not None and "step" in snapshot.phases and snapshot.step == self.until_step:
            reason = f"reached step {snapshot.step}"
        if snapshot.line in self.lines and reason is None:
            reason = f"breakpoint on line {snapshot.line}"
        if self.loss is not None and snapshot.loss is not None:
            op, value = self.loss
            met = snapshot.loss < value if op == "<" else snapshot.loss > value
            if met and not self._loss_was_met and reason is None:
                reason = f"loss {op} {value:g} (it is {snapshot.loss:.6g})"
            self._loss_was_met = met
        return reason

    def fresh(self) -> Breakpoints:
        """The same breakpoints for a new run (nothing remembered from this one)."""
        return Breakpoints(self.until_step, self.loss, set(self.lines))

    def toggle_line(self, line: int) -> bool:
        """Add or remove a line breakpoint; True when it is now set."""
        if line in self.lines:
            self.lines.discard(line)
            return False
        self.lines.add(line)
        return True

    def describe(self) -> str:
        parts = []
        if self.until_step is not None:
            parts.append(f"step {self.until_step}")
        if self.loss is not None:
            parts.append(f"loss {self.loss[0]} {self.loss[1]:g}")
        parts.extend(f"line {line}" for line in sorted(self.lines))
        return ", ".join(parts)
