"""The error panel: where the script failed (file:line), the exception type and its message."""

from __future__ import annotations

import os

from rich.text import Text
from textual.widget import Widget

from ...engine import ScriptError
from ..frame import Frame

# The panel's title by what ended the run (the script's own exceptions: the default).
TITLES = {
    None: "the script raised an error",
    "NoTrainingPhase": "nothing to step through",
    "StepperInternalError": "stepper failed (not your script)",
    "SystemExit": "the script exited with an error status",
}


class ErrorPanel(Widget):
    DEFAULT_CSS = """
    ErrorPanel { height: auto; max-height: 14; display: none; }
    ErrorPanel.-shown { display: block; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.error: ScriptError | None = None
        self.paused = False  # the run paused at least once (so there is history to look back on)
        self.border_title = TITLES[None]

    def show(self, frame: Frame) -> None:
        paused = frame.snapshot is not None
        if frame.error == self.error and paused == self.paused:
            return
        self.error, self.paused = frame.error, paused
        self.border_title = TITLES.get(None if frame.error is None else frame.error.type, TITLES[None])
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
        if error.hint:
            text.append(f"\n{error.hint}", style="italic")
        hint = "b/← looks back through the pauses · r restarts" if self.paused else "r restarts · q quits"
        text.append(f"\n{hint}", style="dim")
        return text
