"""The help screen: every key, and a sentence or two on what each phase of the loop does."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS = [
    ("space  n", "run the next phase, then pause"),
    ("s  enter", "run to just after the next parameter update (one step)"),
    ("c", "run at full speed to a breakpoint, NaN/Inf or the end (the screen follows it); any key pauses"),
    (">", "play: one phase after another, slow enough to watch; + / - change the speed; any key pauses"),
    ("x", "breakpoint on the code panel's cursor line, on or off (● in the gutter); a run stops there"),
    ("↑  ↓", "move the code panel's cursor (it comes back to the line just run at the next pause)"),
    ("p", "pause (while running or playing)"),
    ("b  ←", "back one pause in history (shows exactly what was on screen then)"),
    ("f  →", "forward in history, up to the live pause"),
    ("g", "go to step N (back in history, or run forward to it)"),
    ("r", "restart the script from the start"),
    ("l", "loss plot: linear / log scale"),
    ("o", "show what the script printed"),
    ("t  tab", "a big model's parameter tree takes the keys: j/k or ↑/↓ move, h folds or unfolds a module"),
    ("/", "in the tree: filter by name, any case (enter keeps it, esc clears it)"),
    ("click", "in the tree: select a row; on a module's ▾/▸ (or the selected module) fold or unfold it"),
    ("e", "explain what this pause's phase did, with this run's numbers (in place of the code)"),
    ("d", "data & fit: the data and the model's predictions (regression line or class regions)"),
    ("a", "autograd graph: the grad_fn tree from the loss down to the parameters"),
    ("m", "optimizer: lr, hyper-parameters, momentum buffers / Adam's averages, step count"),
    ("]  [", "live knob: multiply / divide every param group's learning rate by 10"),
    ("z", "live knob: skip zero_grad (gradients pile up); z again restores it"),
    ("ctrl+s", "save an SVG screenshot of the screen"),
    ("ctrl+l", "draw the whole screen again"),
    ("ctrl+z", "suspend stepper (fg brings it back)"),
    ("w", "export the session: transcript, loss CSV, trace, output, screenshot (new folder here)"),
    ("?", "this help"),
    ("q  ctrl+c", "quit"),
]

PHASES = [
    (
        "forward",
        "The model turns the inputs into predictions (preds = model(x)). "
        "Nothing is learned yet: the parameters and .grad are untouched.",
    ),
    (
        "loss",
        "One number says how wrong the predictions are (loss = loss_fn(preds, y)). "
        "Smaller is better; training is the search for parameters that make it small.",
    ),
    (
        "zero_grad",
        "Clears the gradients left over from the last iteration, so .grad becomes None "
        "(or zeros). Skip it and the next backward adds onto the old values.",
    ),
    (
        "backward",
        "Autograd works out, for every parameter, which way and how strongly it moves the "
        "loss, and stores it in .grad (adding to what was there).",
    ),
    (
        "step",
        "The optimizer nudges each parameter against its gradient, e.g. SGD: "
        "new = old − lr × grad. This is the moment the model learns.",
    ),
]


def help_text() -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    table.add_row(Text("Keys", style="bold underline"), "")
    for keys, what in KEYS:
        table.add_row(keys, what)
    table.add_row("", "")
    table.add_row(Text("Phases", style="bold underline"), "")
    for name, what in PHASES:
        table.add_row(name, what)
    table.add_row("", "")
    table.add_row("", Text("escape, ? or q closes this screen", style="dim"))
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,question_mark,q", "dismiss", "close", id="help.close"),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90%; max-width: 100; height: 90%;
        border: round $accent; border-title-align: center; padding: 0 1; background: $surface;
    }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "stepper help"
            yield Static(help_text())
