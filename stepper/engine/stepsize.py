"""`lr-too-low`: updates far shorter than the slope allows, seen from how the gradient changes.

After an update Δp, compare the gradient the step used (g) with the gradient at the next backward
(g'). Along Δp the loss is about a parabola whose slope is g·Δp and whose curvature over one step is
(g' − g)·Δp, so its bottom lies

    R = −(g·Δp) / ((g' − g)·Δp)

steps away: R ≈ 1 means the update nearly reached the bottom along its own direction; R = 700 means
a step 700 times longer would still have gone downhill. Only what the update did counts, not how it
was made, so SGD, momentum, Adam and a hand-written update are read alike.

Measured on full-batch runs of small models (the `*lr_too_low*`, `minibatch_good_lr`,
`ill_conditioned_fine`, `converged_full_batch` and `lr_warmup_decay` scripts in tests/scripts are
some of them):

- healthy learning rates start at R ≈ 0.5–20 (the line fit at lr 0.1: 6.7; a small CNN with Adam at
  1e-3: 3.7; an MLP classifier with SGD at 0.1: 8.5, with Adam at 1e-3: 34). Many climb into the
  hundreds or thousands later at the same lr: near the end of an ill-conditioned fit (inputs on
  scales 1 and 10: R 0.9 at first, then 130) or as a classifier's margins grow and its curvature
  fades (8.5 → 130; a CNN at 3.7 → 970);
- 10× too small starts at R ≈ 35–150 (the line fit at lr 0.01: 67, rising to 120);
- 100× or more too small stays above ~80 from the first update on (the `lr-too-low` lesson, SGD at
  0.001: 670–710; at 1e-4: 6,700; Adam at 1e-3 on the same line: 1,250; an MLP 100× below a good lr:
  82–127 with SGD, 1,750 with Adam at 1e-5);
- minibatches make g' − g mostly noise, and R comes out small (0.3–5 typically): those runs come
  below REACHED within a few updates and are never warned about. A missed warning costs less than a
  false one.

Hence the rule: warn once, when STREAK measured updates in a row had R above TOO_SHORT while the loss
fell at each, and no update of the run so far came within REACHED of the bottom: one that did shows a
learning rate of the right order, whatever the later updates show.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

from . import detect
from .snapshot import Notice, TensorStats
from .stats import strided_sample

# An update this many times shorter than the bottom of its own direction counts as far too short.
TOO_SHORT = 100.0
# One update within this factor of the bottom shows the learning rate is of the right order: the run
# is left alone from then on (healthy runs start below ~35; runs 100× too slow stay above ~80).
REACHED = 50.0
# This many measured updates in a row, each far too short, with the loss falling at every one.
STREAK = 10
# Tensors with no values in the snapshot (more than 64 elements) are read from an evenly strided
# sample of about this many values, on their own device: dot products need no more precision.
SAMPLE = 1024


class Reading(NamedTuple):
    """Values of the parameters (or their gradients) that have gradients, at one pause.

    `small`: name -> every value, from the snapshot. `big_names`: those read from a strided sample of
    the live tensor instead, in order; `big`: their samples joined in one float32 tensor on their
    device (None when there are none)."""

    small: dict[str, tuple[float, ...]]
    big_names: tuple[str, ...] = ()
    big: Any = None
    sizes: tuple[tuple[int, int], ...] = ()  # per big tensor: (its values, the sample's)


def step_ratio(
    grad: Reading, before: Reading, after: Reading, next_grad: Reading, weights: Any = None
) -> float | None:
    """R for one update: how many times longer the step could have been and still reach the bottom
    along its own direction. 0 when the step went uphill by the gradient it used (it overshot: not
    too short); None when it cannot be told (nothing moved, no curvature along the step, or the
    readings do not hold the same tensors). `weights`: per value of the `big` samples, how many values
    of its tensor it stands for."""
    small, g_next, p_before, p_after = grad.small, next_grad.small, before.small, after.small
    if not len(small) == len(g_next) == len(p_before) == len(p_after):
        return None
    if not (grad.big_names == next_grad.big_names == before.big_names == after.big_names):
        return None
    slope = bent = 0.0  # g·Δp, and g'·Δp
    try:
        for name, g in small.items():
            g2, p1, p2 = g_next[name], p_before[name], p_after[name]
            if not len(g) == len(g2) == len(p1) == len(p2):
                return None
            # (Plain loops: most such tensors hold one value, and this beats map and sum there.)
            for x, y, u, v in zip(g, g2, p1, p2, strict=True):
                moved = v - u
                slope += x * moved
                bent += y * moved
    except KeyError:  # not the same tensors
        return None
    curvature = bent - slope  # (float64 arithmetic: keeps 1/R's digits even for R in the millions)
    if grad.big is not None:
        # On the device, in float32: the gradients' difference is taken per value before the sums, so
        # no digits are lost to the cancellation of two nearly equal sums.
        moved = after.big - before.big
        if weights is not None:
            moved = moved * weights
        big_slope, big_curvature = _stack(
            (grad.big * moved).sum(), ((next_grad.big - grad.big) * moved).sum()
        )
        slope += big_slope
        curvature += big_curvature
    if not (math.isfinite(slope) and math.isfinite(curvature)):
        return None
    if slope > 0:
        return 0.0
    if slope == 0 or curvature <= 0:
        # Nothing moved (or only across the slope), or the loss is flat or bending down along the
        # step: no bottom to measure against.
        return None
    return -slope / curvature


def _stack(a: Any, b: Any) -> list[float]:
    import torch

    return torch.stack([a, b]).tolist()  # one wait for the device, not two


class StepSizeWatch:
    """Follows one run's pauses and says `lr-too-low` once, when its updates are far too short.

    An update is measured only between two backwards with exactly one update between them, each
    backward's gradients its own (a zero_grad before it, no GradScaler scaling them) and both from the
    same line: gradient accumulation, a forgotten zero_grad, two losses taking turns (a GAN, SAM) are
    left unmeasured, and they break a streak."""

    def __init__(self) -> None:
        self.ratios: deque[float] = deque(maxlen=100)  # R of the latest measured updates (for tests)
        self._streak: list[float] = []  # R of the latest updates in a row found far too short
        self._reached = False  # an update came within REACHED of the bottom: the lr is fine
        self._said = False
        self._cleared = True  # the next backward's gradients will be its own (none before it)
        self._grad: Reading | None = None  # the latest backward's gradients, when its own
        self._grad_line = 0
        self._grads_seen: dict | None = None  # the snapshot's gradients at that backward
        self._before: Reading | None = None  # the parameters before the next update
        self._updates = 0  # updates since the latest backward
        self._lr: float | None = None
        # The update waiting for the next backward: (gradients it used, parameters before, after, line).
        self._pending: tuple[Reading, Reading, Reading, int] | None = None
        self._weights: dict[tuple, Any] = {}  # per set of sampled tensors and device
        self._measured = 0  # updates measured so far
        # Updates that only build up momentum, left out of a streak: SGD with momentum μ takes about
        # 1/(1 − μ) updates to reach its full step (at μ = 0.99 the first dozen are short by design).
        self._building = 0

    @property
    def done(self) -> bool:
        """Nothing more to say in this run: said already, or the learning rate proved big enough."""
        return self._said or self._reached

    def pause(
        self,
        phases: Sequence[str],
        params: dict[str, TensorStats],
        grads: dict[str, TensorStats | None],
        live: Callable[[], list[tuple[str, Any]]],
        *,
        line: int,
        lr: float | None,
        losses: Sequence[float],
        own_grads: bool = True,
        momentum: float = 0.0,
    ) -> Notice | None:
        """Take in one pause (its phases in order, the snapshot's tensors as they are at its end).
        `live` lists the watched (name, tensor) pairs, for tensors too big to have values in the
        snapshot; `own_grads` is False when a backward here added to gradients zero_grad left (the live
        knob) or was scaled by a GradScaler."""
        if self._said or self._reached:
            return None
        if 0 < momentum < 1:
            self._building = math.ceil(1 / (1 - momentum))
        notice = None
        last = len(phases) - 1
        for i, phase in enumerate(phases):
            if phase == "zero_grad":
                self._cleared = True
            elif phase == "backward":
                later = phases[i + 1 :] if i < last else ()
                # The gradients read at the end of this pause are this backward's own only when nothing
                # after it in the same pause cleared them or added to them.
                own = self._cleared and own_grads and "zero_grad" not in later and "backward" not in later
                grad = self._read(grads, grads, live, True) if own else None  # (those that have one)
                notice = self._measure(grad, line, losses) or notice
                self._grad, self._grad_line, self._grads_seen = grad, line, grads
                self._cleared = False
                self._updates = 0
                if self._before is None and grad is not None and "step" not in later:
                    self._before = self._read(params, _names(grad), live, False)
            elif phase == "step":
                self._updates += 1
                later = phases[i + 1 :] if i < last else ()
                if "step" in later:
                    continue  # (the parameters read at the end of this pause are after both)
                # The parameters whose gradients the step used (a zero_grad later in this pause may
                # have set them to None since).
                used = self._grad
                names = _names(used) if used is not None else [n for n, g in grads.items() if g is not None]
                after = self._read(params, names, live, False)
                if lr is not None and self._lr is not None and lr > self._lr:
                    self._streak.clear()  # a warm-up or the live knob raised it: start again
                self._lr = lr
                self._pending = None
                # Gradients summarised anew since the backward were edited before the step used them
                # (clipped, or a penalty added by hand), unless a zero_grad after the step did it (a
                # hand-written `p -= lr * p.grad; p.grad.zero_()`, on one pause).
                kept = grads is self._grads_seen or "zero_grad" in later
                if self._updates == 1 and used is not None and self._before is not None and kept:
                    self._pending = (used, self._before, after, self._grad_line)
                self._before = after
            if self._said or self._reached:
                break
        return notice

    def _measure(self, grad: Reading | None, line: int, losses: Sequence[float]) -> Notice | None:
        """A backward came: measure the update before it, if there was exactly one."""
        pending, self._pending = self._pending, None
        if pending is None or grad is None or self._updates != 1 or pending[3] != line:
            self._streak.clear()
            return None
        used, before, after, _ = pending
        ratio = step_ratio(used, before, after, grad, self._weights_for(grad))
        if ratio is None:
            return None
        self.ratios.append(ratio)
        self._measured += 1
        if ratio < REACHED:
            self._reached = True
            return None
        if ratio <= TOO_SHORT or self._measured <= self._building:
            self._streak.clear()
            return None
        self._streak.append(ratio)
        del self._streak[:-STREAK]
        if len(self._streak) < STREAK:
            return None
        recent = [v for v in losses[-STREAK - 1 :] if math.isfinite(v)]
        falling = len(recent) == STREAK + 1 and all(b <= a for a, b in zip(recent, recent[1:], strict=False))
        if not falling or recent[-1] >= recent[0]:
            return None
        self._said = True
        return detect.lr_too_low_notice(STREAK, recent[0], recent[-1], min(self._streak), self._lr)

    def _read(self, stats: dict[str, Any], names: Iterable[str], live, of_grads: bool) -> Reading:
        """The values of `stats` (parameters, or their gradients) named `names`, where they have any."""
        small: dict[str, tuple[float, ...]] = {}
        big: list[str] = []
        for name in names:
            summary = stats.get(name)
            if summary is None:
                continue
            values = summary.values
            if values is not None:
                small[name] = values
            else:
                big.append(name)
        if not big:
            return Reading(small)
        tensors = dict(live())
        names, samples, sizes = [], [], []
        for name in big:
            tensor = tensors.get(name)
            if tensor is not None and of_grads:
                tensor = tensor.grad
            flat = _flat(tensor)
            if flat is not None:
                sample = strided_sample(flat, SAMPLE)
                names.append(name)
                samples.append(sample)
                sizes.append((flat.numel(), sample.numel()))
        if not samples:
            return Reading(small)
        import torch

        device = samples[0].device
        joined = torch.cat([s.to(device=device, dtype=torch.float32) for s in samples])  # (a copy)
        return Reading(small, tuple(names), joined, tuple(sizes))

    def _weights_for(self, reading: Reading) -> Any:
        """Per sampled value, how many values of its tensor it stands for (kept per set of tensors)."""
        if reading.big is None:
            return None
        key = (reading.big_names, reading.sizes, str(reading.big.device))
        weights = self._weights.get(key)
        if weights is None:
            import torch

            parts = [torch.full((taken,), whole / taken) for whole, taken in reading.sizes]
            weights = self._weights[key] = torch.cat(parts).to(reading.big.device)
        return weights


def _names(reading: Reading) -> list[str]:
    return [*reading.small, *reading.big_names]


def _flat(tensor: Any) -> Any:
    """A flat view of a dense floating-point tensor, or None (a sparse or non-contiguous one would be
    copied whole to flatten: not worth it for one warning)."""
    if tensor is None or not tensor.is_floating_point() or tensor.is_sparse or not tensor.is_contiguous():
        return None
    return tensor.detach().view(-1)
