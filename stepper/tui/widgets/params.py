"""The parameters panel: every parameter's values; after an update, old → new with changes marked."""

from __future__ import annotations

from rich.text import Text

from ...engine import TensorStats
from ...format import num
from ..frame import Frame, changed_elements, tensor_changed
from .values import CHANGED, LinesPanel, listable, shape_label, tensor_lines, value_lines


class ParamsView(LinesPanel):
    DEFAULT_CSS = """
    ParamsView { height: auto; max-height: 50%; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "parameters"

    def build(self, frame: Frame | None, width: int) -> list[Text]:
        snapshot = frame.snapshot if frame is not None else None
        if snapshot is None:
            return [Text("waiting for the first pause…", style="dim")]
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
