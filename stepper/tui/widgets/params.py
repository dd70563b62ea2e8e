"""The parameters panel: every parameter's values; after an update, old → new with changes marked."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from ..frame import Frame, changed_elements, tensor_changed
from .values import CHANGED, listable, shape_label, summary_line, values_line


class ParamsView(Widget):
    DEFAULT_CSS = """
    ParamsView { height: auto; max-height: 50%; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.frame: Frame | None = None
        self.border_title = "parameters"

    def show(self, frame: Frame) -> None:
        self.frame = frame
        self.refresh(layout=True)

    def render(self) -> Text:
        snapshot = self.frame.snapshot if self.frame is not None else None
        if snapshot is None:
            return Text("waiting for the first pause…", style="dim")
        if not snapshot.params:
            return Text("no parameters found yet", style="dim")
        previous = self.frame.previous
        width = max(name_width(snapshot.params), 1)
        out = Text()
        for name, stats in snapshot.params.items():
            before = previous.params.get(name) if previous is not None else None
            changed = before is not None and tensor_changed(before, stats)
            out.append(f"{name:<{width}}", style="bold")
            out.append(shape_label(stats), style="dim")
            if listable(stats):
                if changed and stats.numel == 1:
                    out.append("  ")
                    out.append_text(values_line(before, style="dim"))
                    out.append(" → ", style="bold")
                    out.append_text(values_line(stats, [True]))
                elif changed:
                    out.append("\n  was ", style="dim")
                    out.append_text(values_line(before, style="dim"))
                    out.append("\n  now ", style="bold")
                    out.append_text(values_line(stats, changed_elements(before, stats)))
                else:
                    out.append("\n  " if stats.numel > 1 else "  ")
                    out.append_text(values_line(stats))
            else:
                if changed:
                    out.append("\n  was ", style="dim")
                    out.append_text(summary_line(before, style="dim"))
                    out.append("\n  now ", style="bold")
                    out.append_text(summary_line(stats, style=CHANGED))
                else:
                    out.append("\n  ")
                    out.append_text(summary_line(stats))
            out.append("\n")
        out.rstrip()
        return out


def name_width(named: dict) -> int:
    return max((len(name) for name in named), default=0)
