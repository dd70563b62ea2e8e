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
        self._text_cache = self._text()
        self.border_title = "parameters"

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
        if not snapshot.params:
            return Text("no parameters found yet", style="dim")
        previous = self.frame.previous
        width = max(name_width(snapshot.params), 1)
        lines: list[Text] = []
        # Each parameter always takes the same number of lines, changed or not, so the panel keeps
        # its height from pause to pause (a new layout costs far more than a repaint).
        for name, stats in snapshot.params.items():
            before = previous.params.get(name) if previous is not None else None
            changed = before is not None and tensor_changed(before, stats)
            head = Text(f"{name:<{width}}", style="bold")
            head.append(shape_label(stats), style="dim")
            lines.append(head)
            if listable(stats) and stats.numel == 1:
                head.append("  ")
                if changed:
                    head.append_text(values_line(before, style="dim"))
                    head.append(" → ", style="bold")
                    head.append_text(values_line(stats, [True]))
                else:
                    head.append_text(values_line(stats))
                continue
            if listable(stats):
                now = values_line(stats, changed_elements(before, stats) if changed else None)
                was = values_line(before, style="dim") if changed else None
            else:
                now = summary_line(stats, style=CHANGED if changed else "")
                was = summary_line(before, style="dim") if changed else None
            lines.append(Text.assemble(("  now " if changed else "  ", "bold"), now))
            lines.append(Text.assemble(("  was ", "dim"), was) if was is not None else Text(""))
        return Text("\n").join(lines)


def name_width(named: dict) -> int:
    return max((len(name) for name in named), default=0)
