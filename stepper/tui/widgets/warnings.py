"""The warnings bar: what stepper noticed at the pause on screen (shapes that broadcast, gradients
piling up without zero_grad, NaN/Inf), in full, across the screen. Hidden when there is nothing."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from ...engine import Notice
from ..frame import Frame

# The most rows the bar takes: long warnings (mse-on-labels wraps to 8 rows at 80 columns) on a
# short terminal would leave the panels above it no room. `fit_to` lowers it there.
MOST_ROWS = 8
LEAST_ROWS = 2
MORE = "… e (explain) shows every warning in full"


class WarningsBar(Widget):
    DEFAULT_CSS = """
    WarningsBar { height: auto; padding: 0 1; background: $warning 15%; display: none; }
    WarningsBar.-shown { display: block; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.warnings: tuple[Notice, ...] = ()
        self.most_rows = MOST_ROWS
        # The lines last wrapped, with what they were wrapped for: the column's share reads the bar's
        # height at every redraw and render wraps it again, for the same warnings at the same width.
        self._wrapped: tuple[tuple, list[Text]] = ((), [])

    def fit_to(self, rows: int) -> None:
        """Take at most `rows` rows (never fewer than LEAST_ROWS, nor more than MOST_ROWS)."""
        most = max(LEAST_ROWS, min(MOST_ROWS, rows))
        if most != self.most_rows:
            self.most_rows = most
            self.refresh(layout=True)

    def show(self, frame: Frame) -> None:
        warnings = frame.snapshot.warnings if frame.snapshot is not None else ()
        if warnings == self.warnings:
            return
        self.warnings = warnings
        self.set_class(bool(warnings), "-shown")
        self.refresh(layout=True)

    def rows_at(self, width: int) -> int:
        """The rows the bar takes on a screen this wide (0 while hidden)."""
        return len(self._lines(width - 2)) if self.warnings else 0  # (its padding: one cell a side)

    def _lines(self, width: int) -> list[Text]:
        key = (self.warnings, width, self.most_rows)
        if self._wrapped[0] != key:
            self._wrapped = (key, self._wrap(width))
        return self._wrapped[1]

    def _wrap(self, width: int) -> list[Text]:
        text = Text()
        for i, warning in enumerate(self.warnings):
            if i:
                text.append("\n")
            text.append(f"⚠ {warning.code}: ", style="bold")
            text.append(warning.message)
        lines = list(text.wrap(self.app.console, max(1, width)))
        if len(lines) > self.most_rows:
            lines = [*lines[: self.most_rows - 1], Text(MORE, style="dim italic")]
        return lines

    def render(self) -> Text:
        return Text("\n").join(self._lines(self.content_size.width or self.app.size.width - 2))
