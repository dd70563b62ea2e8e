"""The status bar (state, step, phase, loss, lr, where in history) and the one-line notice under it."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widget import Widget

from ...engine import Snapshot
from ...format import num

STATE_STYLES = {
    "loading": "bold black on yellow",
    "running": "bold black on cyan",
    "paused": "bold black on green",
    "playing": "bold black on cyan",
    "finished": "bold black on blue",
    "error": "bold white on red",
}


COMPACT_KNOBS = {"zero_grad skipped": "no zero_grad"}  # for a status bar short of room


@dataclass(frozen=True)
class StatusInfo:
    state: str  # a key of STATE_STYLES
    label: str  # what the badge says: "loading PyTorch…", "paused", "▶ playing 4/s", …
    snapshot: Snapshot | None
    index: int | None  # 0-based pause shown
    count: int  # pauses in history
    live: bool
    knobs: tuple[str, ...] = ()  # live knobs turned away from normal ("lr ×10", "zero_grad skipped")


class StatusBar(Widget):
    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.info: StatusInfo | None = None

    def show(self, info: StatusInfo) -> None:
        if info != self.info:
            self.info = info
            self.refresh()

    def render(self) -> Text:
        info = self.info
        if info is None:
            return Text(no_wrap=True, overflow="ellipsis")
        wheres = self.wheres(info)
        where = wheres[0]
        text = self.line(info, compact=False)
        if text.cell_len + where.cell_len + 1 > self.size.width:
            # At 80 columns the knobs' badge pushed the loss and lr off the end: say it shorter, and
            # leave out the live pause number (the step is there) before cutting anything else.
            fits = [(t, w) for t in (text, self.line(info, compact=True)) for w in wheres]
            fits = [(t, w) for t, w in fits if t.cell_len + w.cell_len + 1 <= self.size.width]
            text, where = fits[0] if fits else (self.line(info, compact=True), wheres[-1])
            if info.live and text.cell_len + where.cell_len + 1 > self.size.width:
                where = Text()
        room = self.size.width - where.cell_len - 1
        if text.cell_len > room:
            text.truncate(max(0, room), overflow="ellipsis")
        text.append(" " * max(1, room - text.cell_len + 1))
        text.append_text(where)
        return text

    def wheres(self, info: StatusInfo) -> list[Text]:
        """Where in history the pause on screen is, said in ways from the widest to the shortest."""
        if info.index is None:
            return [Text()]
        number = f"{info.index + 1}/{info.count}"
        if info.live:
            return [Text(f"pause {number}", style="dim")]
        snapshot = info.snapshot
        if snapshot is None or not snapshot.summary_only:
            return [Text(f"◀ history {number}", style="bold reverse")]
        # An old pause the history's memory budget thinned: statistics, no values, no fit view.
        forms = (
            (f"◀ history {number}", "summary only (--history-mb)"),
            (f"◀ history {number}", "summary only"),
            (f"◀ {number}", "summary only"),
        )
        note_style = "bold black on yellow"
        return [Text.assemble((place, "bold reverse"), (f" {note} ", note_style)) for place, note in forms]

    def line(self, info: StatusInfo, compact: bool) -> Text:
        """The state badge, the knobs and the numbers of the pause on screen."""
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f" {info.label} ", style=STATE_STYLES.get(info.state, "reverse"))
        if info.knobs:
            knobs = [COMPACT_KNOBS.get(knob, knob) for knob in info.knobs] if compact else info.knobs
            text.append(f" ⚙ {', '.join(knobs)} ", style="bold black on magenta")
        snapshot = info.snapshot
        if snapshot is not None:
            lr = snapshot.optimizer.lr if snapshot.optimizer is not None else None
            text.append(f" step {snapshot.step} · {'+'.join(snapshot.phases)} · loss {num(snapshot.loss)}")
            text.append(f" · lr {num(lr)}")
            if snapshot.nonfinite:
                text.append(" · NaN/Inf!", style="bold red")
        return text


class Notice(Widget):
    """A one-line message about the last action, or a hint when there is nothing to say.

    The line is always there, so a message never moves the panels: a pause looks the same live and
    when looked at again later.
    """

    DEFAULT_CSS = """
    Notice { height: 1; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    """
    HINT = "? shows every key and what each phase does"

    def __init__(self, hint: str = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.message = ""
        self.hint = hint or self.HINT

    def say(self, message: str) -> None:
        if message != self.message:
            self.message = message
            self.refresh()

    def render(self) -> Text:
        if not self.message:
            return Text(self.hint, style="dim", no_wrap=True, overflow="ellipsis")
        return Text(self.message, style="italic", no_wrap=True, overflow="ellipsis")
