"""The data & fit view (`d`): the training data with what the model currently predicts.

Two shapes of model can be drawn (the engine decides, see `stepper.engine.fit`):
- one input → one output (a regression): the data as points, the predictions as a line sorted by x;
- two input features → class scores (a classification): the plane shaded by the class the model
  predicts there, with the data points on top.
Every class has its own marker as well as its own colour, so the plot reads without colour too.
Like the loss plot, the figure is rebuilt from the widget's own copy of the data on every render.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual_plotext import PlotextPlot

from ...engine.snapshot import FitView
from ..frame import Frame

DATA_MARK = "•"
POINT_MARKS = ("●", "▲", "■", "◆", "✚", "★")  # the data points, by class
REGION_MARKS = ("·", "-", "+", "~", "=", "^")  # the predicted regions, by class
PALETTE = ((86, 156, 214), (240, 150, 60), (106, 190, 90), (230, 90, 90), (190, 130, 210), (90, 200, 200))
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
    classes = sorted({int(v) for v in fit.ys or fit.preds})
    marks = " ".join(f"{POINT_MARKS[c % len(POINT_MARKS)]}{c}" for c in classes)
    score = accuracy(fit)
    return marks + (f" · {score[0]}/{score[1]} right" if score is not None else "")


def sorted_line(xs: Sequence[float], ys: Sequence[float]) -> tuple[list[float], list[float]]:
    pairs = sorted(zip(xs, ys, strict=True))
    return [x for x, _ in pairs], [y for _, y in pairs]


class FitPlot(PlotextPlot):
    DEFAULT_CSS = """
    FitPlot { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "data & fit"
        self.fit: FitView | None = None
        self.started = False  # a forward has run (before it, there is simply nothing to draw yet)

    def show(self, frame: Frame) -> None:
        snapshot = frame.snapshot
        fit = snapshot.fit if snapshot is not None else None
        started = snapshot is not None and snapshot.preds is not None
        if fit is self.fit and started == self.started:
            return
        self.fit = fit
        self.started = started
        self.border_title = f"data & fit · step {snapshot.step}" if snapshot is not None else "data & fit"
        self.border_subtitle = legend(fit) if fit is not None else ""
        self.refresh()

    def render(self) -> Text:
        fit = self.fit
        if fit is None:
            if not self.started:
                return Text("The data and the model's predictions appear after the first forward.", style="dim")
            return Text(NO_PLOT, style="dim")
        plt = self.plt
        plt.clear_figure()
        if fit.kind == "regression":
            self._regression(fit)
        else:
            self._classification(fit)
        return super().render()

    def _regression(self, fit: FitView) -> None:
        plt = self.plt
        if fit.ys is not None:
            plt.scatter(list(fit.xs), list(fit.ys), marker=DATA_MARK, color=point_colour(0))
        xs, preds = sorted_line(fit.xs, fit.preds)
        plt.plot(xs, preds, marker="braille", color=point_colour(1))

    def _classification(self, fit: FitView) -> None:
        plt = self.plt
        x_lo, x_hi = min(fit.xs), max(fit.xs)
        y_lo, y_hi = min(fit.x2), max(fit.x2)
        if fit.grid:
            # Grid cell (row, col) sits at x = lo + col·dx, y = hi − row·dy: rows run top down.
            rows, cols = len(fit.grid), len(fit.grid[0])
            cells: dict[int, tuple[list[float], list[float]]] = {}
            for r, row in enumerate(fit.grid):
                for c, label in enumerate(row):
                    xs, ys = cells.setdefault(label, ([], []))
                    xs.append(x_lo + (x_hi - x_lo) * c / max(1, cols - 1))
                    ys.append(y_hi - (y_hi - y_lo) * r / max(1, rows - 1))
            for label, (xs, ys) in sorted(cells.items()):
                mark = REGION_MARKS[label % len(REGION_MARKS)]
                plt.scatter(xs, ys, marker=mark, color=region_colour(label))
        labels = fit.ys if fit.ys is not None else fit.preds
        points: dict[int, tuple[list[float], list[float]]] = {}
        for x, y, label in zip(fit.xs, fit.x2, labels, strict=True):
            xs, ys = points.setdefault(int(label), ([], []))
            xs.append(x)
            ys.append(y)
        for label, (xs, ys) in sorted(points.items()):
            plt.scatter(xs, ys, marker=POINT_MARKS[label % len(POINT_MARKS)], color=point_colour(label))
