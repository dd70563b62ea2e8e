"""The code panel: the script's source, the line just executed highlighted and labelled."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from ...engine import ScriptSource
from ..frame import Frame

# Reverse video keeps the highlighted line visible without colour (NO_COLOR, 16 colours).
CURRENT = Style(bold=True, reverse=True)
ERROR = Style(bold=True, reverse=True, color="red")
BOLD = Style(bold=True)
DIM = Style(dim=True)


class CodeView(Widget):
    """Draws the window of source lines that fits, keeping the highlighted line in view."""

    DEFAULT_CSS = """
    CodeView { height: 1fr; padding: 0 1 0 0; }
    """

    def __init__(self, source: ScriptSource, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.source = source
        self.frame: Frame | None = None
        self.border_title = source.display_name
        self._strips: dict[tuple, Strip] = {}
        self._base: Style | None = None  # the widget's own colours, for one frame
        self._strips_base: Style | None = None  # the colours the cached strips were drawn with

    def show(self, frame: Frame) -> None:
        if frame.source is not self.source:
            self._strips.clear()
        self.source = frame.source
        self.frame = frame
        self.border_title = frame.source.display_name
        self._base = None  # looked up again on the next draw (it changes with the theme)
        self.refresh()

    def _label(self) -> str:
        frame = self.frame
        if frame is None:
            return ""
        if frame.error is not None and frame.line == frame.error.line:
            return f" ✗ {frame.error.type} "
        if frame.snapshot is None:
            return ""
        return " ◀ " + " + ".join(frame.snapshot.phases) + " "

    def on_resize(self) -> None:
        self._strips.clear()
        self._base = None

    def _base_style(self) -> Style:
        if self._base is None:
            self._base = self.rich_style
            if self._base != self._strips_base:
                self._strips.clear()
                self._strips_base = self._base
        return self._base

    def render_line(self, y: int) -> Strip:
        # Drawn line by line with a cache: from one pause to the next only the highlighted line
        # changes, so most lines are reused as they are (a whole-panel Text cost ~10 ms a frame).
        lines = self.source.lines
        width, height = self.size.width, self.size.height
        frame = self.frame
        current = frame.line if frame is not None else None
        lineno = first_visible_line(len(lines), height, current) + y
        base = self._base_style()
        if not 1 <= lineno <= len(lines):
            return Strip.blank(width, base)
        highlight = None
        if lineno == current:
            error = frame.error if frame is not None else None
            highlight = (self._label(), error is not None and current == error.line)
        key = (lineno, width, highlight)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._line_strip(lineno, width, highlight, base)
            self._strips[key] = strip
        return strip

    def _line_strip(self, lineno: int, width: int, highlight: tuple[str, bool] | None, base: Style) -> Strip:
        lines = self.source.lines
        code = lines[lineno - 1].rstrip("\n").expandtabs(4)
        number_width = len(str(len(lines)))
        gutter = f"{lineno:>{number_width}}{'▶' if highlight else ' '} "
        padding = Style(bgcolor=base.bgcolor)
        if highlight is None:
            segments = [Segment(gutter, base + DIM), Segment(code, base)]
        else:
            label, is_error = highlight
            room = max(0, width - len(gutter) - len(label))
            segments = [
                Segment(gutter, base + BOLD),
                Segment(code[:room].ljust(room), base + (ERROR if is_error else CURRENT)),
                Segment(label, base + BOLD),
            ]
        return Strip([s for s in segments if s.text]).crop_extend(0, width, padding)


def first_visible_line(total: int, height: int, current: int | None) -> int:
    """1-based first line to draw so that `current` sits about a third of the way down."""
    if height <= 0 or total <= height or current is None:
        return 1
    top = current - height // 3
    return max(1, min(top, total - height + 1))
