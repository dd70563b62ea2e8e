"""The gradients panel: each `.grad` as None, zeros or values, and what the last phase did to it.

None (no tensor at all) and zeros (a tensor full of 0) are different things in PyTorch, and the
difference is a lesson: both are spelled out. Backward filling, zero_grad clearing and a second
backward *adding* onto the old gradient are each named in words, not just colour.
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from ...engine import TensorStats
from ...format import num
from ..frame import (
    GRAD_ADDED,
    GRAD_CHANGED,
    GRAD_CLEARED,
    GRAD_FILLED,
    GRAD_SAME,
    GRAD_ZEROED,
    Frame,
    added_values,
    grad_change,
)
from .values import CHANGED, listable, summary_line, values_line

NOTES = {
    GRAD_FILLED: "↑ filled by backward",
    GRAD_ADDED: "↑ ADDED onto the old .grad",
    GRAD_CLEARED: "↑ cleared: .grad is None now",
    GRAD_ZEROED: "↑ zeroed: .grad is a tensor of zeros",
    GRAD_CHANGED: "↑ changed",
}
NOTE_STYLES = {
    GRAD_FILLED: "bold green",
    GRAD_ADDED: "bold magenta",
    GRAD_CLEARED: "bold yellow",
    GRAD_ZEROED: "bold yellow",
    GRAD_CHANGED: "bold",
}


class GradsView(Widget):
    DEFAULT_CSS = """
    GradsView { height: auto; max-height: 50%; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.frame: Frame | None = None
        self._text_cache = self._text()
        self.border_title = "gradients (.grad)"

    def show(self, frame: Frame) -> None:
        self.frame = frame
        text = self._text()
        # Only a change in height needs a new layout (which is much dearer than a repaint).
        grew = text.plain.count("\n") != self._text_cache.plain.count("\n")
        self._text_cache = text
        self.refresh(layout=grew)

    def render(self) -> Text:
        return self._text_cache

    def _text(self) -> Text:
        snapshot = self.frame.snapshot if self.frame is not None else None
        if snapshot is None:
            return Text("waiting for the first pause…", style="dim")
        if not snapshot.grads:
            return Text("no parameters found yet", style="dim")
        previous = self.frame.previous
        width = max(len(name) for name in snapshot.grads)
        lines: list[Text] = []
        # A fixed number of lines per gradient (the note line is blank when nothing changed), so the
        # panel keeps its height from pause to pause.
        for name, grad in snapshot.grads.items():
            before = previous.grads.get(name) if previous is not None else grad
            change = grad_change(before, grad, snapshot.phases)
            param = snapshot.params.get(name)
            inline = param is not None and param.numel == 1
            head = Text(f"{name:<{width}}  ", style="bold")
            lines.append(head)
            value = grad_text(grad, change)
            if inline:
                head.append_text(value)
            else:
                lines.append(Text.assemble("  ", value))
            note = Text("  ")
            if change != GRAD_SAME:
                note.append(NOTES[change], style=NOTE_STYLES[change])
            lines.append(note)
            if change == GRAD_ADDED and before is not None and grad is not None:
                lines.extend(sum_lines(before, grad))
        return Text("\n").join(lines)


def grad_text(grad: TensorStats | None, change: str) -> Text:
    emphasis = CHANGED if change != GRAD_SAME else ""
    text = Text()
    if grad is None:
        text.append("None", style=f"italic {emphasis}".strip())
        text.append("  (no tensor)", style="dim")
    elif grad.zeros and grad.numel:
        text.append_text(values_line(grad, style=emphasis) if listable(grad) else Text("0", style=emphasis))
        text.append("  (zeros)", style="dim")
    elif listable(grad):
        text.append_text(values_line(grad, style=emphasis))
    else:
        text.append_text(summary_line(grad, style=emphasis))
    return text


def sum_lines(before: TensorStats, after: TensorStats) -> list[Text]:
    """One `old + added = new` line per element of a small tensor: accumulation as arithmetic."""
    added = added_values(before, after)
    if added is None or after.values is None or len(added) > 4:
        return []
    lines = []
    for old, extra, new in zip(before.values, added, after.values, strict=True):
        line = Text(f"    {num(old)} + {num(extra)} = ")
        line.append(num(new), style=CHANGED)
        lines.append(line)
    return lines
