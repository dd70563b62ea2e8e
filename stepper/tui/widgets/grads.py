"""The gradients panel: each `.grad` as None, zeros or values, and what the last phase did to it.

None (no tensor at all) and zeros (a tensor full of 0) are different things in PyTorch, and the
difference is a lesson: both are spelled out. Backward filling, zero_grad clearing and a second
backward *adding* onto the old gradient are each named in words, not just colour.

A big model's gradients are a tree of modules (tensor_tree.py) that follows the parameters panel's:
the same rows folded, selected and filtered, each with what the last phase did to it in a word.
"""

from __future__ import annotations

from rich.text import Text

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
from .tensor_tree import Node, TensorTreePanel, compact_shape, detail_words, norm_of, summary_row, wrap_words
from .values import CHANGED, no_pause_yet, tensor_lines, value_lines

NOTES = {
    GRAD_FILLED: "↑ filled by backward",
    GRAD_ADDED: "↑ ADDED onto the old .grad",
    GRAD_CLEARED: "↑ cleared: .grad is None now",
    GRAD_ZEROED: "↑ zeroed: .grad is zeros now",  # fits the narrowest panel, as the others do
    GRAD_CHANGED: "↑ changed",
}
NOTE_STYLES = {
    GRAD_FILLED: "bold green",
    GRAD_ADDED: "bold magenta",
    GRAD_CLEARED: "bold yellow",
    GRAD_ZEROED: "bold yellow",
    GRAD_CHANGED: "bold",
}
WORDS = {  # the same, in a word, on a row of the tree
    GRAD_FILLED: "filled",
    GRAD_ADDED: "ADDED",
    GRAD_CLEARED: "cleared",
    GRAD_ZEROED: "zeroed",
    GRAD_CHANGED: "changed",
}
INLINE_VALUES = 4


class GradsView(TensorTreePanel):
    DEFAULT_CSS = """
    GradsView { height: auto; max-height: 50%; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "gradients (.grad)"

    # --- the tree (a big model), following the parameters panel ---------------------------------------

    def _change(self, name: str) -> tuple[TensorStats | None, TensorStats | None, str]:
        frame = self.frame
        grad = frame.snapshot.grads.get(name)
        before = _before(frame, name, grad)
        return grad, before, grad_change(before, grad, frame.snapshot.phases)

    def tensor_row(self, node: Node) -> Text:
        grad, before, change = self._change(node.key)
        line = Text(node.label, style="bold")
        if change != GRAD_SAME:
            line.append(f" {WORDS[change]}", style=NOTE_STYLES[change])
        line.append(" ")
        if grad is None:
            line.append("None", style="italic")
            line.append(" (no tensor)", style="dim")
        elif grad.values is not None and grad.numel <= INLINE_VALUES:
            line.append(compact_shape(grad.shape), style="dim")
            line.append_text(value_lines(grad, 10**6, prefix=" ")[0])
        else:
            line.append_text(summary_row(grad, self.ascii))
        return line

    def module_row(self, node: Node) -> Text:
        changes = [self._change(name) for name in node.tensors]
        grads = [grad for grad, _, _ in changes]
        line = Text(node.label, style="bold")
        kinds = {change for _, _, change in changes if change != GRAD_SAME}
        if kinds:
            kind = kinds.pop() if len(kinds) == 1 else GRAD_CHANGED
            line.append(f" {WORDS[kind]}", style=NOTE_STYLES[kind])
        if all(grad is None for grad in grads):
            line.append(" None", style="italic")
            return line
        line.append(f" ‖‖={num(norm_of(grads))}", style="dim")
        if any(grad is not None and grad.nan for grad in grads):
            line.append(" NaN!", style="bold red")
        if any(grad is not None and grad.inf for grad in grads):
            line.append(" Inf!", style="bold red")
        return line

    def detail(self, node: Node, width: int, indent: str) -> list[Text]:
        grad, before, change = self._change(node.key)
        if grad is None:
            lines = [Text(f"{indent}None: .grad holds no tensor", style="dim")]
        else:
            lines = wrap_words(detail_words(grad), width, indent, style="dim")
        if change != GRAD_SAME:
            lines = lines[:2] + [Text(indent + NOTES[change].removeprefix("↑ "), style=NOTE_STYLES[change])]
        return lines

    # --- flat (a small model) -------------------------------------------------------------------------

    def build(self, frame: Frame | None, width: int) -> list[Text]:
        snapshot = frame.snapshot if frame is not None else None
        if snapshot is None:
            return [no_pause_yet(frame)]
        if not snapshot.grads:
            return [Text("no parameters found yet", style="dim")]
        name_width = max(len(name) for name in snapshot.grads)
        lines: list[Text] = []
        # A gradient always takes the lines its parameter's values would, plus a note line (blank
        # when nothing changed), so the panel keeps its height from pause to pause.
        for name, grad in snapshot.grads.items():
            before = _before(frame, name, grad)
            change = grad_change(before, grad, snapshot.phases)
            param = snapshot.params.get(name)
            head = Text(f"{name:<{name_width}}  ", style="bold")
            lines.append(head)
            if param is not None and param.numel == 1:
                head.append_text(grad_lines(grad, change, width, prefix="")[0])
            else:
                body = grad_lines(grad, change, width, prefix="  ")
                room = len(tensor_lines(param, width)) if param is not None else len(body)
                lines.extend(body + [Text("")] * max(0, room - len(body)))
            note = Text("  ")
            if change != GRAD_SAME:
                note.append(NOTES[change], style=NOTE_STYLES[change])
            lines.append(note)
            if change == GRAD_ADDED and before is not None and grad is not None:
                lines.extend(sum_lines(before, grad))
        return lines


def grad_lines(grad: TensorStats | None, change: str, width: int, prefix: str) -> list[Text]:
    emphasis = CHANGED if change != GRAD_SAME else ""
    if grad is None:
        return [Text.assemble(prefix, ("None", f"italic {emphasis}".strip()), ("  (no tensor)", "dim"))]
    if grad.zeros and grad.numel:
        lines = tensor_lines(grad, width - 9, style=emphasis, prefix=prefix)
        lines[-1].append("  (zeros)", style="dim")
        return lines
    return tensor_lines(grad, width, style=emphasis, prefix=prefix)


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


def _before(frame, name: str, grad: TensorStats | None) -> TensorStats | None:
    """What `name`'s .grad held before this pause's phases: after a clearing that came first on the
    pause's line (`opt.zero_grad(); loss.backward()`), nothing, whatever the pause before showed."""
    if frame.previous is None:
        return grad
    if frame.snapshot.cleared_then_backward:
        return None
    return frame.previous.grads.get(name)
