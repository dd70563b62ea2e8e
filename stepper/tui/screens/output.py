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
    # As a terminal shows it: a carriage return (a progress bar redrawing its line) starts its line
    # again, so the text written after it replaces what was there.
    lines: list[list[tuple[str, str]]] = [[]]
    restart = False  # a \r ended the text so far: the next text on this line replaces it
    for stream, chunk in output:
        # Bold as well as red: stderr (warnings, tracebacks) stays apart without colour (NO_COLOR).
        style = "bold red" if stream == "stderr" else ""
        for i, piece in enumerate(chunk.replace("\r\n", "\n").split("\n")):
            if i:
                lines.append([])
                restart = False
            for j, segment in enumerate(piece.split("\r")):
                if j:
                    restart = True
                if segment:
                    if restart:
                        lines[-1] = []
                        restart = False
                    lines[-1].append((segment, style))
    text = Text()
    for i, line in enumerate(lines):
        if i:
            text.append("\n")
        for piece, style in line:
            text.append(piece, style=style)
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
