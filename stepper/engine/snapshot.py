"""The one description of a pause that every front end renders.

A `Snapshot` is plain data: numbers copied out of the live tensors at the moment of the pause, so a
later phase can never change what an earlier snapshot shows. It knows nothing of torch (the values are
Python floats and lists) and nothing of the screen.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

# The five phases of one training iteration, in the order a canonical loop runs them.
PHASES = ("forward", "loss", "zero_grad", "backward", "step")


class TensorStats(NamedTuple):
    """Summary of one tensor: shape, dtype, device, statistics and, for small tensors, every value.

    A named tuple rather than a dataclass: thousands are made per second while a loop runs.
    """

    shape: tuple[int, ...]
    dtype: str
    device: str
    numel: int
    mean: float | None
    std: float | None  # population standard deviation (divides by n)
    min: float | None
    max: float | None
    norm: float | None  # L2 norm
    nan: int = 0
    inf: int = 0
    zeros: bool = False  # every element is exactly zero
    # Full flat values (row-major) when the tensor has at most SMALL_TENSOR elements, else None.
    values: tuple[float, ...] | None = None
    # Bigger tensors: how many finite values fall in each of HIST_BINS equal bins over [min, max]
    # (torch.histc's binning). None for small tensors and when no value is finite.
    hist: tuple[int, ...] | None = None
    # The statistics come from an evenly strided sample, not every value: summarising every value
    # would have cost more than the pause's time budget (see `Session.stats_budget`).
    approx: bool = False

    @property
    def nonfinite(self) -> bool:
        return self.nan > 0 or self.inf > 0

    def to_json(self) -> dict[str, Any]:
        f = _json_float
        return {
            "shape": list(self.shape),
            "dtype": self.dtype,
            "device": self.device,
            "numel": self.numel,
            "mean": f(self.mean),
            "std": f(self.std),
            "min": f(self.min),
            "max": f(self.max),
            "norm": f(self.norm),
            "nan": self.nan,
            "inf": self.inf,
            "zeros": self.zeros,
            "values": None if self.values is None else [f(v) for v in self.values],
            "hist": None if self.hist is None else list(self.hist),
            "approx": self.approx,
        }


@dataclass(frozen=True)
class OptimizerInfo:
    """The optimizer's type and the hyper-parameters of its first param group (lr, momentum, ...)."""

    type: str
    lr: float | None
    hyper: dict[str, Any] = field(default_factory=dict)
    groups: int = 1
    # Per parameter name: the optimizer's state for it (momentum_buffer, exp_avg, exp_avg_sq: tensors
    # summarised; step: a number). Empty before the first step.
    state: dict[str, dict[str, TensorStats | float]] = field(default_factory=dict)
    # With several param groups: per parameter name, the settings of its own group ("lr" and the
    # hyper-parameters), where they differ from the first group's. (Not in the JSON schema.)
    group_settings: dict[str, dict[str, Any]] = field(default_factory=dict)

    def settings_of(self, name: str) -> tuple[float | None, dict[str, Any]]:
        """(lr, hyper-parameters) of the param group that holds parameter `name`."""
        own = self.group_settings.get(name)
        if own is None:
            return self.lr, self.hyper
        return own.get("lr", self.lr), {**self.hyper, **{k: v for k, v in own.items() if k != "lr"}}

    def to_json(self) -> dict[str, Any]:
        state = {
            name: {k: v.to_json() if isinstance(v, TensorStats) else _json_float(v) for k, v in entry.items()}
            for name, entry in self.state.items()
        }
        return {
            "type": self.type,
            "lr": _json_float(self.lr),
            "hyper": self.hyper,
            "groups": self.groups,
            "state": state,
        }


@dataclass(frozen=True)
class Notice:
    """Something stepper noticed that a learner should look at (a stable code and a sentence)."""

    code: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True)
class GraphNode:
    """One operation in the autograd graph (or a parameter at a leaf), with its inputs below it."""

    label: str
    children: tuple[GraphNode, ...] = ()
    param: str | None = None  # the parameter's name, at an AccumulateGrad leaf

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, "param": self.param, "children": [c.to_json() for c in self.children]}


@dataclass(frozen=True)
class FitView:
    """Data and predictions for a plot: `kind` is "regression" (xs, ys = targets or None, preds) or
    "classification" (points xs/x2, ys = class labels, preds = predicted classes, grid = the class
    predicted over the plane, rows top down)."""

    kind: str
    xs: Sequence[float]  # compact arrays of floats; the data's are shared between pauses
    ys: Sequence[float] | None
    preds: Sequence[float]
    x2: Sequence[float] = ()
    grid: tuple[tuple[int, ...], ...] | None = None


class LossCurve(Sequence[float]):
    """The first `n` values of a run's append-only loss list: a copy-free, unchanging view.

    Every snapshot of a run shares one list; each sees only the updates that had happened by then.
    """

    __slots__ = ("_values", "_n")

    def __init__(self, values: list[float], n: int):
        self._values = values
        self._n = n

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, index):
        return self._values[: self._n][index]

    def __iter__(self):
        return iter(self._values[: self._n])

    def __repr__(self) -> str:
        return f"LossCurve(n={self._n})"


@dataclass(slots=True)
class Snapshot:
    """One pause of the script, right after one or more training phases completed.

    Never changed once made (`dataclasses.replace` makes a changed copy). Not declared frozen only
    because a frozen dataclass is slow to make, and a running loop makes five of these per iteration.
    """

    index: int  # 0-based number of this pause in the run
    step: int  # parameter updates completed so far, counting one this pause reports
    phases: tuple[str, ...]  # phases completed since the previous pause, in order
    file: str
    line: int
    code: str  # text of the line just executed (stripped)
    loss: float | None  # latest loss value seen, or None before the first loss
    params: dict[str, TensorStats]
    grads: dict[str, TensorStats | None]  # None where .grad is None
    optimizer: OptimizerInfo | None
    nonfinite: bool  # the loss or any param/grad holds NaN or Inf
    warnings: tuple[Notice, ...] = ()
    knobs: tuple[str, ...] = ()  # live knobs turned away from normal ("lr ×10", "zero_grad skipped")
    preds: TensorStats | None = None  # the latest forward's output
    fit: FitView | None = None  # data and predictions, when the model's shapes can be drawn
    graph: GraphNode | None = None  # the autograd graph from the latest loss (or predictions)
    # The loss value at every update so far (one float per completed step, the latest last).
    loss_history: LossCurve = field(default_factory=lambda: LossCurve([], 0))
    # Passed at full speed (continue mode) where nobody was looking: `fit` and `graph` were not taken
    # and `optimizer` holds no per-parameter state (see `Session._skips_views`).
    skipped_views: bool = False
    # An old pause thinned to fit the history's memory budget (engine/history.py): tensors keep their
    # statistics but not their values, and `fit` is gone.
    summary_only: bool = False
    # At a pause that found the loss: the loss found at this same line the time before (None the
    # first time), to compare like with like when a loss is built over several lines.
    loss_before: float | None = None
    # At a pause with a forward, how the model ran when that was not plain training: "eval",
    # "no_grad", "eval, no_grad" or "eval, inference_mode" (None in train mode with gradients on).
    mode: str | None = None

    @property
    def cleared_then_backward(self) -> bool:
        """This pause's line cleared the gradients and then ran a backward (`opt.zero_grad();
        loss.backward()` on one line): the .grad values it shows are that backward's own, however
        the pause before left them. (Not with the skip-zero_grad knob on: that clearing did nothing.)"""
        phases = self.phases
        if "zero_grad" not in phases or "backward" not in phases or "zero_grad skipped" in self.knobs:
            return False
        return phases.index("zero_grad") < phases.index("backward")

    def to_json(self, lean: bool = False) -> dict[str, Any]:
        """The JSONL pause object (`lean` leaves params/grads as None for a writer that fills them)."""
        return {
            "event": "pause",
            "index": self.index,
            "step": self.step,
            "phases": list(self.phases),
            "file": self.file,
            "line": self.line,
            "code": self.code,
            "loss": _json_float(self.loss),
            "params": None if lean else {name: stats.to_json() for name, stats in self.params.items()},
            "grads": None if lean else {n: None if s is None else s.to_json() for n, s in self.grads.items()},
            "optimizer": None if self.optimizer is None else self.optimizer.to_json(),
            "nonfinite": self.nonfinite,
            "warnings": [w.to_json() for w in self.warnings],
            "knobs": list(self.knobs),
            "mode": self.mode,
        }


@dataclass(frozen=True)
class ScriptError:
    """An exception raised by the user's script, located in the user's own code."""

    type: str
    message: str
    file: str | None
    line: int | None
    # The user-code part of the traceback, formatted (never stepper's own frames).
    traceback: str = ""
    # What a learner's usual error of this kind means and what to change (engine/hints.py), or "".
    hint: str = ""

    def to_json(self) -> dict[str, Any]:
        where = {"file": self.file, "line": self.line}
        return {"type": self.type, "message": self.message, **where, "hint": self.hint}


@dataclass(frozen=True)
class RunEnd:
    """How a run finished: ok (ran to the end, or stopped on request) or error."""

    steps: int
    status: str  # "ok" | "error"
    error: ScriptError | None = None
    stopped: bool = False  # ended early by --steps or stop()
    exited: bool = False  # the script called sys.exit() (or raised SystemExit)
    # The status `python SCRIPT` would have ended with: the script's own sys.exit(N), 130 for a
    # KeyboardInterrupt it raised, 1 for any other error, else 0.
    exit_code: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "event": "end",
            "steps": self.steps,
            "status": self.status,
            "error": None if self.error is None else self.error.to_json(),
            "exit_code": self.exit_code,
        }


def _json_float(value: float | None) -> float | str | None:
    """JSON has no NaN/Infinity: write them as the strings "nan", "inf", "-inf"."""
    if value is None or math.isfinite(value):
        return value
    if math.isnan(value):
        return "nan"
    return "inf" if value > 0 else "-inf"
