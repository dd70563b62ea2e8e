"""The phase strip: the step number and the five phases of one iteration, the one just done marked."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from ...engine import PHASES
from ..frame import Frame
from .repaint import refresh_changed_cells


class PhaseStrip(Widget):
    DEFAULT_CSS = """
    PhaseStrip { height: 1; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.frame: Frame | None = None
        self._drawn: Text | None = None

    def show(self, frame: Frame) -> None:
        self.frame = frame
        # Only the cells that changed: mostly the phase just done and the one before it.
        refresh_changed_cells(self, self._drawn, self.line())

    def render(self) -> Text:
        self._drawn = self.line()
        return self._drawn

    def line(self) -> Text:
        snapshot = self.frame.snapshot if self.frame is not None else None
        text = Text(no_wrap=True, overflow="crop")
        step = "-" if snapshot is None else str(snapshot.step)
        text.append(f"step {step}", style="bold")
        text.append("  │  ", style="dim")
        now = set(snapshot.phases) if snapshot is not None else set()
        # Only phases that really ran count as done: a loop that skips zero_grad shows it unticked.
        earlier = set(self.frame.earlier) if self.frame is not None else set()
        for position, phase in enumerate(PHASES):
            if position:
                text.append(" → ", style="dim")
            if phase in now:
                text.append(f"▶{phase}", style="bold reverse")
            elif phase in earlier:
                text.append(f"✓{phase}")
            else:
                text.append(f" {phase}", style="dim")
        return text
