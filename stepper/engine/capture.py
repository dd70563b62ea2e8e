"""Taking a `Snapshot`: copying what a pause shows out of the live tensors.

A loop pauses five times per iteration, and most of what a pause shows did not change since the last
one (a forward leaves every parameter alone). Each piece is therefore kept with the key it was taken
under — the tensor's identity and version counter, plus the watch's generation counters for changes
no counter sees — and copied again only when that key moved.
"""

from __future__ import annotations

import dataclasses
import math
import operator
import time
import weakref
from collections import deque
from collections.abc import Callable
from types import FrameType
from typing import Any

from . import detect
from .fit import fit_view
from .graph import graph_tree
from .hooks import TorchHooks
from .snapshot import FitView, GraphNode, LossCurve, OptimizerInfo, Snapshot, TensorStats
from .source import ProjectFiles, ScriptSource
from .stats import summarize, summarize_many, summarize_sample
from .watch import ParamWatch, find_optimizer, optimizer_info

# Tensors smaller than this are always read whole: under a millisecond, and their summaries then do
# not depend on timing (a transcript of a small or mid-size model is the same from run to run).
SAMPLE_FROM = 1 << 20
# A pause that a run at full speed passes unseen (continue mode on the screen) is on a third of the
# budget, and may also sample tensors from this size when that runs short: nobody looks at it then,
# and reading a 1024×784 weight whole costs ~0.3 ms, half an optimizer step's compute. History keeps
# these summaries marked ≈; the pause where the run stops is read whole.
SAMPLE_UNSEEN_FROM = 1 << 16
UNSEEN_BUDGET = 1 / 3


class Capture:
    def __init__(
        self, project: ProjectFiles | ScriptSource, watch: ParamWatch, hooks: TorchHooks, views: bool = True
    ):
        if isinstance(project, ScriptSource):
            project = ProjectFiles(project)
        self.project = project  # the files a pause may be in: the script, or a module of its project
        # Also take what only the screen shows: the data-and-fit view, the autograd graph and the
        # optimizer's per-parameter state (momentum buffers, Adam's averages).
        self.views = views
        # Set by the session: answers True for a pause that a run at full speed passes unseen; such a
        # pause skips the views, the costliest part of a pause (`Snapshot.skipped_views` says so).
        self.skip_views: Callable[[list[str], int, int, float | None, bool], bool] | None = None
        self._views_behind = False  # a pause skipped them: the next one that takes them starts afresh
        self.watch = watch
        self.hooks = hooks
        self._optimizer: Any = None  # weak reference to the optimizer shown
        self._cache: dict[str, Any] = {}
        # name -> (weak reference to the tensor, its version, the watch's generation, its summary)
        self._summaries: dict[str, tuple[Any, int, int, TensorStats]] = {}
        self._budget: float | None = None  # seconds this pause may still spend on big summaries
        self._sample_from = SAMPLE_FROM  # tensors this big may be summarised from a sample at this pause
        # (device type, a million values or more) -> what an exact summary cost per value: apart for
        # mid-size tensors, whose fixed cost per call would make a big one look dearer than it is.
        self._seconds_per_value: dict[tuple[str, bool], float] = {}
        self._was_nonfinite = 0  # 0 all finite, 1 some Inf, 2 some NaN (at the last pause)
        self._fit: FitView | None = None
        self._graph: GraphNode | None = None
        self._recent_graphs: deque[GraphNode] = deque(maxlen=4)
        self._optimizers_added: set[int] = set()
        self._phases: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._loss_at_line: dict[tuple[str, int], float | None] = {}  # the loss found at each line, last time

    def snapshot(
        self,
        tracer: Any,
        phases: list[str],
        frame: FrameType,
        line: int,
        *,
        index: int,
        step: int,
        knobs: tuple[str, ...],
        loss_history: LossCurve,
        budget: float | None = None,
    ) -> Snapshot:
        """`budget`: the seconds this pause may spend summarising big tensors (None: no limit)."""
        self._budget = budget
        watch = self.watch
        watch.ensure_names(frame, self.project)
        info = self.project.known.get(frame.f_code.co_filename) or self.project.script_info
        optimizer = self._find_optimizer(frame)
        loss = tracer.loss_value
        bad_loss = loss is not None and not math.isfinite(loss)
        skipping = self.skip_views
        skip = self.views and skipping is not None and skipping(phases, line, step, loss, bad_loss)
        if skip:  # a pause the run passes unseen: less time, and smaller tensors may be sampled
            self._sample_from = SAMPLE_UNSEEN_FROM
            self._budget = None if budget is None else budget * UNSEEN_BUDGET
        else:
            self._sample_from = SAMPLE_FROM
        params, grads = self._tensors()
        bad = self._nonfinite_names(params, grads)
        nonfinite = bad_loss or bool(bad)
        if skip and bad and not bad_loss:
            skip = skipping(phases, line, step, loss, True)
            if not skip:  # a NaN/Inf stops the run here after all: this pause is seen, read it whole
                self._sample_from, self._budget = SAMPLE_FROM, budget
                params, grads = self._tensors()
                bad = self._nonfinite_names(params, grads)
        # How bad: 0 all finite, 1 some Inf, 2 some NaN. Said when it gets worse: the first Inf, and
        # the first NaN after it (the moment an overflowing run can no longer come back).
        level = 0
        if nonfinite:
            level = 2 if _any_nan(loss, params, grads) else 1
        scaler = tracer.scaled_by
        if level > self._was_nonfinite and not (self._was_nonfinite and scaler is not None):
            # (Under a GradScaler, Inf turning NaN is its overflow still, already explained.)
            scale = None if scaler is None else scaler.get_scale()
            tracer.notices.append(detect.nonfinite_notice(loss, bad, scale, updates=step))
        self._was_nonfinite = level
        warnings, tracer.notices = tuple(tracer.notices), []
        views = self.views and not skip
        preds = None
        if views and tracer.prediction is not None:  # only the screen's views show predictions
            preds = self._summary("(predictions)", tracer.prediction, 0)
        if views and (self._views_behind or "forward" in phases or "loss" in phases):
            self._fit, self._graph = self._fit_and_graph(tracer)
        self._views_behind = skip
        loss_before = None
        if "loss" in phases:
            loss_before = self._loss_at_line.get((info.source.path, line))
            self._loss_at_line[(info.source.path, line)] = loss
        return Snapshot(
            index=index,
            step=step,
            phases=self._phases.setdefault(tuple(phases), tuple(phases)),  # one tuple per combination
            file=info.source.path,
            line=line,
            code=info.source.line_text(line),
            loss=loss,
            params=params,
            grads=grads,
            optimizer=None if optimizer is None else self._optimizer_info(optimizer, views),
            nonfinite=nonfinite,
            warnings=warnings,
            knobs=knobs,
            preds=preds,
            fit=self._fit if views else None,
            graph=self._graph if views else None,
            loss_history=loss_history,
            skipped_views=skip,
            loss_before=loss_before,
            mode=tracer.forward_mode if "forward" in phases else None,
        )

    def with_views(self, snapshot: Snapshot, tracer: Any) -> Snapshot:
        """`snapshot`, the newest pause, with the views it skipped taken now: the run ended there (at
        full speed, nothing asked it to stop sooner), and the script changed nothing phase-like since."""
        self._sample_from, self._budget = SAMPLE_FROM, None
        fit, graph = self._fit_and_graph(tracer)
        preds = None if tracer.prediction is None else self._summary("(predictions)", tracer.prediction, 0)
        optimizer = self.optimizer
        info = snapshot.optimizer if optimizer is None else self._optimizer_info(optimizer, True)
        self._fit, self._graph, self._views_behind = fit, graph, False
        return dataclasses.replace(
            snapshot, fit=fit, graph=graph, preds=preds, optimizer=info, skipped_views=False
        )

    # --- pieces ------------------------------------------------------------------------------------------

    def _tensors(self) -> tuple[dict[str, TensorStats], dict[str, TensorStats | None]]:
        """The summaries of every watched parameter and of its .grad."""
        watch = self.watch
        summary = self._summary
        param_generation, grad_generation = watch.param_generation, watch.grad_generation
        names, params, grads = [], [], []
        later: list[tuple] = []  # changed tensors on a GPU: summarised together, below
        for name, tensor in watch.items():
            names.append(name)
            params.append(summary(name, tensor, param_generation, later, params))
            grad = tensor.grad
            if grad is None:
                grads.append(None)
            else:
                grads.append(summary(name + ".grad", grad, grad_generation, later, grads))
        if later:
            for (key, tensor, generation, shown, index), stats in zip(
                later, summarize_many([item[1] for item in later]), strict=True
            ):
                shown[index] = stats
                self._summaries[key] = (weakref.ref(tensor), _version(tensor), generation, stats)
        # Pauses that changed nothing share the same (never modified) dicts: history stays small.
        return self._same_as_last("(params)", names, params), self._same_as_last("(grads)", names, grads)

    def _summary(
        self, key: str, tensor: Any, generation: int, later: list | None = None, shown: list | None = None
    ) -> TensorStats | None:
        """`summarize`, reusing the last summary while the tensor is unchanged. With `later`, a changed
        tensor on a GPU is left to be summarised with the others (None now, at the end of `shown`)."""
        # The key holds a weak reference to the tensor: an id alone could be reused by a new tensor.
        hit = self._summaries.get(key)
        version = _version(tensor)
        if (
            hit is not None
            and hit[0]() is tensor
            and version is not None
            and hit[1] == version
            and hit[2] == generation
        ):
            stats = hit[3]
            if not stats.approx or not self._affordable(tensor):
                return stats
            # A summary taken from a sample, and this pause has the time to read the whole tensor.
        if later is not None and not tensor.is_cpu:
            later.append((key, tensor, generation, shown, len(shown)))
            return None
        stats = self._summarize_within_budget(tensor)
        self._summaries[key] = (weakref.ref(tensor), version, generation, stats)
        return stats

    def _affordable(self, tensor: Any) -> bool:
        """Can this pause read the whole tensor within what is left of its budget? (Unknown yet:
        yes, and the time it takes teaches us.)"""
        if self._budget is None or tensor.numel() < self._sample_from:
            return True
        rate = self._seconds_per_value.get(_cost_kind(tensor))
        return rate is None or rate * tensor.numel() <= self._budget

    def _summarize_within_budget(self, tensor: Any) -> TensorStats:
        """Every value when the pause can afford to read them all, else a sample (marked approx).

        A pause may take `budget` seconds (a share of the compute of the phase it follows, see
        `Session.stats_budget`). Reading a big tensor costs about the same per value each time, so the
        cost is foreseen from the last exact summaries on the same kind of device (mid-size tensors,
        read only at pauses a run passes unseen, are foreseen from their own)."""
        if not tensor.is_cpu:
            # A GPU reads a tensor in no time next to the fixed cost of asking it anything (~100 µs
            # a summary on an H200, for a thousand values as for a million): a sample would save
            # nothing, so a GPU's tensors are always read whole.
            return summarize(tensor)
        if not self._affordable(tensor):
            return summarize_sample(tensor)
        big = self._budget is not None and tensor.numel() >= self._sample_from
        started = time.perf_counter() if big else 0.0
        stats = summarize(tensor)
        if big:
            spent = time.perf_counter() - started
            self._budget -= spent
            kind = _cost_kind(tensor)
            rate = spent / tensor.numel()
            last = self._seconds_per_value.get(kind)
            # Foresee the slow case: a slower read is believed at once, a faster one only halfway
            # (the same read costs more when the tensor is out of the caches).
            self._seconds_per_value[kind] = rate if last is None or rate > last else 0.5 * (last + rate)
        return stats

    @property
    def optimizer(self) -> Any:
        """The optimizer shown: the one last used, or one found among the script's variables."""
        return None if self._optimizer is None else self._optimizer()

    def _same_as_last(self, key: str, names: list[str], values: list) -> dict:
        """{name: value}, as the same dict as last time when every name and value is the same."""
        last = self._cache.get(key)
        if last is not None and last[0] == names and all(map(operator.is_, values, last[1])):
            return last[2]
        shown = dict(zip(names, values, strict=True))
        self._cache[key] = (names, values, shown)
        return shown

    def _nonfinite_names(self, params: dict, grads: dict) -> list[str]:
        """The parameters and gradients holding NaN/Inf (looked at again only when one changed)."""
        hit = self._cache.get("(nonfinite)")
        if hit is not None and hit[0] is params and hit[1] is grads:
            return hit[2]
        bad = [name for name, s in params.items() if s.nonfinite]
        bad += [f"{name}.grad" for name, s in grads.items() if s is not None and s.nonfinite]
        self._cache["(nonfinite)"] = (params, grads, bad)
        return bad

    def _find_optimizer(self, frame: FrameType) -> Any:
        optimizer = self.hooks.latest_optimizer or self.optimizer
        if optimizer is None:
            optimizer = find_optimizer(frame, self.project)
        if optimizer is not self.optimizer:
            self._optimizer = None if optimizer is None else weakref.ref(optimizer)
        if optimizer is not None and id(optimizer) not in self._optimizers_added:
            # Its parameters are shown from the first pause on, even before they take part.
            self._optimizers_added.add(id(optimizer))
            self.watch.add_from_optimizer(optimizer)
            self.watch.ensure_names(frame, self.project)
        return optimizer

    def _optimizer_info(self, optimizer: Any, views: bool) -> OptimizerInfo:
        groups = optimizer.param_groups
        lr = groups[0].get("lr") if len(groups) == 1 else tuple(group.get("lr") for group in groups)
        # (An lr may be a tensor, which does not compare as one value: its text does.)
        key = (id(optimizer), self.watch.param_generation, lr if type(lr) is float else repr(lr), views)
        hit = self._cache.get("(optimizer)")
        if hit is None or hit[0] != key:
            state = self._optimizer_state(optimizer) if views else {}
            names = {id(tensor): name for name, tensor in self.watch.items()} if len(groups) > 1 else None
            info = optimizer_info(optimizer, state, names)
            if hit is not None and info == hit[1]:
                info = hit[1]  # nothing shown changed: keep sharing one object (and its JSON text)
            hit = self._cache["(optimizer)"] = (key, info)
        return hit[1]

    def _optimizer_state(self, optimizer: Any) -> dict[str, dict[str, Any]]:
        """The optimizer's per-parameter state (momentum buffers, Adam's averages), summarised."""
        state: dict[str, dict[str, Any]] = {}
        if not optimizer.state:
            return state
        for name, tensor in self.watch.items():
            entry = optimizer.state.get(tensor)
            if not entry:
                continue
            shown: dict[str, Any] = {}
            for key, value in entry.items():
                if value is None:
                    continue
                if hasattr(value, "dim") and value.dim() > 0:  # a tensor shaped like the parameter
                    shown[key] = self._summary(f"{name}.{key}", value, 0)
                elif hasattr(value, "item"):
                    shown[key] = float(value.item())
                elif isinstance(value, (int, float)):
                    shown[key] = float(value)
            state[name] = shown
        return state

    def _fit_and_graph(self, tracer: Any) -> tuple[FitView | None, GraphNode | None]:
        model, inputs = tracer.model_call
        prediction, target = tracer.prediction, tracer.target
        key = (inputs, prediction, target)
        hit = self._cache.get("(fit)")
        if hit is None or any(a is not b for a, b in zip((ref() for ref in hit[0]), key, strict=True)):
            fit = None
            if inputs is not None and prediction is not None:
                fit = fit_view(inputs, prediction, target, model, self.hooks, self._fit)
            # Weak references: the cache must not keep an old model's graph (and parameters) alive.
            hit = self._cache["(fit)"] = (tuple(_weak(obj) for obj in key), fit)
        root = tracer.loss_tensor if tracer.loss_tensor is not None else prediction
        names = {id(tensor): name for name, tensor in self.watch.items()}
        graph = graph_tree(getattr(root, "grad_fn", None), names)
        if graph is not None:
            # A loop draws the same few graphs (the forward's, the loss's) every iteration: share one
            # object for each, so history keeps each graph once.
            for known in self._recent_graphs:
                if known == graph:
                    return hit[1], known
            self._recent_graphs.append(graph)
        return hit[1], graph


def _any_nan(loss: float | None, params: dict, grads: dict) -> bool:
    if loss is not None and math.isnan(loss):
        return True
    return any(s.nan for s in params.values()) or any(g is not None and g.nan for g in grads.values())


def _cost_kind(tensor: Any) -> tuple[str, bool]:
    return tensor.device.type, tensor.numel() >= SAMPLE_FROM


def _weak(obj: Any) -> Any:
    """A weak reference, or a stand-in that always answers None for objects that take none."""
    if obj is None:
        return lambda: None
    try:
        return weakref.ref(obj)
    except TypeError:
        return lambda: obj


def _version(tensor: Any) -> int | None:
    """The tensor's version counter; None for an inference tensor (made under torch.inference_mode(),
    an evaluation's predictions), which has none: its summary is taken afresh each time."""
    try:
        return tensor._version
    except RuntimeError:
        return None
