"""The teaching views' slot: explanation (`e`), data & fit (`d`), autograd graph (`a`), optimizer (`m`).

At most one is shown at a time, in the left column in place of the code panel (the phase strip, and
the explanation's first line, still say which line just ran). Only the view on screen is fed frames;
a view brought up later is first shown the frame already on screen.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import ContentSwitcher

from ..frame import Frame
from .explain import ExplainView
from .fit_plot import FitPlot
from .graph import GraphView
from .optimizer import OptimizerView

VIEWS = {"explain": ExplainView, "fit": FitPlot, "graph": GraphView, "optimizer": OptimizerView}


class TeachingViews(ContentSwitcher):
    DEFAULT_CSS = """
    TeachingViews { height: 1fr; display: none; }
    TeachingViews.-shown { display: block; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.frame: Frame | None = None
        self.shown: str | None = None

    def compose(self) -> ComposeResult:
        for name, view in VIEWS.items():
            yield view(id=f"view-{name}")

    def show(self, frame: Frame) -> None:
        self.frame = frame
        if self.shown is not None:
            self.query_one(f"#view-{self.shown}").show(frame)

    def toggle(self, name: str) -> bool:
        """Show view `name` (hiding any other), or hide it if it is on screen. True if now shown."""
        self.shown = None if self.shown == name else name
        self.current = None if self.shown is None else f"view-{self.shown}"
        self.set_class(self.shown is not None, "-shown")
        # The left column hides the code panel while a view takes its place (see stepper.tcss).
        if self.parent is not None:
            self.parent.set_class(self.shown is not None, "-teaching")
        if self.shown is not None and self.frame is not None:
            self.query_one(f"#view-{self.shown}").show(self.frame)
        return self.shown is not None
