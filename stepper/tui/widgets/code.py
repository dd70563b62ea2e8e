"""The code panel: the script's source, the line just executed highlighted and labelled."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from ...engine import ScriptSource
from ..frame import Frame

CURRENT = "bold reverse"  # reverse video keeps the line visible without colour (NO_COLOR, 16 colours)
ERROR = "bold reverse red"
LABEL = "bold"


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

    def show(self, frame: Frame) -> None:
        self.source = frame.source
        self.frame = frame
        self.border_title = frame.source.display_name
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

    def render(self) -> Text:
        lines = self.source.lines
        width, height = self.size.width, self.size.height
        current = self.frame.line if self.frame is not None else None
        error = self.frame.error if self.frame is not None else None
        is_error = error is not None and current == error.line
        top = first_visible_line(len(lines), height, current)
        number_width = len(str(len(lines)))
        label = self._label()
        out = Text(no_wrap=True, overflow="crop")
        for lineno in range(top, min(len(lines), top + height) + 1):
            if lineno < 1:
                continue
            code = lines[lineno - 1].rstrip("\n").expandtabs(4)
            marker = "▶" if lineno == current else " "
            gutter = f"{lineno:>{number_width}}{marker} "
            if lineno == current:
                room = max(0, width - len(gutter) - len(label))
                body = code[:room].ljust(room)
                out.append(gutter, style="bold")
                out.append(body, style=ERROR if is_error else CURRENT)
                out.append(label[: max(0, width - len(gutter) - room)], style=LABEL)
            else:
                out.append(gutter, style="dim")
                out.append(code[: max(0, width - len(gutter))])
            out.append("\n")
        out.rstrip()
        return out


def first_visible_line(total: int, height: int, current: int | None) -> int:
    """1-based first line to draw so that `current` sits about a third of the way down."""
    if height <= 0 or total <= height or current is None:
        return 1
    top = current - height // 3
    return max(1, min(top, total - height + 1))
