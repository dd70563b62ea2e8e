"""The parameters panel: every parameter's values; after an update, old → new with changes marked.

A big model's parameters are a tree of modules instead (tensor_tree.py), and this panel takes the
tree's keys."""

from __future__ import annotations

from rich.text import Text

from ...engine import TensorStats
from ...format import num
from ..frame import Frame, changed_elements, tensor_changed
from .repaint import set_border_titles
from .tensor_tree import (
    Node,
    TensorTreePanel,
    compact_shape,
    detail_words,
    norm_of,
    short_flags,
    summary_row,
    wrap_words,
)
from .values import CHANGED, listable, no_pause_yet, shape_label, tensor_lines, value_lines

INLINE_VALUES = 4  # in the tree, a tensor of at most this many values shows them on its row


class ParamsView(TensorTreePanel):
    DEFAULT_CSS = """
    ParamsView { height: auto; max-height: 50%; }
    """
    LEADS = True

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "parameters"

    def _rebuild(self) -> None:
        super()._rebuild()
        keys = "j/k move · h fold · / filter" if self.has_focus else "t: tree keys"
        set_border_titles(self, subtitle=keys if self.treeing else "")

    # --- the tree (a big model) --------------------------------------------------------------------------

    def _before(self, name: str) -> tuple[TensorStats, TensorStats | None, bool]:
        frame = self.frame
        stats = frame.snapshot.params[name]
        before = frame.previous.params.get(name) if frame.previous is not None else None
        return stats, before, before is not None and tensor_changed(before, stats)

    def tensor_row(self, node: Node) -> Text:
        stats, before, changed = self._before(node.key)
        line = Text(node.label, style=CHANGED if changed else "bold")
        line.append(" ")
        if stats.values is not None and stats.numel <= INLINE_VALUES:
            line.append(compact_shape(stats.shape), style="dim")
            line.append_text(short_flags(stats))
            line.append_text(value_lines(stats, 10**6, changed_elements(before, stats), prefix=" ")[0])
        else:
            line.append_text(summary_row(stats, self.ascii))
        return line

    def module_row(self, node: Node) -> Text:
        params = self.frame.snapshot.params
        changed = any(self._before(name)[2] for name in node.tensors)
        line = Text(node.label, style=CHANGED if changed else "bold")
        tensors = [params[name] for name in node.tensors]
        line.append(f" n={sum(s.numel for s in tensors)} ‖‖={num(norm_of(tensors))}", style="dim")
        if any(s.nan for s in tensors):
            line.append(" NaN!", style="bold red")
        if any(s.inf for s in tensors):
            line.append(" Inf!", style="bold red")
        return line

    def detail(self, node: Node, width: int, indent: str) -> list[Text]:
        stats, before, changed = self._before(node.key)
        lines = wrap_words(detail_words(stats), width, indent, style="dim")
        if changed:
            if before.values is not None and stats.numel <= INLINE_VALUES:
                was = value_lines(before, width, style="dim", prefix=f"{indent}was ")[:1]
            else:
                was_words = ["was", "≈"] if before.approx else ["was"]  # (≈: summarised from a sample)
                was_words += [f"μ={num(before.mean)}", f"σ={num(before.std)}", f"‖‖={num(before.norm)}"]
                was = [Text(indent + " ".join(was_words), style="dim")]
            lines = lines[:2] + was
        return lines

    # --- flat (a small model) -------------------------------------------------------------------------

    def build(self, frame: Frame | None, width: int) -> list[Text]:
        snapshot = frame.snapshot if frame is not None else None
        if snapshot is None:
            return [no_pause_yet(frame)]
        if not snapshot.params:
            return [Text("no parameters found yet", style="dim")]
        name_width = max(len(name) for name in snapshot.params)
        lines: list[Text] = []
        # A parameter takes the same lines changed or not (its "was" line is blank when unchanged),
        # so the panel keeps its height from pause to pause.
        for name, stats in snapshot.params.items():
            before = frame.previous.params.get(name) if frame.previous is not None else None
            changed = before is not None and tensor_changed(before, stats)
            head = Text(f"{name:<{name_width}}", style="bold")
            head.append(shape_label(stats), style="dim")
            if stats.numel == 1 and stats.values is not None:
                head.append("  ")
                new = tensor_lines(stats, width, [changed], prefix="")[0]
                if changed and before.values is not None:
                    head.append_text(tensor_lines(before, width, style="dim", prefix="")[0])
                    head.append(" → ", style="bold")
                    if head.cell_len + new.cell_len > width:
                        # Too wide for one line (big values): the new value goes under, not off the edge.
                        lines.append(head)
                        head = Text(" " * (name_width + 2))
                head.append_text(new)
                lines.append(head)
                continue
            lines.append(head)
            if changed:
                flags = changed_elements(before, stats)
                lines.extend(tensor_lines(stats, width, flags, "" if flags else CHANGED, prefix="  now "))
            else:
                lines.extend(tensor_lines(stats, width, prefix="      "))
            lines.extend(was_lines(before if changed else None, stats, width))
        return lines


def was_lines(before: TensorStats | None, now: TensorStats, width: int) -> list[Text]:
    """The old values under the new ones: every value for a small tensor, a short summary for a big
    one. Blank lines of the same height when nothing changed, so the panel keeps its height."""
    if listable(now, width):
        if before is None:
            return [Text("") for _ in value_lines(now, width, prefix="  was ")]
        return value_lines(before, width, style="dim", prefix="  was ")
    if before is None:
        return [Text("")]
    return [Text(f"  was μ={num(before.mean)} norm={num(before.norm)}", style="dim")]
