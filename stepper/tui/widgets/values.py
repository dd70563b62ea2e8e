"""Shared by the parameter and gradient panels: a panel drawn as lines, and tensors as wrapped text.

Each panel builds its lines itself, already wrapped to its width, so it knows its own height: it asks
for a new layout only when that height changes (a layout costs far more than a repaint), and when
there are more lines than room it shows what fits and says how much is hidden.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.widget import Widget

from ...engine import TensorStats
from ...format import num, shape_text, summary_text
from ..frame import Frame
from .repaint import changed_rows, refresh_rows

CHANGED = "bold underline"  # underline survives monochrome terminals
VALUE_CELLS = 9  # a typical value with its separator: "-0.2489, "


class LinesPanel(Widget):
    """A panel whose content is a list of lines built from a frame (subclasses write `build`)."""

    FALLBACK_WIDTH = 34  # before the first layout, when the width is not known yet
    HIDDEN_HINT = ""  # said after "… N more lines hidden" (how to see them)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.frame: Frame | None = None
        self._lines: list[Text] = []
        self._drawn: list[Text] | None = None  # the rows last drawn, to repaint only those that change
        self._wanted = 0  # the rows it wanted when the app last shared the column out

    def show(self, frame: Frame) -> None:
        self.frame = frame
        self._rebuild()

    def on_resize(self, event: events.Resize) -> None:
        self._rebuild()

    def _rebuild(self) -> None:
        lines = self.build(self.frame, self.size.width or self.FALLBACK_WIDTH)
        taller = len(lines) != len(self._lines)
        self._lines = lines
        self.repaint(taller)

    def rows_wanted(self) -> int:
        """The rows the panel would take to show every line, its border included."""
        return self.get_content_height(None, None, self.size.width) + self.styles.gutter.height

    def repaint(self, taller: bool) -> None:
        """Repaint the rows whose text changed (none if nothing did); everything after a change of
        height, which needs a new layout anyway."""
        rows = None if taller or not self.size.height else changed_rows(self._drawn, self.rows())
        if rows is None:
            self._drawn = None
            self.refresh(layout=taller)
        elif rows:
            refresh_rows(self, rows)
        wanted = self.rows_wanted()
        if wanted != self._wanted:  # (the room the panel beside it may take depends on this one's)
            self._wanted = wanted
            share = getattr(self.app, "leave_room_for_the_loss", None)
            if share is not None:
                share()

    def build(self, frame: Frame | None, width: int) -> list[Text]:
        raise NotImplementedError

    def get_content_height(self, container, viewport, width: int) -> int:
        return max(1, len(self._lines))

    def render(self) -> Text:
        self._drawn = self.rows()
        text = Text("\n").join(self._drawn)
        text.no_wrap = True  # lines are wrapped already; one more wrap would change the height
        text.overflow = "ellipsis"
        return text

    @property
    def overflowing(self) -> bool:
        """Some lines do not fit the panel's present height."""
        return bool(self.size.height) and len(self._lines) > self.size.height

    def rows(self) -> list[Text]:
        """The panel's rows as drawn at its present size."""
        lines = self._lines
        height = self.size.height
        if height and len(lines) > height:
            hidden = len(lines) - height + 1
            more = Text(f"… {hidden} more lines hidden{self.HIDDEN_HINT}", style="dim italic")
            lines = [*lines[: height - 1], more]
        width = self.size.width
        if width:
            # A line wider than the panel would wrap onto the next and push the last lines out of
            # sight, whatever no_wrap says: crop it here, with an ellipsis.
            lines = [line if line.cell_len <= width else cropped(line, width) for line in lines]
        return lines


def no_pause_yet(frame: Frame | None) -> Text:
    """What a panel says before the first pause (or when the run ended without one)."""
    ended = frame is not None and frame.error is not None
    return Text("the run ended before any pause" if ended else "waiting for the first pause…", style="dim")


def cropped(line: Text, width: int) -> Text:
    line = line.copy()
    line.truncate(width, overflow="ellipsis")
    return line


def listable(stats: TensorStats | None, width: int) -> bool:
    """Small enough to show every value in about two lines of this width."""
    if stats is None or stats.values is None:
        return False
    return stats.numel <= max(1, 2 * (width - 4) // VALUE_CELLS)


def value_lines(
    stats: TensorStats, width: int, changed: list[bool] | None = None, style: str = "", prefix: str = "  "
) -> list[Text]:
    """`-0.2489` for one value, `[0.1, -2, …]` wrapped under `prefix` for a few; `changed` emphasised."""
    values = stats.values or ()
    if len(values) == 1:
        emphasis = changed is not None and changed[0]
        return [Text.assemble(prefix, (num(values[0]), CHANGED if emphasis else style))]
    lines: list[Text] = []
    line = Text(prefix + "[")
    for i, value in enumerate(values):
        token = Text(num(value), style=CHANGED if changed is not None and changed[i] else style)
        token.append("]" if i == len(values) - 1 else ",")
        if i and line.cell_len + 1 + token.cell_len > width:
            lines.append(line)
            line = Text(" " * (len(prefix) + 1))
        elif i:
            line.append(" ")
        line.append_text(token)
    lines.append(line)
    return lines


def summary_lines(stats: TensorStats, width: int, style: str = "", prefix: str = "  ") -> list[Text]:
    """The lovely-tensors style summary (less the shape, which the panel shows by the name), wrapped."""
    lines: list[Text] = []
    line = prefix
    summary = summary_text(stats).removeprefix(shape_text(stats.shape) + " ")
    for word in summary.split(" "):
        if line.strip() and len(line) + 1 + len(word) > width:
            lines.append(Text(line, style=style))
            line = " " * (len(prefix) + 1) + word
        else:
            line = f"{line} {word}" if line.strip() else prefix + word
    lines.append(Text(line, style=style))
    return lines


def tensor_lines(
    stats: TensorStats, width: int, changed: list[bool] | None = None, style: str = "", prefix: str = "  "
) -> list[Text]:
    if listable(stats, width):
        return value_lines(stats, width, changed, style, prefix)
    return summary_lines(stats, width, style, prefix)


def shape_label(stats: TensorStats) -> str:
    return "" if stats.numel == 1 else f" {shape_text(stats.shape)}"
