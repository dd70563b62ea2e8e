"""What the script printed (its stdout and stderr, captured so it never draws over the screen)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


def output_text(output: list[tuple[str, str]]) -> Text:
    if not output:
        return Text("The script has not printed anything yet.", style="dim")
    text = Text()
    for stream, chunk in output:
        # Bold as well as red: stderr (warnings, tracebacks) stays apart without colour (NO_COLOR).
        text.append(chunk, style="bold red" if stream == "stderr" else "")
    return text


class OutputScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,o,q", "dismiss", "close", id="output.close")]
    DEFAULT_CSS = """
    OutputScreen { align: center middle; }
    OutputScreen > VerticalScroll {
        width: 90%; height: 80%; border: round $accent; padding: 0 1; background: $surface;
    }
    """

    def __init__(self, output: list[tuple[str, str]]) -> None:
        super().__init__()
        self.output = list(output)

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "script output (escape closes)"
            yield Static(output_text(self.output))

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).scroll_end(animate=False)
