"""Helpers shared by the parameter and gradient panels: values as text, changed ones highlighted."""

from __future__ import annotations

from rich.text import Text

from ...engine import TensorStats
from ...format import num, shape_text, summary_text

CHANGED = "bold underline"  # underline survives monochrome terminals
MAX_LISTED = 16  # above this many values a tensor is shown by its summary line


def listable(stats: TensorStats | None) -> bool:
    return stats is not None and stats.values is not None and stats.numel <= MAX_LISTED


def values_line(stats: TensorStats, changed: list[bool] | None = None, style: str = "") -> Text:
    """`-0.2489` for one value, `[0.1, -2, …]` for a few; elements flagged in `changed` emphasised."""
    text = Text()
    values = stats.values or ()
    if len(values) != 1:
        text.append("[")
    for i, value in enumerate(values):
        if i:
            text.append(", ")
        emphasis = changed is not None and i < len(changed) and changed[i]
        text.append(num(value), style=CHANGED if emphasis else style)
    if len(values) != 1:
        text.append("]")
    return text  # every value is shown, so nan/inf need no separate flag


def summary_line(stats: TensorStats, style: str = "") -> Text:
    return Text(summary_text(stats), style=style)


def shape_label(stats: TensorStats) -> str:
    return "" if stats.numel == 1 else f" {shape_text(stats.shape)}"
