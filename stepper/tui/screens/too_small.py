"""Covers the app while the terminal is smaller than the layout needs (80×22), and says so.

The main screen stays underneath, untouched: when the terminal grows again this screen is popped and
everything is where it was. q and ctrl+c still quit.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from ..terminal import MIN_HEIGHT, MIN_WIDTH


def too_small_message(width: int, height: int, need: tuple[int, int] = (MIN_WIDTH, MIN_HEIGHT)) -> str:
    return (
        f"terminal too small (need {need[0]}×{need[1]}, have {width}×{height})\n\n"
        "make the window bigger, or the font smaller · q quits"
    )


class TooSmallScreen(Screen[None]):
    DEFAULT_CSS = """
    TooSmallScreen { align: center middle; }
    TooSmallScreen > Static { width: 100%; height: auto; text-align: center; text-style: bold; }
    """

    def __init__(self, width: int, height: int) -> None:
        super().__init__()
        self.have = (width, height)

    def compose(self) -> ComposeResult:
        yield Static(too_small_message(*self.have), id="too-small")

    def show_size(self, width: int, height: int) -> None:
        if (width, height) != self.have:
            self.have = (width, height)
            self.query_one(Static).update(too_small_message(width, height))
