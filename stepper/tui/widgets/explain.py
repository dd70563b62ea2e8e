"""The explanation view (`e`): what the phases of this pause did, in words and in this run's numbers.

The words come from `stepper.teach.explain`, the same text every front end shows; this widget only
lays them out: the line just run on top, the phase name of each paragraph in bold, the worked update's
✓ / ✗ marks and the ⚠ warnings emphasised (each keeps its symbol, so nothing is said by colour alone).
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from ...teach.explain import explain
from ..frame import Frame

MARKS = {"✓": "bold green", "✗": "bold red"}


def explanation(frame: Frame | None) -> list[str]:
    """The line just run, then explain()'s paragraphs for this pause (empty before the first pause)."""
    snapshot = frame.snapshot if frame is not None else None
    if snapshot is None:
        return []
    return [f"line {snapshot.line} ▶ {snapshot.code}", *explain(snapshot, frame.previous)]


def explanation_renderable(paragraphs: list[str]) -> Group | Text:
    if not paragraphs:
        return Text("What each phase did appears here from the first pause on.", style="dim")
    head, *body = paragraphs
    where, _, code = head.partition(" ▶ ")
    parts: list[RenderableType] = [Text.assemble((where + " ", "dim"), (f"▶ {code}", "bold"))]
    for paragraph in body:
        parts.append(Text(""))
        parts.extend(paragraph_renderables(paragraph))
    return Group(*parts)


def paragraph_renderables(paragraph: str) -> list[RenderableType]:
    """A paragraph; its indented `name[i]: arithmetic ✓` lines become a table that wraps each
    formula under itself, beside the element's name."""
    if paragraph.startswith("⚠"):
        return [Text(paragraph, style="bold yellow")]
    first, *more = paragraph.split("\n")
    out: list[RenderableType] = [emphasised(first)]
    checks: Table | None = None
    for line in more:
        name, colon, formula = line.strip().partition(": ")
        if line.startswith("  ") and colon and " " not in name:  # (`model.weight[0]: …`, not a sentence)
            if checks is None:
                checks = Table.grid(padding=(0, 1))
                checks.add_column(no_wrap=True, style="bold")
                checks.add_column()
                out.append(checks)
            checks.add_row(name, marked(formula))
        else:
            out.append(marked(line))
            checks = None
    return out


def emphasised(line: str) -> Text:
    """`phase: text` with the phase name in bold."""
    head, colon, rest = line.partition(": ")
    if not colon or " " in head:
        return marked(line)
    return Text.assemble((head, "bold underline"), colon) + marked(rest)


def marked(line: str) -> Text:
    text = Text(line)
    for mark, style in MARKS.items():
        text.highlight_words([mark], style)
    return text


class ExplainView(VerticalScroll, can_focus=False):
    """Scrolls with the mouse wheel when a long step does not fit; never takes the keyboard."""

    DEFAULT_CSS = """
    ExplainView { height: 1fr; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "what just happened"
        self._paragraphs: list[str] | None = None

    def compose(self) -> ComposeResult:
        yield Static()

    def show(self, frame: Frame) -> None:
        paragraphs = explanation(frame)
        if paragraphs == self._paragraphs:
            return
        self._paragraphs = paragraphs
        self.query_one(Static).update(explanation_renderable(paragraphs))
        self.scroll_home(animate=False)
