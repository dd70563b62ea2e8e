"""What the script printed (its stdout and stderr, captured so it never draws over the screen), shown
with its colours but none of its other escape sequences."""

from __future__ import annotations

import re

from rich.ansi import AnsiDecoder
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

# What a script writes for a terminal may hold escape sequences. Colours (SGR: `ESC [ … m`) become
# styles. Every other sequence (clear the screen, move the cursor, the alternate screen, a window title)
# would act on stepper's own screen if it reached the terminal, so it is dropped, and so are control
# characters other than tab (`\r` and `\n` are dealt with first, line by line).
_ESCAPE = re.compile(
    r"(\x1b\[[0-?]*[ -/]*[@-~])"  # CSI (group 1; the colours are the ones that end in m)
    r"|\x1b[\]PX^_][^\x07\x1b\n]*(?:\x07|\x1b\\)?"  # OSC (titles, links), DCS, PM, APC: to their end
    r"|\x1b[ -/]*[0-~]?"  # any other escape (`ESC ( B`, `ESC 7`), or an ESC cut off
    r"|\x9b[0-?]*[ -/]*[@-~]?"  # CSI as one 8-bit character
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _styled(segment: str, colours: AnsiDecoder) -> Text:
    """One piece of a line (no \r or \n in it) as the terminal would colour it. `colours` carries the
    colour set so far from one piece to the next, as a terminal does."""
    if not _CONTROL.search(segment):  # (no escape at all: the common case, and a 5 MB line stays fast)
        return Text(segment, style=colours.style or "")
    kept = []
    position = 0
    for match in _ESCAPE.finditer(segment):
        kept.append(_CONTROL.sub("", segment[position : match.start()]))
        csi = match.group(1)
        if csi is not None and csi.endswith("m"):
            kept.append(csi)
        position = match.end()
    kept.append(_CONTROL.sub("", segment[position:]))
    return colours.decode_line("".join(kept))


def _by_stream(output: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Consecutive texts of one stream joined: an escape sequence or a \r\n split over two writes
    is whole again."""
    joined: list[tuple[str, list[str]]] = []
    for stream, text in output:
        if joined and joined[-1][0] == stream:
            joined[-1][1].append(text)
        else:
            joined.append((stream, [text]))
    return [(stream, "".join(texts)) for stream, texts in joined]


def output_text(output: list[tuple[str, str]]) -> Text:
    if not output:
        return Text("The script has not printed anything yet.", style="dim")
    colours = AnsiDecoder()
    # As a terminal shows it: a carriage return (a progress bar redrawing its line) starts its line
    # again, so the text written after it replaces what was there.
    lines: list[list[Text]] = [[]]
    restart = False  # a \r ended the text so far: the next text on this line replaces it
    for stream, chunk in _by_stream(output):
        # Bold as well as red: stderr (warnings, tracebacks) stays apart without colour (NO_COLOR).
        style = "bold red" if stream == "stderr" else ""
        for i, piece in enumerate(chunk.replace("\r\n", "\n").split("\n")):
            if i:
                lines.append([])
                restart = False
            for j, segment in enumerate(piece.split("\r")):
                if j:
                    restart = True
                if not segment:
                    continue
                styled = _styled(segment, colours)  # (a piece of colour codes alone changes the colour)
                if styled.plain:
                    if restart:
                        lines[-1] = []
                        restart = False
                    if style:
                        styled.stylize_before(style)  # (under the script's own colours)
                    lines[-1].append(styled)
    text = Text()
    for i, line in enumerate(lines):
        if i:
            text.append("\n")
        for piece in line:
            text.append_text(piece)
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
