"""Repaint only what changed: every byte a panel writes crosses the link to the terminal (SSH), so a
phase step should send the few lines that differ, not whole panels.

Textual repaints a whole widget, its border included, on `refresh()` and on every assignment to
`border_title` / `border_subtitle` (even of the same text). These helpers set a title only when it
differs and refresh single rows of a widget's content.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.geometry import Region
from textual.widget import Widget

MERGE_GAP = 6  # unchanged cells between two changed runs that are repainted rather than skipped


def set_border_titles(widget: Widget, *, title: str | None = None, subtitle: str | None = None) -> None:
    """Set the border's title and/or subtitle, leaving alone (and unpainted) one that is unchanged."""
    shown: dict[str, str] = widget.__dict__.setdefault("_stepper_titles", {})
    if title is not None and shown.get("title") != title:
        shown["title"] = title
        widget.border_title = title
    if subtitle is not None and shown.get("subtitle") != subtitle:
        shown["subtitle"] = subtitle
        widget.border_subtitle = subtitle


def refresh_rows(widget: Widget, rows: Iterable[int]) -> None:
    """Repaint these rows (0-based, of the widget's content area) and nothing else; the whole widget
    while it has no size yet."""
    width, height = widget.size
    if not width or not height:
        widget.refresh()
        return
    regions = [Region(0, y, width, 1) for y in sorted(set(rows)) if 0 <= y < height]
    if regions:
        widget.refresh(*regions)


def same_line(a: Text, b: Text) -> bool:
    """Whether two lines draw the same (rich's `==` ignores a Text's own style)."""
    return a.plain == b.plain and a.style == b.style and a.spans == b.spans


def changed_rows(old: list[Text] | None, new: list[Text]) -> list[int] | None:
    """The rows that differ between two drawings of a panel; None if they cannot be compared row by
    row (nothing drawn yet, or a different number of rows)."""
    if old is None or len(old) != len(new):
        return None
    return [y for y, (a, b) in enumerate(zip(old, new, strict=True)) if not same_line(a, b)]


def changed_spans(old: list[tuple[str, Style | None]], new: list[tuple[str, Style | None]]) -> list[range]:
    """The runs of cells that differ between two drawings of a line, close runs merged (moving the
    terminal's cursor between two runs costs about as much as a few cells)."""
    spans: list[range] = []
    for x in range(max(len(old), len(new))):
        if x < len(old) and x < len(new) and old[x] == new[x]:
            continue
        if spans and x - spans[-1].stop < MERGE_GAP:
            spans[-1] = range(spans[-1].start, x + 1)
        else:
            spans.append(range(x, x + 1))
    return spans


def line_cells(widget: Widget, line: Text) -> list[tuple[str, Style | None]]:
    """A one-line Text as (character, style) per cell, the second half of a wide character as ""."""
    cells: list[tuple[str, Style | None]] = []
    for segment in line.render(widget.app.console, end=""):
        for char in segment.text:
            cells.append((char, segment.style))
            cells.extend([("", segment.style)] * (cell_len(char) - 1))
    return cells


def refresh_changed_cells(widget: Widget, old: Text | None, new: Text) -> None:
    """Repaint the cells of a one-line widget that differ between two drawings of it."""
    if old is None or not widget.size.width:
        widget.refresh()
        return
    spans = changed_spans(line_cells(widget, old), line_cells(widget, new))
    width = widget.size.width
    regions = [
        Region(span.start, 0, min(span.stop, width) - span.start, 1) for span in spans if span.start < width
    ]
    if regions:
        widget.refresh(*regions)
