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


# Steps between ticks are 1, 2, 2.5 or 5 times a power of ten, as on a ruler.
NICE_STEPS = (1.0, 2.0, 2.5, 5.0)


def nice_step_ladder(span: float):
    """Nice tick steps from about span/100 upwards, smallest first."""
    exponent = math.floor(math.log10(span)) - 2
    while True:
        for mantissa in NICE_STEPS:
            yield mantissa * 10.0**exponent
        exponent += 1


def linear_ticks(low: float, high: float, most: int = 5) -> tuple[list[float], list[str]]:
    """Evenly spaced ticks at round values (…, 0.5, 1.0, 1.5, …) inside [low, high], at least two
    where the range allows and at most `most`, labelled alike (plotext's own ticks skip labels that
    fall on a row already used, so 7.02, 6.24, 4.68 went up in uneven steps)."""
    if not high > low:
        return [low], [num(low)]
    chosen: list[float] = []
    for step in nice_step_ladder(high - low):
        first, last = math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9)
        if last - first + 1 <= max(1 if most < 2 else 2, most):
            chosen = [k * step for k in range(first, last + 1)]
            break
    if not chosen:  # a range narrower than any round step: its two ends
        return [low, high], [num(low), num(high)]
    if len(chosen) == 1 and most < 2:  # room for one label only (a plot one row high)
        return chosen, _tick_labels(chosen, step)
    if len(chosen) < 2:  # a range narrower than any round step fits twice: its two ends
        return [low, high], [num(low, 6), num(high, 6)]
    return chosen, _tick_labels(chosen, step)


def _tick_labels(values: list[float], step: float) -> list[str]:
    """Labels as short as they can be while telling the ticks apart: fixed-point with the step's
    decimals (0.5, 1.0, 1.5), or in powers of ten for huge values or tiny steps."""
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    if not math.isclose(step * 10**decimals, round(step * 10**decimals)):
        decimals += 1  # 2.5, 0.25: one digit more
    if decimals <= 5 and max(abs(v) for v in values) < 1e5:
        return ["0" if abs(v) < step / 2 else f"{v:.{decimals}f}" for v in values]
    for digits in range(2, 10):
        labels = ["0" if abs(v) < step / 2 else f"{v:.{digits}g}" for v in values]
        if len(set(labels)) == len(labels):
            return labels
    return labels


def log_ticks(low: float, high: float, most: int = 5) -> tuple[list[float], list[str]]:
    """Ticks for a log axis: positions in log10 units, labelled with real loss values. Whole powers
    of ten (1, 0.1, 0.01) when the range spans a decade or more, else round values inside it."""
    if not high > low:
        return [low], [f"{10**low:.3g}"]
    if high - low >= 1:
        for every in range(1, 1000):  # every decade, every other one, …
            first, last = math.ceil(low / every - 1e-9), math.floor(high / every + 1e-9)
            if last - first + 1 <= max(2, most):
                break
        decades = [k * every for k in range(first, last + 1)]
        if len(decades) >= 2:
            return [float(d) for d in decades], [f"{10.0**d:g}" for d in decades]
    for mantissas in ((1, 2, 5), (1, 3), (1,)):  # 0.1, 0.2, 0.5, 1, 2, …: even steps on a log axis
        values = [
            m * 10.0**e for e in range(math.floor(low) - 1, math.ceil(high) + 1) for m in mantissas
            if low - 1e-9 <= math.log10(m) + e <= high + 1e-9
        ]  # fmt: skip
        if 2 <= len(values) <= max(2, most):
            return [math.log10(v) for v in values], [f"{v:g}" for v in values]
    values, labels = linear_ticks(10**low, 10**high, most)
    kept = [(math.log10(v), label) for v, label in zip(values, labels, strict=True) if v > 0]
    return [p for p, _ in kept], [label for _, label in kept]


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
