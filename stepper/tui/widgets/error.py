"""The error panel: where the script failed (file:line), the exception type and its message."""

from __future__ import annotations

import os

from rich.text import Text
from textual.widget import Widget

from ...engine import ScriptError
from ..frame import Frame


class ErrorPanel(Widget):
    DEFAULT_CSS = """
    ErrorPanel { height: auto; max-height: 8; display: none; }
    ErrorPanel.-shown { display: block; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.error: ScriptError | None = None
        self.border_title = "the script raised an error"

    def show(self, frame: Frame) -> None:
        if frame.error == self.error:
            return
        self.error = frame.error
        self.set_class(frame.error is not None, "-shown")
        self.refresh(layout=True)

    def render(self) -> Text:
        error = self.error
        if error is None:
            return Text()
        text = Text()
        if error.file and error.line:
            text.append(f"{os.path.basename(error.file)}:{error.line}  ", style="bold")
        text.append(error.type, style="bold red")
        text.append(f"\n{error.message}")
        text.append("\nb/← looks back through the pauses · r restarts", style="dim")
        return text
