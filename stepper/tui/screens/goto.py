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
    GoToStepScreen .hint { color: $text-muted; }
    """

    def __init__(self, live_step: int) -> None:
        super().__init__()
        self.live_step = live_step

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "go to step"
            yield Label(f"Step number (the run is at step {self.live_step}):")
            # (no blinking cursor: over SSH it was ~1.2 KB a second for as long as the dialog was open)
            step = Input(type="integer", placeholder="e.g. 10", id="step")
            step.cursor_blink = False
            yield step
            yield Label("enter goes there · escape cancels", classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        self.dismiss(int(text) if text.lstrip("-").isdigit() else None)
