"""The teaching views' slot: explanation (`e`), data & fit (`d`), autograd graph (`a`), optimizer (`m`).

At most one is shown at a time, in the left column in place of the code panel (the phase strip, and
the explanation's first line, still say which line just ran). Only the view on screen is fed frames;
a view brought up later is first shown the frame already on screen.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import ContentSwitcher, Static

from ..frame import Frame
from .explain import ExplainView
from .fit_plot import FitPlot
from .graph import GraphView
from .optimizer import OptimizerView

VIEWS = {"explain": ExplainView, "fit": FitPlot, "graph": GraphView, "optimizer": OptimizerView}
TITLES = {
    "explain": "what just happened",
    "fit": "data & fit",
    "graph": "autograd graph",
    "optimizer": "optimizer state",
}
# A pause that a run at full speed (c) passed has no views (`Snapshot.skipped_views`): said in their place.
SKIPPED = (
    "Not captured while running at full speed (c): a run takes these views only at the pause where it "
    "stops. Stepping (space, s) takes them at every pause."
)


class TeachingViews(ContentSwitcher):
    DEFAULT_CSS = """
    TeachingViews { height: 1fr; display: none; }
    TeachingViews.-shown { display: block; }
    TeachingViews #view-skipped { padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.frame: Frame | None = None
        self.shown: str | None = None

    def compose(self) -> ComposeResult:
        for name, view in VIEWS.items():
            yield view(id=f"view-{name}")
        yield Static(Text(SKIPPED, style="dim"), id="view-skipped")

    def show(self, frame: Frame) -> None:
        self.frame = frame
        if self.shown is not None:
            self._show_view()

    def _show_view(self) -> None:
        """Feed the view on screen the frame, or say that its pause has no views."""
        snapshot = self.frame.snapshot if self.frame is not None else None
        # (The explanation needs only what every pause has; the other views need what was skipped.)
        if snapshot is not None and snapshot.skipped_views and self.shown != "explain":
            self.query_one("#view-skipped").border_title = f"{TITLES[self.shown]} · step {snapshot.step}"
            self.current = "view-skipped"
        else:
            self.current = f"view-{self.shown}"
            if self.frame is not None:
                self.query_one(f"#view-{self.shown}").show(self.frame)

    def toggle(self, name: str) -> bool:
        """Show view `name` (hiding any other), or hide it if it is on screen. True if now shown."""
        self.shown = None if self.shown == name else name
        self.set_class(self.shown is not None, "-shown")
        # The left column hides the code panel while a view takes its place (see stepper.tcss).
        if self.parent is not None:
            self.parent.set_class(self.shown is not None, "-teaching")
        if self.shown is None:
            self.current = None
        else:
            self._show_view()
        return self.shown is not None
