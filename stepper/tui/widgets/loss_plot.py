"""The loss plot: loss per step, the latest point marked, linear or log scale.

plotext 5 takes the logarithm of the plotted data in place when `yscale("log")` is set, so every
re-render (a resize, a refresh) took it again and eventually crashed on a negative number. So this
widget never uses plotext's log scale: it plots log10(loss) itself on a linear axis and labels the
ticks with the real values. It also rebuilds the figure on every render from its own copy of the
data, downsampled to what the plot's width can show.

The plot itself (`LossCanvas`, a textual-plotext widget) is created when the first loss arrives, so
plotext is not imported before the first frame.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.text import Text
from textual.widget import Widget

from ...format import num
from ..frame import Frame
from .repaint import set_border_titles


def downsample(values: Sequence[float], limit: int) -> list[tuple[int, float]]:
    """At most `limit` (step, loss) points spread evenly over the run; the first and last always kept."""
    count = len(values)
    if count <= limit or limit < 2:
        return [(i + 1, values[i]) for i in range(count)]
    picks = sorted({round(k * (count - 1) / (limit - 1)) for k in range(limit)})
    return [(i + 1, values[i]) for i in picks]


def log_ticks(low: float, high: float) -> tuple[list[float], list[str]]:
    """Tick positions (in log10 units) and their labels (real loss values) for a log axis."""
    if high - low < 1e-9:
        return [low], [f"{10**low:.3g}"]
    count = 4
    positions = [low + (high - low) * k / (count - 1) for k in range(count)]
    return positions, [f"{10**p:.3g}" for p in positions]


def linear_ticks(low: float, high: float) -> tuple[list[float], list[str]] | None:
    """Ticks for a linear axis whose values plotext would label too wide (it writes 3.3e+26 out in
    full, 28 characters that push the plot out of the panel); None where its own labels are fine."""
    if max(abs(low), abs(high)) < 1e5:
        return None
    if high - low < 1e-9 * max(abs(low), abs(high)):
        return [low], [num(low)]
    count = 4
    positions = [low + (high - low) * k / (count - 1) for k in range(count)]
    return positions, [num(p) for p in positions]


def subtitle(losses: Sequence[float], log_scale: bool) -> str:
    """The latest loss, and how many points the plot cannot show (NaN, Inf, or ≤ 0 on a log axis)."""
    if not losses:
        return ""
    hidden = sum(1 for v in losses if not math.isfinite(v) or (log_scale and v <= 0))
    text = f"step {len(losses)}: {num(losses[-1])}"
    return text + (f" · {hidden} not drawn" if hidden else "")


def step_ticks(first: int, last: int, count: int = 5) -> tuple[list[int], list[str]]:
    """Whole-number step ticks (plotext would label steps 1.00, 1.25, …)."""
    if last <= first:
        return [first], [str(first)]
    ticks = sorted({round(first + (last - first) * k / (count - 1)) for k in range(count)})
    return ticks, [str(t) for t in ticks]


class LossPlot(Widget):
    """The panel: titles, a note until there is a loss, then the plot inside it."""

    DEFAULT_CSS = """
    LossPlot { height: 1fr; min-height: 6; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.losses: tuple[float, ...] = ()
        self.log_scale = False
        self.canvas: Widget | None = None
        set_border_titles(self, title="loss per step")

    def show(self, frame: Frame, log_scale: bool) -> None:
        snapshot = frame.snapshot
        losses = tuple(snapshot.loss_history) if snapshot is not None else ()
        if losses == self.losses and log_scale == self.log_scale:
            return
        self.losses = losses
        self.log_scale = log_scale
        # Only what changed is repainted: the titles (the border) and the plot (the canvas), once each.
        title = "loss per step · log" if log_scale else "loss per step"
        set_border_titles(self, title=title, subtitle=subtitle(losses, log_scale))
        if self.canvas is None and losses:
            from .loss_canvas import LossCanvas

            self.canvas = LossCanvas()
            self.mount(self.canvas)
        if self.canvas is not None:
            self.canvas.plot_losses(losses, log_scale)

    def render(self) -> Text:
        return Text("the loss appears here after the first step", style="dim")
