"""The optimizer view (`m`): its type, lr and hyper-parameters, and the state it keeps per parameter
(SGD's momentum buffers, Adam's running averages exp_avg / exp_avg_sq and step count)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from ...engine import OptimizerInfo, TensorStats
from ...format import num, shape_text, tensor_text
from ..frame import Frame

# Switches that choose how PyTorch computes the update, not what it computes: left out.
IMPLEMENTATION = {"foreach", "fused", "differentiable", "capturable"}
# A word on what each kind of state holds, shown once above the per-parameter values.
STATE_NAMES = {
    "momentum_buffer": "momentum_buffer: the running direction, buf = momentum × buf + grad",
    "exp_avg": "exp_avg (m): a running average of the gradient",
    "exp_avg_sq": "exp_avg_sq (v): a running average of the gradient squared",
    "step": "step: updates so far (Adam's bias correction uses it)",
}


def hyper_text(value: Any) -> str:
    if isinstance(value, float):
        return num(value)
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(hyper_text(v) for v in value) + ")"
    return str(value)


def hyper_line(info: OptimizerInfo) -> Text:
    text = Text()
    text.append("lr ", style="bold")
    text.append(num(info.lr), style="bold")
    for key, value in info.hyper.items():
        if key in IMPLEMENTATION or value is None or (key == "maximize" and not value):
            continue
        text.append(f" · {key} {hyper_text(value)}")
    return text


def optimizer_text(frame: Frame | None) -> Text:
    snapshot = frame.snapshot if frame is not None else None
    info = snapshot.optimizer if snapshot is not None else None
    if info is None:
        why = "No torch.optim optimizer found" if snapshot is not None else "Nothing yet"
        return Text(f"{why}: this view shows one's settings and its state.", style="dim")
    text = Text()
    text.append(info.type, style="bold")
    groups = "1 param group" if info.groups == 1 else f"{info.groups} param groups (the first shown)"
    text.append(f"  {groups}\n", style="dim")
    text.append_text(hyper_line(info))
    knob = [k for k in snapshot.knobs if k.startswith("lr")]
    if knob:
        text.append(f"  ({knob[0]} by the knob)", style="bold magenta")
    text.append("\n\n")
    if not info.state:
        text.append(
            "No state yet: it appears at the first step. Plain SGD (no momentum) never keeps any.",
            style="dim",
        )
        return text
    kinds = list(dict.fromkeys(key for entry in info.state.values() for key in entry))
    for kind in kinds:
        text.append(STATE_NAMES.get(kind, kind) + "\n", style="dim")
    for name, entry in info.state.items():
        text.append("\n")
        text.append(name, style="bold cyan")
        shape = next((v.shape for v in entry.values() if isinstance(v, TensorStats)), None)
        if shape is not None:
            text.append(f" {shape_text(shape)}", style="dim")
        step = entry.get("step")
        if isinstance(step, float):
            text.append(f"  step {step:g}")
        for key, value in entry.items():
            if isinstance(value, TensorStats):
                text.append(f"\n  {key} ", style="bold")
                text.append(tensor_text(value))
    return text


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
        self.query_one(Static).update(optimizer_text(frame))
