"""Ask for a step number: pauses already seen are looked up in history, later ones are run to."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class GoToStepScreen(ModalScreen[int | None]):
    BINDINGS = [Binding("escape", "dismiss", "cancel", id="goto.cancel")]
    DEFAULT_CSS = """
    GoToStepScreen { align: center middle; }
    GoToStepScreen > Vertical {
        width: 44; height: auto; border: round $accent; padding: 0 1; background: $surface;
    }
    """

    def __init__(self, live_step: int) -> None:
        super().__init__()
        self.live_step = live_step

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "go to step"
            yield Label(f"Step number (now at {self.live_step}); enter to go, escape to cancel:")
            yield Input(type="integer", placeholder="e.g. 10", id="step")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        self.dismiss(int(text) if text.lstrip("-").isdigit() else None)
