"""The data & fit view (`d`): the training data with what the model currently predicts.

Two shapes of model can be drawn (the engine decides, see `stepper.engine.fit`):
- one input → one output (a regression): the data as points, the predictions as a line sorted by x;
- two input features → class scores (a classification): the plane shaded by the class the model
  predicts there, with the data points on top.
Every class has its own marker as well as its own colour, so the plot reads without colour too.
Like the loss plot, the figure is rebuilt from the widget's own copy of the data on every render, and
the plotext part (`fit_canvas.py`) is only imported once there is something to draw.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widget import Widget

from ...engine.snapshot import FitView
from ..frame import Frame

DATA_MARK = "•"
POINT_MARKS = ("●", "▲", "■", "◆", "✚", "★")  # the data points, by class
REGION_MARKS = ("·", "-", "'", ":", "~", "^")  # the predicted regions, by class
PALETTE = ((86, 156, 214), (240, 150, 60), (106, 190, 90), (230, 90, 90), (190, 130, 210), (90, 200, 200))
NOT_KEPT = (
    "This old pause keeps statistics only (past the history's memory budget, --history-mb): its data "
    "and predictions were let go. The newest pauses keep them."
)
NO_PLOT = (
    "No plot for this model's shapes. Drawn are: one input → one output (a regression: data and "
    "the fitted line), or two input features → class scores (class regions and points)."
)


def region_colour(label: int) -> tuple[int, int, int]:
    r, g, b = PALETTE[label % len(PALETTE)]
    return (r * 45 // 100, g * 45 // 100, b * 45 // 100)  # dimmer than the points drawn over it


def point_colour(label: int) -> tuple[int, int, int]:
    return PALETTE[label % len(PALETTE)]


def accuracy(fit: FitView) -> tuple[int, int] | None:
    """(right, total) when the labels are the script's targets (not the model's own guesses)."""
    if fit.ys is None or not fit.preds:
        return None
    right = sum(1 for y, p in zip(fit.ys, fit.preds, strict=False) if int(y) == int(p))
    return right, len(fit.preds)


def legend(fit: FitView) -> str:
    if fit.kind == "regression":
        return f"{DATA_MARK} data  ─ model" if fit.ys is not None else "─ model's predictions"
    classes = sorted({int(v) for v in (fit.ys or fit.preds)})
    marks = " ".join(f"{POINT_MARKS[c % len(POINT_MARKS)]}{c}" for c in classes)
    if fit.grid:
        marks += " · regions " + "".join(REGION_MARKS[c % len(REGION_MARKS)] for c in classes)
    score = accuracy(fit)
    return marks + (f" · {score[0]}/{score[1]} right" if score is not None else "")


def sorted_line(xs: Sequence[float], ys: Sequence[float]) -> tuple[list[float], list[float]]:
    pairs = sorted(zip(xs, ys, strict=True))
    return [x for x, _ in pairs], [y for _, y in pairs]


class FitPlot(Widget):
    """The panel: titles and legend, a note when there is nothing to draw, else the plot inside it."""

    DEFAULT_CSS = """
    FitPlot { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "data & fit"
        self.fit: FitView | None = None
        self.started = False  # a forward has run (before it, there is simply nothing to draw yet)
        self.thinned = False  # an old pause kept as a summary only: its data and predictions are gone
        self.canvas: Widget | None = None

    def show(self, frame: Frame) -> None:
        snapshot = frame.snapshot
        fit = snapshot.fit if snapshot is not None else None
        started = snapshot is not None and snapshot.preds is not None
        thinned = snapshot is not None and snapshot.summary_only
        title = "data & fit"
        if snapshot is not None:
            # The predictions drawn are the latest forward's: at a step pause, from before the update.
            updated = "step" in snapshot.phases and "forward" not in snapshot.phases
            title += f" · before update {snapshot.step}" if updated else f" · step {snapshot.step}"
        self.border_title = title
        if fit is self.fit and started == self.started and thinned == self.thinned:
            return
        self.fit = fit
        self.started = started
        self.thinned = thinned
        self.border_subtitle = legend(fit) if fit is not None else ""
        if self.canvas is None and fit is not None:
            from .fit_canvas import FitCanvas

            self.canvas = FitCanvas()
            self.mount(self.canvas)
        if self.canvas is not None:
            self.canvas.display = fit is not None
            if fit is not None:
                self.canvas.plot_fit(fit)
        self.refresh()

    def render(self) -> Text:
        if self.fit is not None:
            return Text("")
        if not self.started:
            return Text("The data and the model's predictions appear after the first forward.", style="dim")
        if self.thinned:
            return Text(NOT_KEPT, style="dim")
        return Text(NO_PLOT, style="dim")
