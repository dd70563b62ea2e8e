"""The optimizer view (`m`): its type, lr and hyper-parameters, and the state it keeps per parameter
(SGD's momentum buffers, Adam's running averages exp_avg / exp_avg_sq and step count)."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from ...engine import OptimizerInfo, TensorStats
from ...format import num, shape_text, tensor_text
from ..frame import Frame

# Switches that choose how PyTorch computes the update, not what it computes: left out.
IMPLEMENTATION = {"foreach", "fused", "differentiable", "capturable"}
# What each kind of state holds, said once above the per-parameter values.
STATE_NAMES = {
    "momentum_buffer": "momentum_buffer: the running direction (momentum × buf + grad)",
    "exp_avg": "exp_avg (m): running mean of the gradient",
    "exp_avg_sq": "exp_avg_sq (v): running mean of gradient²",
    "step": "step: updates so far (for the bias correction)",
}


def hyper_text(value: Any) -> str:
    if isinstance(value, float):
        return num(value)
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(hyper_text(v) for v in value) + ")"
    return str(value)


def hyper_line(info: OptimizerInfo, knobs: tuple[str, ...]) -> Text:
    """lr first, then every hyper-parameter that changes the arithmetic (switches that are off left out)."""
    text = Text()
    text.append(f"lr {num(info.lr)}", style="bold")
    knob = next((k for k in knobs if k.startswith("lr")), None)
    if knob:
        text.append(f" ({knob} by the knob)", style="bold magenta")
    for key, value in info.hyper.items():
        if key in IMPLEMENTATION or value is None or value is False:
            continue
        text.append(f" · {key} {hyper_text(value)}")
    return text


def state_table(entry: dict[str, TensorStats | float]) -> Table:
    """One row per tensor the optimizer keeps for a parameter; long summaries wrap in their column."""
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True, style="bold")
    table.add_column()
    for key, value in entry.items():
        if isinstance(value, TensorStats):
            table.add_row(f"  {key}", tensor_text(value).removeprefix(shape_text(value.shape) + " "))
    return table


def optimizer_renderable(frame: Frame | None) -> RenderableType:
    snapshot = frame.snapshot if frame is not None else None
    info = snapshot.optimizer if snapshot is not None else None
    if info is None:
        why = "No torch.optim optimizer found" if snapshot is not None else "Nothing yet"
        return Text(f"{why}: this view shows one's settings and its state.", style="dim")
    groups = "1 param group" if info.groups == 1 else f"{info.groups} param groups (the first shown)"
    parts: list[RenderableType] = [
        Text.assemble((info.type, "bold"), (f"  {groups}", "dim")),
        hyper_line(info, snapshot.knobs),
        Text(""),
    ]
    if not info.state:
        if info.type == "SGD" and not info.hyper.get("momentum"):
            # Not "yet": plain SGD never keeps any, and saying "yet" after its steps misleads.
            why = "Plain SGD (no momentum) keeps no state: each step uses only lr and the gradient."
        else:
            why = "No state yet: it appears at the first step."
        parts.append(Text(why, style="dim"))
        return Group(*parts)
    kinds = dict.fromkeys(key for entry in info.state.values() for key in entry)
    parts.append(Text("\n".join(STATE_NAMES.get(kind, kind) for kind in kinds), style="dim"))
    for name, entry in info.state.items():
        head = Text(name, style="bold cyan")
        shape = next((v.shape for v in entry.values() if isinstance(v, TensorStats)), None)
        if shape is not None:
            head.append(f" {shape_text(shape)}", style="dim")
        step = entry.get("step")
        if isinstance(step, float):
            head.append(f"  step {step:g}")
        parts.extend([Text(""), head, state_table(entry)])
    return Group(*parts)


class OptimizerView(VerticalScroll, can_focus=False):
    DEFAULT_CSS = """
    OptimizerView { height: 1fr; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "optimizer state"
        self._key: tuple | None = None

    def compose(self) -> ComposeResult:
        yield Static()

    def show(self, frame: Frame) -> None:
        snapshot = frame.snapshot
        key = (snapshot.optimizer, snapshot.knobs) if snapshot is not None else None
        if self._key is not None and key == self._key:
            return
        self._key = key
        self.query_one(Static).update(optimizer_renderable(frame))
