"""The explanation view (`e`): what the phases of this pause did, in words and in this run's numbers.

The words come from `stepper.teach.explain`, the same text every front end shows; this widget only
lays them out: the line just run on top, the phase name of each paragraph in bold, the worked update's
✓ / ✗ marks and the ⚠ warnings emphasised (each keeps its symbol, so nothing is said by colour alone).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from ...teach.explain import explain
from ..frame import Frame

MARKS = {"✓": "bold green", "✗": "bold red"}


def explanation_text(frame: Frame | None) -> Text:
    """The view's whole text for one frame."""
    snapshot = frame.snapshot if frame is not None else None
    if snapshot is None:
        return Text("What each phase did appears here from the first pause on.", style="dim")
    text = Text()
    text.append(f"line {snapshot.line} ", style="dim")
    text.append(f"▶ {snapshot.code}\n", style="bold")
    for paragraph in explain(snapshot, frame.previous):
        text.append("\n")
        text.append_text(paragraph_text(paragraph))
        text.append("\n")
    return text


def paragraph_text(paragraph: str) -> Text:
    if paragraph.startswith("⚠"):
        return Text(paragraph, style="bold yellow")
    head, colon, rest = paragraph.partition(": ")
    if not colon or " " in head:
        return Text(paragraph)
    text = Text.assemble((head, "bold underline"), colon)
    body = Text(rest)
    for mark, style in MARKS.items():
        body.highlight_words([mark], style)
    return text + body


class ExplainView(VerticalScroll, can_focus=False):
    """Scrolls with the mouse wheel when a long step does not fit; never takes the keyboard."""

    DEFAULT_CSS = """
    ExplainView { height: 1fr; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "what just happened"
        self._text: Text | None = None

    def compose(self) -> ComposeResult:
        yield Static()

    def show(self, frame: Frame) -> None:
        text = explanation_text(frame)
        if self._text is not None and text.plain == self._text.plain:
            return
        self._text = text
        self.query_one(Static).update(text)
        self.scroll_home(animate=False)
