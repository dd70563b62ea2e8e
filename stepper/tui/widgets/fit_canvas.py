"""The plotext part of the data & fit view (imported only once there is a fit to draw)."""

from __future__ import annotations

from rich.text import Text
from textual_plotext import PlotextPlot

from ...engine.snapshot import FitView
from ..terminal import plot_marker
from .fit_plot import DATA_MARK, POINT_MARKS, REGION_MARKS, point_colour, region_colour, sorted_line


class FitCanvas(PlotextPlot):
    DEFAULT_CSS = """
    FitCanvas { height: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.fit: FitView | None = None

    def plot_fit(self, fit: FitView) -> None:
        self.fit = fit
        self.refresh()

    def render(self) -> Text:
        fit = self.fit
        if fit is None:
            return Text("")
        self.plt.clear_figure()
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
        # (On an ASCII-only screen the data's • is *: the line is drawn in -, as the legend says.)
        plt.plot(xs, preds, marker=plot_marker(self, ascii_marker="-"), color=point_colour(1))

    def _classification(self, fit: FitView) -> None:
        plt = self.plt
        x_lo, x_hi = min(fit.xs), max(fit.xs)
        y_lo, y_hi = min(fit.x2), max(fit.x2)
        if fit.grid:
            # The grid is coarser than the plot at most sizes: sample it at the plot's own resolution
            # (nearest cell) so every row and column of characters gets its region mark.
            rows, cols = len(fit.grid), len(fit.grid[0])
            height, width = max(rows, self.size.height), max(cols, self.size.width)
            cells: dict[int, tuple[list[float], list[float]]] = {}
            for i in range(height):
                row = fit.grid[round(i * (rows - 1) / max(1, height - 1))]
                y = y_hi - (y_hi - y_lo) * i / max(1, height - 1)  # rows run top down
                for j in range(width):
                    label = row[round(j * (cols - 1) / max(1, width - 1))]
                    xs, ys = cells.setdefault(label, ([], []))
                    xs.append(x_lo + (x_hi - x_lo) * j / max(1, width - 1))
                    ys.append(y)
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
