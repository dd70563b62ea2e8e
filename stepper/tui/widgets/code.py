"""The code panel: the script's source, the line just executed highlighted and labelled.

It also has a cursor line for breakpoints: it sits on the line just executed, moves with ↑/↓ (and
page up/down) while the panel has the focus, or with a click, and `x` (an app key) sets or removes a
breakpoint there. Lines with a breakpoint carry `●` in the left gutter column; the cursor, when it is
away from the line just executed, carries `▸` and is underlined. Nothing is said by colour alone.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.strip import Strip
from textual.widget import Widget

from ...engine import ScriptSource
from ...format import phases_text
from ..frame import Frame
from .repaint import refresh_rows, set_border_titles

# Reverse video keeps the highlighted line visible without colour (NO_COLOR, 16 colours).
CURRENT = Style(bold=True, reverse=True)
ERROR = Style(bold=True, reverse=True, color="red")
BOLD = Style(bold=True)
DIM = Style(dim=True)
CURSOR = Style(underline=True)
BREAKPOINT = "●"  # `o` under --ascii
CURSOR_MARK = "▸"  # `>` under --ascii


class CodeView(Widget, can_focus=True):
    """Draws the window of source lines that fits, keeping the highlighted line in view."""

    DEFAULT_CSS = """
    CodeView { height: 1fr; padding: 0 1 0 0; }
    """
    BINDINGS = [
        Binding("up", "cursor(-1)", "line up", show=False, id="code.up"),
        Binding("down", "cursor(1)", "line down", show=False, id="code.down"),
        Binding("pageup", "cursor(-10)", "page up", show=False, id="code.page_up"),
        Binding("pagedown", "cursor(10)", "page down", show=False, id="code.page_down"),
    ]

    def __init__(self, source: ScriptSource, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.source = source
        self.frame: Frame | None = None
        set_border_titles(self, title=source.display_name)
        self.cursor_line: int | None = None  # where `x` sets a breakpoint; follows the line just run
        self.breakpoints: frozenset[int] = frozenset()
        self._top: int | None = None  # first line drawn; None: placed afresh at the next draw
        self._top_height = 0  # the panel's height when `_top` was placed
        self._strips: dict[tuple, Strip] = {}
        self._base: Style | None = None  # the widget's own colours, for one frame
        self._strips_base: Style | None = None  # the colours the cached strips were drawn with

    def show(self, frame: Frame) -> None:
        new_source = frame.source is not self.source
        if new_source:
            self._strips.clear()
        moved_on = self.frame is None or frame.line != self.frame.line or new_source
        marked, top = self._marked_lines(), self._placed_top()
        self.source = frame.source
        self.frame = frame
        set_border_titles(self, title=frame.source.display_name)
        self._base = None  # looked up again on the next draw (it changes with the theme)
        if moved_on and frame.line is not None:
            # A new pause: the cursor comes back to the line just run, drawn in the usual place.
            self.cursor_line = frame.line
            self._top = None
            self._say_where()
        if new_source:
            self.refresh()
        else:
            self._repaint_lines(marked | self._marked_lines(), top)

    def show_breakpoints(self, lines: frozenset[int]) -> None:
        if lines != self.breakpoints:
            changed = lines ^ self.breakpoints
            self.breakpoints = frozenset(lines)
            self._repaint_lines(changed, self._placed_top())

    # --- the cursor --------------------------------------------------------------------------------------

    def action_cursor(self, delta: int) -> None:
        total = len(self.source.lines)
        if total == 0:
            return
        start = self.cursor_line if self.cursor_line is not None else self.top_line()
        self.move_cursor(max(1, min(total, start + delta)))

    def move_cursor(self, line: int) -> None:
        """Put the cursor on `line`, scrolling only as far as it takes to keep it in view."""
        top, height = self.top_line(), max(1, self.size.height)
        marked = self._marked_lines()
        self.cursor_line = line
        if line < top:
            self._top = line
        elif line >= top + height:
            self._top = line - height + 1
        self._say_where()
        self._repaint_lines(marked | self._marked_lines(), top)

    def top_line(self) -> int:
        """The first line drawn: placed so the cursor sits a third of the way down whenever the panel
        is new, resized or at a new pause; kept while the cursor moves within the window."""
        height = self.size.height
        if self._top is None or height != self._top_height:
            self._top = first_visible_line(len(self.source.lines), height, self.cursor_line)
            self._top_height = height
        return self._top

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        line = self.top_line() + offset.y if offset is not None else 0
        if 1 <= line <= len(self.source.lines):
            self.move_cursor(line)

    def _say_where(self) -> None:
        away = self.cursor_line is not None and self.frame is not None and self.cursor_line != self.frame.line
        set_border_titles(
            self, subtitle=f"{CURSOR_MARK} line {self.cursor_line} · x: breakpoint" if away else ""
        )

    # --- repainting only what changed ----------------------------------------------------------------------

    def _marked_lines(self) -> set[int]:
        """The lines drawn differently from plain code: the line just run (with its label) and the cursor."""
        lines = {self.cursor_line} if self.cursor_line is not None else set()
        if self.frame is not None and self.frame.line is not None:
            lines.add(self.frame.line)
        return lines

    def _placed_top(self) -> int | None:
        """The first line on screen now, or None if the window is yet to be placed."""
        return self._top if self._top is not None and self._top_height == self.size.height else None

    def _repaint_lines(self, lines: set[int], top: int | None) -> None:
        """Repaint these source lines, or the whole panel if the window scrolled since `top` was drawn
        (a step from one line to the next repaints two rows, not the panel and its border)."""
        if top is None or not self.size.height or self.top_line() != top:
            self.refresh()
        else:
            refresh_rows(self, (line - top for line in lines))

    # --- drawing -----------------------------------------------------------------------------------------

    def _label(self) -> str:
        frame = self.frame
        if frame is None:
            return ""
        if frame.error is not None and frame.line == frame.error.line:
            return f" ✗ {frame.error.type} "
        if frame.snapshot is None:
            return ""
        return " ◀ " + phases_text(frame.snapshot.phases, frame.snapshot.mode) + " "

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
        width = self.size.width
        frame = self.frame
        current = frame.line if frame is not None else None
        lineno = self.top_line() + y
        base = self._base_style()
        if not 1 <= lineno <= len(lines):
            return Strip.blank(width, base)
        highlight = None
        if lineno == current:
            error = frame.error if frame is not None else None
            highlight = (self._label(), error is not None and current == error.line)
        marks = (lineno in self.breakpoints, lineno == self.cursor_line and lineno != current)
        key = (lineno, width, highlight, marks)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._line_strip(lineno, width, highlight, marks, base)
            self._strips[key] = strip
        return strip

    def _line_strip(
        self,
        lineno: int,
        width: int,
        highlight: tuple[str, bool] | None,
        marks: tuple[bool, bool],
        base: Style,
    ) -> Strip:
        lines = self.source.lines
        code = lines[lineno - 1].rstrip("\n").expandtabs(4)
        number_width = len(str(len(lines)))
        breakpoint, cursor = marks
        arrow = "▶" if highlight else CURSOR_MARK if cursor else " "
        gutter = f"{BREAKPOINT if breakpoint else ' '}{lineno:>{number_width}}{arrow} "
        padding = Style(bgcolor=base.bgcolor)
        if highlight is None:
            gutter_style = base + (BOLD if breakpoint or cursor else DIM)
            segments = [Segment(gutter, gutter_style), Segment(code, base + CURSOR if cursor else base)]
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
