"""What just happened, in words and in this run's own numbers.

`explain(snapshot, previous)` turns one pause (and the pause before it) into short paragraphs, one per
phase the pause completed. For a step it also works the update out by hand — SGD, SGD with momentum
or Adam, with the optimizer's real state — and checks the result against the parameter's actual new
value (`update_checks`). Every front end can show these; none of it knows about the screen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..engine.snapshot import Snapshot, TensorStats
from ..format import num, shape_text

MAX_PARAMS = 4  # parameters described one by one; the rest are summed up
MAX_ELEMENTS = 3  # elements of one parameter worked out by hand


@dataclass(frozen=True)
class UpdateCheck:
    """One element's update, worked out by hand and compared with what the optimizer did."""

    param: str
    index: int
    formula: str  # the arithmetic with the real numbers
    expected: float
    actual: float

    @property
    def ok(self) -> bool:
        if math.isnan(self.expected) or math.isnan(self.actual):
            return math.isnan(self.expected) and math.isnan(self.actual)  # (NaN in, NaN out: right)
        if math.isinf(self.expected) or math.isinf(self.actual):
            return self.expected == self.actual
        scale = max(1.0, abs(self.expected), abs(self.actual))
        return math.isclose(self.expected, self.actual, rel_tol=1e-4, abs_tol=1e-6 * scale)


def explain(snapshot: Snapshot, previous: Snapshot | None) -> list[str]:
    """One paragraph per phase of this pause (and one per warning)."""
    paragraphs = []
    for phase in snapshot.phases:
        text = _EXPLAINERS[phase](snapshot, previous)
        if text:
            paragraphs.append(text)
    paragraphs.extend(f"⚠ {w.message}" for w in snapshot.warnings)
    return paragraphs


def _forward(snapshot: Snapshot, previous: Snapshot | None) -> str:
    preds = snapshot.preds
    if preds is None:  # (a pause a run passed at full speed: how the model ran is still known)
        mode = snapshot.mode or ""
        recorded = ""
        if "no_grad" in mode or "inference_mode" in mode:
            recorded = (
                " Gradients were off (torch.no_grad() or inference_mode), so autograd recorded nothing: "
                "no path for backward to follow, and no memory spent keeping one."
            )
        return "forward: the model turned the inputs into predictions." + recorded + _mode_sentence(mode)
    rows = preds.shape[0] if preds.shape else 1
    if len(preds.shape) == 2 and preds.shape[1] > 1:
        # A classifier's output: a score (logit) per class for each example; the guess is the highest.
        what = f"{rows} examples × {preds.shape[1]} scores (logits), the highest being each one's guess,"
    else:
        what = f"{rows} guesses, one per example,"
    if preds.nan or preds.inf:
        spread = f"{preds.inf} of them ±inf and {preds.nan} NaN"
        if preds.min is not None and preds.min == preds.min:
            spread += f", the finite ones from {num(preds.min)} to {num(preds.max)}"
    else:
        spread = f"from {num(preds.min)} to {num(preds.max)} (mean {num(preds.mean)})"
    where = f"{shape_text(preds.shape)}: {what} {spread}"
    if snapshot.graph is None:
        # No grad_fn on the predictions: under torch.no_grad() (the no-grad lesson) autograd kept nothing.
        recorded = (
            "Autograd recorded nothing this time (the predictions have no grad_fn: torch.no_grad() was "
            "on, or nothing in the model requires grad), so there is no path for backward to follow "
            "and no memory spent keeping one."
        )
    else:
        recorded = (
            "PyTorch did record how each prediction was computed, so backward can follow the path back."
        )
    return (
        f"forward: the model turned the inputs into predictions of shape {where}. A forward only "
        f"reads the parameters: their values and every .grad are exactly as before. {recorded}"
        + _mode_sentence(snapshot.mode)
    )


def _mode_sentence(mode: str | None) -> str:
    """What the model's mode changed in this forward (nothing to add in plain training)."""
    if not mode or "eval" not in mode:
        return ""
    return (
        " The model was in eval mode (model.eval()): dropout layers kept every value and batch-norm "
        "layers used their stored running statistics, so the same input gives the same output; "
        "model.train() switches back."
    )


def _loss(snapshot: Snapshot, previous: Snapshot | None) -> str:
    text = (
        f"loss: one number for how wrong all the predictions are together: {num(snapshot.loss)}. "
        "Lower is better; training is the search for parameter values that make it small."
    )
    # Compared with what this same line found last time: a loss built over several lines (`mse`
    # here, `loss = mse + penalty` further on) is then compared with itself, not with the total.
    before = snapshot.loss_before
    if before is not None and snapshot.loss is not None and math.isfinite(snapshot.loss):
        change = snapshot.loss - before
        direction = "down" if change < 0 else "up" if change > 0 else "unchanged"
        by = f" by {num(abs(change))}" if change else ""
        text += f" The last time this line ran it was {num(before)}: {direction}{by}."
    return text


def _zero_grad(snapshot: Snapshot, previous: Snapshot | None) -> str:
    grads = list(snapshot.grads.values())
    before = previous.grads if previous is not None else {}
    had_values = any(g is not None and not g.zeros for g in before.values())
    kept = [name for name, g in snapshot.grads.items() if g is not None and not g.zeros]
    if "zero_grad skipped" in snapshot.knobs:
        state = (
            "The skip-zero_grad knob (z) made this call do nothing: every .grad still holds what it "
            "held, and the next backward will add to it."
        )
    elif snapshot.cleared_then_backward:
        state = "It cleared the gradients, and the backward after it on the same line filled them again."
        if not had_values:
            state += " There was nothing to clear yet: it matters from the next iteration on."
    elif grads and all(g is None for g in grads):
        state = "Every .grad is now None (PyTorch's default, set_to_none=True): no tensor at all."
    elif grads and all(g is None or g.zeros for g in grads):
        state = "Every .grad is now a tensor of zeros (set_to_none=False keeps the tensor, zeroed)."
    elif kept and len(kept) < len(grads):
        state = (
            f"It cleared the gradients it was about (an optimizer clears only its own parameters'); "
            f"{_names(kept)} still hold theirs."
        )
    else:
        state = "No gradient was cleared: every .grad still holds values."
    if not had_values and not kept:
        state += " There was nothing to clear yet — it matters from the next iteration on."
    return (
        f"zero_grad: {state} backward adds to whatever .grad holds, so without this line each "
        "iteration's gradients would pile on top of the last ones."
    )


def _backward(snapshot: Snapshot, previous: Snapshot | None) -> str:
    if snapshot.grads and all(grad is None for grad in snapshot.grads.values()):
        return (
            "backward: autograd followed the graph from the loss back to the parameters, but handed "
            "the gradients back to the script instead of storing them (torch.autograd.grad does that), "
            "so every .grad is still None. The update uses the tensors it returned."
        )
    # (A clearing earlier on this pause's line left nothing for this backward to add to.)
    before = previous.grads if previous is not None and not snapshot.cleared_then_backward else {}
    filled, added, untouched, absent = [], [], [], []
    for name, grad in snapshot.grads.items():
        old = before.get(name)
        if grad is None:
            absent.append(name)
        elif old is not None and old == grad:
            untouched.append(name)  # (this loss does not use it: what it holds is older)
        elif old is not None and not old.zeros:
            added.append(name)
        else:
            filled.append(name)
    parts = []
    for name in (filled + added)[:MAX_PARAMS]:
        grad = snapshot.grads[name]
        old = before.get(name)
        if name in added and old is not None and grad.values is not None and old.values is not None:
            # What this backward itself contributed is the difference: the sum is not its reading.
            own = tuple(new - was for new, was in zip(grad.values, old.values, strict=True))
            parts.append(_gradient_sentence(name, grad._replace(values=own), added=True))
            parts.append(f"{name}.grad now holds the sum, {_values_text(grad)}, and the step will use that.")
        else:
            parts.append(_gradient_sentence(name, grad))
    more = len(filled) + len(added) - MAX_PARAMS
    if more > 0:
        parts.append(f"(and {more} more parameters)")
    if added:
        parts.append(
            f"{_names(added)}: this backward added its gradient to what .grad already held (no "
            "zero_grad in between), so .grad is the sum of both."
        )
    if untouched:
        parts.append(f"{_names(untouched)}: .grad unchanged, this loss does not depend on it.")
    if absent:
        parts.append(f"{_names(absent)}: .grad is None, this loss does not depend on it (or it is frozen).")
    stored = [snapshot.grads[name] for name in filled + added]
    if stored and all(grad.zeros for grad in stored):
        parts.append(
            "Every gradient is exactly 0: nudging any parameter would not change this loss at all, so "
            "the step has nothing to follow and the parameters will not move. A loss that cannot "
            "change is the usual cause (one class for CrossEntropyLoss, a constant or detached output)."
        )
    return (
        "backward: autograd followed the graph from the loss back to the parameters and stored, in "
        ".grad, how the loss changes when each parameter grows. " + " ".join(parts)
    )


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:MAX_PARAMS])
    return shown + (f" and {len(names) - MAX_PARAMS} more" if len(names) > MAX_PARAMS else "")


def _values_text(grad: TensorStats) -> str:
    if grad.values is not None and len(grad.values) == 1:
        return num(grad.values[0])
    return f"entries between {num(grad.min)} and {num(grad.max)}"


def _gradient_sentence(name: str, grad: TensorStats, added: bool = False) -> str:
    label = f"This backward's own part of {name}.grad" if added else f"{name}.grad"
    if grad.values is not None and grad.numel == 1:
        g = grad.values[0]
        if not math.isfinite(g):
            return (
                f"{label} = {num(g)}: no direction can be read from it, and the step will carry it "
                f"into {name}."
            )
        if g == 0:
            return f"{label} = 0: nudging {name} would not change the loss."
        sign, way = ("negative", "raising") if g < 0 else ("positive", "lowering")
        then = "" if added else ", so the step will move it that way"
        return f"{label} = {num(g)} is {sign}: {way} {name} would lower this loss{then}."
    if added and grad.values is not None:
        return f"{label} has entries between {num(min(grad.values))} and {num(max(grad.values))}."
    if grad.nan or grad.inf:
        return f"{label} holds {grad.inf} ±inf and {grad.nan} NaN values: it no longer points anywhere."
    return (
        f"{name}.grad has {grad.numel} entries between {num(grad.min)} and {num(grad.max)} "
        f"(size, or norm, {num(grad.norm)}): each says which way its own weight should move."
    )


def _step(snapshot: Snapshot, previous: Snapshot | None) -> str:
    opt = snapshot.optimizer
    kind = opt.type if opt else "a hand-written update"
    checks = update_checks(snapshot, previous)
    which = "every parameter"
    moved = list(snapshot.params)
    if previous is not None:
        moved = [name for name, stats in snapshot.params.items() if previous.params.get(name) != stats]
        if len(moved) < len(snapshot.params):
            # (Two optimizers, as in a GAN: each step moves only the parameters it was given.)
            shown = ", ".join(moved[:MAX_PARAMS]) + (", …" if len(moved) > MAX_PARAMS else "")
            which = f"{len(moved)} of the {len(snapshot.params)} parameters ({shown or 'none'})"
    against = "along" if opt is not None and opt.hyper.get("maximize") else "against"
    lines = [f"step: {kind} updated {which}, moving {against} the gradient by its rule:"]
    if opt is not None:
        lines.append(_rule(snapshot))
        lines.extend(_rounded_away(snapshot, previous, moved))
    for check in checks:
        mark = "✓" if check.ok else f"✗ actual {num(check.actual, 6)}"
        lines.append(f"  {check.param}[{check.index}]: {check.formula} {mark}")
    # Only the first few elements of the first few small parameters are worked out: say so.
    rest = len(moved) - len({check.param for check in checks})
    if checks and rest > 0:
        lines.append(f"(and {rest} more parameters, by the same rule)")
    return "\n".join(lines)


def _rounded_away(snapshot: Snapshot, previous: Snapshot | None, moved: list[str]) -> list[str]:
    """Parameters the step left exactly as they were although their gradients are not zero, because
    each change was below what float32 can hold next to the value: a learning rate far too small
    (1e-10) looks like an optimizer that skipped them. Worked out for plain SGD (a change of lr × grad)
    and Adam (about lr a step), on parameters small enough to keep every value."""
    opt = snapshot.optimizer
    if previous is None or opt is None or not isinstance(opt.lr, float) or opt.lr <= 0:
        return []
    plain_sgd = opt.type == "SGD" and not opt.hyper.get("momentum") and not opt.hyper.get("weight_decay")
    if not plain_sgd and opt.type not in ("Adam", "AdamW"):
        return []
    lines = []
    for name, stats in snapshot.params.items():
        grad = snapshot.grads.get(name)
        if name in moved or stats.dtype != "float32" or grad is None or grad.values is None:
            continue
        if stats.values is None or grad.zeros or grad.nonfinite or stats.nonfinite:
            continue
        changes = [opt.lr * abs(g) if plain_sgd else opt.lr for g in grad.values]
        gaps = [_float32_gap(v) for v in stats.values]
        if not all(change < gap / 2 for change, gap, g in zip(changes, gaps, grad.values, strict=True) if g):
            continue
        rounds = (
            f"its change (at most {num(max(changes))}) is less than half the gap between float32 "
            f"numbers near its values (up to {num(max(gaps))}), so it rounds away."
        )
        # Plain SGD's change is lr × gradient: with an lr that moves a value of 1 by more than that
        # gap, it is the gradient that is all but zero, and the parameter has settled where the loss
        # is lowest for it. Adam's change is about lr whatever the gradient: then the lr is too small.
        if plain_sgd and opt.lr >= _float32_gap(1.0):
            lines.append(
                f"{name} did not change: its gradient is so close to zero (at most "
                f"{num(max(abs(g) for g in grad.values))}) that {rounds} It has settled: this is as "
                "close to the loss's lowest point as float32 and this learning rate get it."
            )
        else:
            lines.append(
                f"{name} did not change, though its gradient is not zero: {rounds} The learning rate "
                "is far too small for it."
            )
    return lines


def _float32_gap(value: float) -> float:
    """The distance from `value` to the next float32 number away from zero."""
    if value == 0:
        return 2.0**-149  # (the smallest float32 above zero)
    return 2.0 ** (math.frexp(abs(value))[1] - 24)


def _rule(snapshot: Snapshot) -> str:
    opt = snapshot.optimizer
    assert opt is not None
    lr, hyper = num(opt.lr), opt.hyper
    wd = hyper.get("weight_decay") or 0.0
    grad = "−grad" if hyper.get("maximize") else "grad"  # (maximize climbs the loss instead)
    if wd and opt.type not in ("AdamW",) and not hyper.get("decoupled_weight_decay"):
        grad = f"({grad} + {num(wd)}·old)"  # weight decay: added to the gradient first
    groups = "; the first param group's settings, other groups have their own" if opt.group_settings else ""
    if opt.type == "SGD":
        momentum = hyper.get("momentum") or 0.0
        if not momentum:
            return f"SGD: new = old − lr × {grad}, with lr {lr}{groups}."
        damp = hyper.get("dampening") or 0.0
        into = grad if not damp else f"{num(1 - damp)}·{grad}"
        step = f"({grad} + {num(momentum)}·buf)" if hyper.get("nesterov") else "buf"
        return (
            f"SGD with momentum {num(momentum)}{' (Nesterov)' if hyper.get('nesterov') else ''}: "
            f"buf = {num(momentum)}·buf + {into}, then new = old − lr × {step} (lr {lr}{groups}). "
            "The buffer keeps a running direction, so steps grow while the gradient keeps pointing "
            "the same way."
        )
    if opt.type in ("Adam", "AdamW"):
        b1, b2 = (hyper.get("betas") or [0.9, 0.999])[:2]
        decay = ""
        amsgrad = ""
        if hyper.get("amsgrad"):
            amsgrad = " With amsgrad, v̂ is the largest v so far (not worked out below)."
        if wd and (opt.type == "AdamW" or hyper.get("decoupled_weight_decay")):
            decay = f" AdamW first shrinks every weight: old × (1 − lr·{num(wd)})."
        return (
            f"{opt.type}: m = {num(b1)}·m + {num(1 - b1)}·{grad}, "
            f"v = {num(b2)}·v + {num(1 - b2, 6)}·{grad}²; "
            f"new = old − lr × m̂ / (√v̂ + ε), where m̂, v̂ undo the averages' start at zero "
            f"(lr {lr}{groups}). Each weight gets its own step size.{decay}{amsgrad}"
        )
    if opt.type == "RMSprop" and not hyper.get("momentum") and not hyper.get("centered"):
        alpha = hyper.get("alpha", 0.99)
        return (
            f"RMSprop: v = {num(alpha)}·v + {num(1 - alpha)}·{grad}², new = old − lr × {grad} / (√v + ε) "
            f"(lr {lr}{groups}): a weight whose gradients have been big takes smaller steps."
        )
    if opt.type == "Adagrad" and not hyper.get("lr_decay"):
        return (
            f"Adagrad: sum = sum + {grad}², new = old − lr × {grad} / (√sum + ε) (lr {lr}{groups}): "
            "every gradient a weight ever had makes its steps smaller."
        )
    return f"{opt.type} (lr {lr}{groups}) applied its own rule."


def update_checks(snapshot: Snapshot, previous: Snapshot | None) -> list[UpdateCheck]:
    """The update of a few elements per parameter, worked out from the pause before the step."""
    if previous is None or "step" not in snapshot.phases:
        return []
    opt = snapshot.optimizer
    phases = snapshot.phases
    # The gradients the step used: those at this pause (clipping or unscaling since backward is in
    # them; a step leaves .grad alone), unless this pause also cleared them after the step: then the
    # pause before's, or none known when this pause's own backward made them.
    cleared_after = "zero_grad" in phases and phases.index("zero_grad") > phases.index("step")
    if cleared_after and "backward" in phases:
        return []
    grads = previous.grads if cleared_after else snapshot.grads
    checks = []
    # The parameters this step moved (with two optimizers, only its own), else every one.
    moved = [name for name, stats in snapshot.params.items() if previous.params.get(name) != stats]
    for name in (moved or list(snapshot.params))[:MAX_PARAMS]:
        old, new, grad = previous.params.get(name), snapshot.params[name], grads.get(name)
        if old is None or grad is None or old.values is None or new.values is None or grad.values is None:
            continue
        # Elements the gradient moved come first (a ReLU's dead units have zero gradients: "old − lr × 0
        # = old" teaches nothing), in order; then the rest, if there are fewer of them.
        moving = [i for i, g in enumerate(grad.values) if g != 0]
        still = [i for i, g in enumerate(grad.values) if g == 0]
        for i in (moving + still)[: min(MAX_ELEMENTS, len(new.values))]:
            worked = _work_out(name, i, old.values[i], grad.values[i], opt, previous, snapshot)
            if worked is not None:
                formula, expected = worked
                checks.append(UpdateCheck(name, i, formula, expected, new.values[i]))
    return checks


def _work_out(name, i, old, g, opt, before: Snapshot, after: Snapshot):
    if opt is None:
        # A hand-written update: show the learning rate it implies (old − new) / grad.
        new = after.params[name].values[i]
        if g == 0:
            return None
        implied = (old - new) / g
        return f"{num(old, 6)} − {num(implied, 6)} × {num(g, 6)} = {num(new, 6)} (lr {num(implied)})", new
    lr, hyper = opt.settings_of(name)
    if lr is None:
        return None
    wd = hyper.get("weight_decay") or 0.0
    raw = num(g, 6)
    if hyper.get("maximize"):
        g, raw = -g, f"−({raw})"  # (maximize climbs: the update goes along the gradient)
    decoupled = opt.type == "AdamW" or bool(hyper.get("decoupled_weight_decay"))
    l2 = bool(wd) and not decoupled
    g_wd = g + wd * old if l2 else g  # weight decay (L2): added to the gradient first
    shown = f"({raw} + {num(wd)}×{num(old, 6)})" if l2 else raw
    if opt.type == "SGD":
        momentum = hyper.get("momentum") or 0.0
        if not momentum:
            expected = old - lr * g_wd
            return f"{num(old, 6)} − {num(lr)} × {shown} = {num(expected, 6)}", expected
        buf = _state_value(after, name, "momentum_buffer", i)
        if buf is None:
            return None
        if hyper.get("nesterov"):
            expected = old - lr * (g_wd + momentum * buf)
            return (
                f"buf = {num(buf, 6)}; {num(old, 6)} − {num(lr)} × ({shown} + {num(momentum)}×buf) "
                f"= {num(expected, 6)}",
                expected,
            )
        expected = old - lr * buf
        return f"buf = {num(buf, 6)}; {num(old, 6)} − {num(lr)} × buf = {num(expected, 6)}", expected
    if opt.type in ("Adam", "AdamW") and not hyper.get("amsgrad"):
        m = _state_value(after, name, "exp_avg", i)
        v = _state_value(after, name, "exp_avg_sq", i)
        t = (after.optimizer.state.get(name) or {}).get("step")
        if m is None or v is None or not isinstance(t, float):
            return None
        b1, b2 = (hyper.get("betas") or [0.9, 0.999])[:2]
        eps = hyper.get("eps") or 1e-8
        m_hat = m / (1 - b1**t)
        v_hat = v / (1 - b2**t)
        start = num(old, 6)
        base = old
        if decoupled and wd:
            base = old * (1 - lr * wd)
            start = f"{num(old, 6)}×(1 − {num(lr)}·{num(wd)})"
        expected = base - lr * m_hat / (math.sqrt(v_hat) + eps)
        return (
            f"m̂ = {num(m_hat, 6)}, v̂ = {num(v_hat, 6)} (step {int(t)}); "
            f"{start} − {num(lr)} × m̂/(√v̂+ε) = {num(expected, 6)}",
            expected,
        )
    if opt.type == "RMSprop" and not hyper.get("momentum") and not hyper.get("centered"):
        v = _state_value(after, name, "square_avg", i)
        if v is None:
            return None
        expected = old - lr * g_wd / (math.sqrt(v) + (hyper.get("eps") or 1e-8))
        return f"v = {num(v, 6)}; {num(old, 6)} − {num(lr)} × {shown}/(√v+ε) = {num(expected, 6)}", expected
    if opt.type == "Adagrad" and not hyper.get("lr_decay"):
        total = _state_value(after, name, "sum", i)
        if total is None:
            return None
        expected = old - lr * g_wd / (math.sqrt(total) + (hyper.get("eps") or 1e-10))
        return (
            f"sum = {num(total, 6)}; {num(old, 6)} − {num(lr)} × {shown}/(√sum+ε) = {num(expected, 6)}",
            expected,
        )
    return None


def _state_value(snapshot: Snapshot, name: str, key: str, i: int) -> float | None:
    if snapshot.optimizer is None:
        return None
    stats = (snapshot.optimizer.state.get(name) or {}).get(key)
    if isinstance(stats, TensorStats) and stats.values is not None and i < len(stats.values):
        return stats.values[i]
    return None


_EXPLAINERS = {
    "forward": _forward,
    "loss": _loss,
    "zero_grad": _zero_grad,
    "backward": _backward,
    "step": _step,
}
