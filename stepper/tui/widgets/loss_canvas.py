"""The plotext part of the loss plot (imported only once there is a loss to draw)."""

from __future__ import annotations

import math

from rich.text import Text
from textual_plotext import PlotextPlot

from ..terminal import plot_marker
from .loss_plot import downsample, linear_ticks, log_ticks, step_ticks


class LossCanvas(PlotextPlot):
    DEFAULT_CSS = """
    LossCanvas { height: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.losses: tuple[float, ...] = ()
        self.log_scale = False

    def plot_losses(self, losses: tuple[float, ...], log_scale: bool) -> None:
        self.losses = losses
        self.log_scale = log_scale
        self.refresh()

    def render(self) -> Text:
        finite = [(i + 1, v) for i, v in enumerate(self.losses) if math.isfinite(v)]
        some = bool(finite)
        if self.log_scale:
            finite = [(step, v) for step, v in finite if v > 0]
        if not finite:
            if some:  # (NLLLoss given raw scores, not log-probabilities, goes below 0)
                why = "a log scale shows losses above 0 only, and none is: l switches back"
            elif self.losses:
                why = "no finite loss to plot"
            else:
                why = "the loss appears here after the first step"
            return Text(why, style="dim")
        steps = [step for step, _ in finite]
        values = [v for _, v in finite]
        points = downsample(values, max(2, 2 * (self.size.width - 10)))
        xs = [steps[i - 1] for i, _ in points]
        ys = [math.log10(v) if self.log_scale else v for _, v in points]
        plt = self.plt
        plt.clear_figure()
        plt.plot(xs, ys, marker=plot_marker(self))
        plt.scatter([xs[-1]], [ys[-1]], marker=plot_marker(self, "●", "O"))
        low, high = min(ys), max(ys)
        if high - low <= 1e-12 * max(1.0, abs(low)):  # one value so far (or a flat loss): centre it
            pad = 0.5 if self.log_scale else (abs(low) / 2 or 1.0)
            low, high = low - pad, high + pad
        plt.ylim(low, high)
        # At most a tick every other row of the plot (its frame and the step axis take three rows).
        most = max(1, (self.size.height - 2) // 2)
        ticks, labels = (log_ticks if self.log_scale else linear_ticks)(low, high, most)
        plt.yticks(*apart(ticks, labels, low, high, self.size.height - 3))
        if len(xs) == 1:
            plt.xlim(0, 2)
        plt.xticks(*step_ticks(xs[0], xs[-1]))
        return super().render()


def apart(ticks: list[float], labels: list[str], low: float, high: float, rows: int) -> tuple[list, list]:
    """The ticks that fall at least a row and a half from the one kept before: two ticks on one row
    of a short plot both asked plotext for that row's label, and which one it wrote changed from run
    to run (with Python's string hashing)."""
    if rows <= 1 or high <= low:
        return ticks[:1], labels[:1]
    scale = (rows - 1) / (high - low)
    kept: list[tuple[float, str]] = []
    for tick, label in zip(ticks, labels, strict=True):
        if not kept or abs(tick - kept[-1][0]) * scale >= 1.5:
            kept.append((tick, label))
    return [tick for tick, _ in kept], [label for _, label in kept]
