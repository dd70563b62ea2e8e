"""The warnings bar: what stepper noticed at the pause on screen (shapes that broadcast, gradients
piling up without zero_grad, NaN/Inf), in full, across the screen. Hidden when there is nothing."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from ...engine import Notice
from ..frame import Frame


class WarningsBar(Widget):
    DEFAULT_CSS = """
    WarningsBar { height: auto; max-height: 8; padding: 0 1; background: $warning 15%; display: none; }
    WarningsBar.-shown { display: block; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.warnings: tuple[Notice, ...] = ()

    def show(self, frame: Frame) -> None:
        warnings = frame.snapshot.warnings if frame.snapshot is not None else ()
        if warnings == self.warnings:
            return
        self.warnings = warnings
        self.set_class(bool(warnings), "-shown")
        self.refresh(layout=True)

    def render(self) -> Text:
        text = Text()
        for i, warning in enumerate(self.warnings):
            if i:
                text.append("\n")
            text.append(f"⚠ {warning.code}: ", style="bold")
            text.append(warning.message)
        return text
