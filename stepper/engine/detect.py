"""Spotting the classic mistakes while a script runs, on any script (not only the lessons).

Each detector turns what the tracer saw into a `Notice`: a stable code for programs and a sentence
for the learner. The tracer hands them to the next pause.
"""

from __future__ import annotations

import math
from typing import Any

from .snapshot import Notice

SHAPE_BROADCAST = "shape-broadcast"
GRAD_ACCUMULATE = "grad-accumulate"
STALE_GRAD = "stale-grad"
NONFINITE = "nonfinite"
SCALED_GRADS = "scaled-grads"
SKIPPED_STEP = "skipped-step"
GRAD_CLIPPED = "grad-clipped"
EDITED_AFTER_STEP = "edited-after-step"
EVAL_IN_TRAIN_MODE = "eval-in-train-mode"
TRAIN_IN_EVAL_MODE = "train-in-eval-mode"
EVAL_WITH_GRAD = "eval-with-grad"
SINGLE_CLASS = "single-class-ce"
SOFTMAX_TWICE = "softmax-into-ce"
SIGMOID_TWICE = "sigmoid-into-logits-loss"
NLL_INPUT = "nll-not-log-probs"
ZERO_GRAD_ORDER = "zero-grad-before-step"
LOSS_RISING = "loss-rising"
LOSS_GRAPH_KEPT = "loss-graph-kept"
MSE_ON_LABELS = "mse-on-labels"
LR_TOO_LOW = "lr-too-low"
DOUBLE_UPDATE = "double-update"
NO_BACKWARD = "step-without-backward"
NOT_CONNECTED = "grads-not-reached"
GRADS_UNUSED = "grads-unused"

# Saved tensors/sizes an autograd node may carry: enough to see the shapes a loss really compared.
_SIZE_ATTRS = ("_saved_self_sym_sizes", "_saved_self", "_saved_other", "_saved_target", "_saved_result")


def _shape(value: Any) -> tuple[int, ...] | None:
    if value is None:
        return None
    shape = getattr(value, "shape", None)
    if isinstance(shape, tuple):  # torch.Size, a numpy array's shape: already a tuple of ints
        return tuple(shape)
    if shape is not None:
        return tuple(int(d) for d in shape)
    if isinstance(value, (tuple, list)) and all(isinstance(d, int) for d in value):
        return tuple(value)
    return None


def _text(shape: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(d) for d in shape) + "]"


def _broadcast(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...] | None:
    out = []
    padded_a = (1,) * (len(b) - len(a)) + a
    padded_b = (1,) * (len(a) - len(b)) + b
    for x, y in zip(reversed(padded_a), reversed(padded_b), strict=True):
        if x != y and 1 not in (x, y):
            return None
        out.append(max(x, y))
    return tuple(reversed(out))


def _numel(shape: tuple[int, ...]) -> int:
    return math.prod(shape) if shape else 1


def loss_inputs_broadcast(preds: Any, target: Any) -> Notice | None:
    """A loss module called with predictions and targets of different shapes that broadcast."""
    a, b = _shape(preds), _shape(target)
    if a is None or b is None or a == b:
        return None
    both = _broadcast(a, b)
    if both is None:
        return None  # a plain error
    if _numel(both) > max(_numel(a), _numel(b)):
        return _broadcast_notice(a, b, both)
    if 1 < _numel(b) < _numel(both):  # (a scalar target is harmless; [N, 1] against [N, 3] is not)
        return _repeat_notice(a, b, both)
    return None


# Operations that broadcast their operands elementwise: where predictions meet targets and grow.
_ELEMENTWISE = frozenset(
    name + "Backward"
    for name in (
        "Sub", "Add", "Mul", "Div", "Pow", "Abs", "Neg", "Exp", "Log", "Sigmoid", "Clamp", "Maximum",
        "Minimum", "Where", "Softplus", "MseLoss", "L1Loss", "SmoothL1Loss", "HuberLoss",
        "BinaryCrossEntropy", "BinaryCrossEntropyWithLogits",
    )
)  # fmt: skip


def graph_broadcast(loss: Any, predictions: Any) -> Notice | None:
    """A hand-written or functional loss whose graph holds a tensor bigger than the predictions:
    `(preds - y)` with preds [100, 1] and y [100] silently became [100, 100]."""
    pred_shape = _shape(predictions)
    if pred_shape is None or _numel(pred_shape) <= 1:
        return None
    if type(loss.grad_fn).__name__ in ("NllLossBackward0", "NllLoss2DBackward0"):
        return None  # (cross-entropy and NLL index the scores by class: they never broadcast)
    path = _between(loss.grad_fn, getattr(predictions, "grad_fn", None), 64)
    if any(type(node).__name__.startswith(("CatBackward", "StackBackward")) for node in path):
        # The predictions were joined with others (`torch.cat` of each minibatch's outputs): the
        # joined tensor is bigger than any one of them by design.
        return None
    for node in path:
        if type(node).__name__.rstrip("0123456789") not in _ELEMENTWISE:
            continue  # (a matrix product or a softmax makes bigger tensors by design: za @ zb.T)
        for attr in _SIZE_ATTRS:
            try:
                shape = _shape(getattr(node, attr, None))
            except RuntimeError:  # a saved tensor already freed by backward
                shape = None
            if shape is not None and _numel(shape) > _numel(pred_shape):
                both = shape
                other = _other_shape(pred_shape, both)
                return _broadcast_notice(pred_shape, other, both)
    return None


def _between(root: Any, target: Any, limit: int) -> list[Any]:
    """The nodes of the graph under `root` that lie on a path down to `target` (the operations that
    combined the predictions with something). A branch that never reaches the predictions, such as a
    weight penalty (`+ 1e-4 * w.pow(2).sum()`) or a gradient penalty, holds tensors of its own sizes
    that say nothing about how the predictions met the targets."""
    if root is None or target is None:
        return []
    # Depth first, each node once, within `limit` nodes; a node is on a path when one of its inputs is.
    reaches: dict[int, bool] = {id(target): True}
    order: list[Any] = []
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            reaches[key] = any(reaches.get(id(child), False) for child, _ in node.next_functions if child)
            order.append(node)
            continue
        if key in reaches or len(reaches) > limit:
            continue
        reaches[key] = False  # (seen; settled once its inputs are)
        stack.append((node, True))
        stack.extend((child, False) for child, _ in reversed(node.next_functions) if child is not None)
    return [node for node in reversed(order) if reaches[id(node)]]


def _other_shape(pred: tuple[int, ...], both: tuple[int, ...]) -> tuple[int, ...]:
    # The usual case: [N, 1] against [N] gives [N, N]; name the target's shape as [N].
    if len(pred) == 2 and pred[1] == 1 and both == (pred[0], pred[0]):
        return (pred[0],)
    return both


def _broadcast_notice(a: tuple[int, ...], b: tuple[int, ...], both: tuple[int, ...]) -> Notice:
    return Notice(
        SHAPE_BROADCAST,
        f"The loss compared predictions of shape {_text(a)} with targets of shape {_text(b)}. PyTorch "
        f"broadcast both to {_text(both)} without an error, so every prediction was compared with "
        "every target and the loss cannot fall as it should. Make the shapes match, for example "
        "`preds.squeeze(1)` or `y.unsqueeze(1)`.",
    )


def _repeat_notice(a: tuple[int, ...], b: tuple[int, ...], both: tuple[int, ...]) -> Notice:
    times = _numel(both) // _numel(b)
    return Notice(
        SHAPE_BROADCAST,
        f"The loss compared predictions of shape {_text(a)} with targets of shape {_text(b)}. PyTorch "
        f"repeated each target {times} times to fill {_text(both)} without an error, so one target was "
        "compared with several predictions. If the targets are class labels (one per example), this "
        "is the wrong loss: CrossEntropyLoss takes one score per class and the class index. Otherwise "
        "make the shapes match.",
    )


def accumulation_notice(step_in_between: bool) -> Notice:
    if step_in_between:
        return Notice(
            STALE_GRAD,
            "This backward added its gradients to ones left over from before the last step: no "
            "zero_grad cleared them. Each update now uses the sum of old and new gradients, so "
            "training drifts. Call optimizer.zero_grad() once per iteration, before backward.",
        )
    return Notice(
        GRAD_ACCUMULATE,
        "This is the second backward since .grad was last cleared, with no step in between: the new "
        "gradients were added to the old ones. That is right for gradient accumulation (several "
        "small batches per update) and for several losses backpropagated one at a time (their "
        "gradients add up, as for their sum); otherwise call optimizer.zero_grad() once per "
        "iteration, before the first backward.",
    )


def nonfinite_notice(
    loss: float | None, where: list[str], scale: float | None = None, updates: int | None = None
) -> Notice:
    """`scale`: the GradScaler scale the latest backward ran at, if it was scaled. `updates`: how many
    parameter updates came before (0: the cause cannot be the learning rate)."""
    loss_bad = loss is not None and not math.isfinite(loss)
    names = f"{', '.join(where[:4])}{'…' if len(where) > 4 else ''}"
    if loss_bad:  # (and the tensors, when some went too: it is they that hold NaN, not the loss)
        became = "The loss became NaN or Inf" + (f", and so did values in {names}" if where else "")
    else:
        became = f"Some values became NaN or Inf (in {names})" if where else "Some values became NaN or Inf"
    detail = f" ({names})" if where else ""
    if scale is not None and not loss_bad and all(name.endswith(".grad") for name in where):
        return Notice(
            NONFINITE,
            f"The gradients overflowed to Inf or NaN{detail}: GradScaler multiplied the loss by "
            f"{_factor(scale)}, more than their dtype can hold. Nothing is wrong with the model: "
            "scaler.step(optimizer) will find the Inf and skip this update, and scaler.update() will "
            "lower the scale.",
        )
    if updates == 0:
        return Notice(
            NONFINITE,
            f"{became} before any update, so the learning rate is not the "
            "cause: the computation itself made it, from a log of 0, a division by 0, a sqrt of a "
            "negative number, or a NaN or Inf already in the data or the initial weights. Check the "
            "inputs (torch.isfinite(x).all()) and what goes into log, division and sqrt (clamp it, "
            "or use a loss that takes raw scores, such as BCEWithLogitsLoss).",
        )
    return Notice(
        NONFINITE,
        f"{became}. Once a NaN appears it spreads to every value it "
        "touches and training cannot recover. The usual cause is a learning rate that is too high: "
        "each step overshoots more than the last until the numbers overflow.",
    )


def _factor(value: float) -> str:
    """A scale as a learner would write it: 65536, or 2^100 when that is shorter."""
    if value >= 1 << 20 and math.log2(value).is_integer():
        return f"2^{int(math.log2(value))}"
    return f"{value:g}"


def scaled_grads_notice(scale: float) -> Notice:
    factor = _factor(scale)
    return Notice(
        SCALED_GRADS,
        f"This backward ran from scaler.scale(loss): mixed precision's GradScaler multiplied the loss by "
        f"{factor} first, so every .grad shown now is {factor} times the true gradient (the scaling "
        "keeps tiny float16 gradients from rounding to zero). scaler.unscale_(optimizer), or "
        "scaler.step(optimizer), divides them back before the update.",
    )


def skipped_step_notice(scale: float, backoff: float) -> Notice:
    return Notice(
        SKIPPED_STEP,
        f"scaler.step(optimizer) skipped its update: at scale {_factor(scale)} the gradients overflowed "
        "to inf or NaN, so GradScaler left every parameter as it was rather than apply them. "
        f"scaler.update() then multiplies the scale by {backoff:g} for the next try. A few skipped "
        "steps are normal early in mixed-precision training, while GradScaler looks for a scale that "
        "fits.",
    )


def clipping_notice(total: float, max_norm: float) -> Notice | None:
    """clip_grad_norm_ scaled the gradients down (None when they were within the limit)."""
    if not math.isfinite(total) or total <= max_norm:
        return None
    factor = max_norm / (total + 1e-6)  # (torch's own formula)
    return Notice(
        GRAD_CLIPPED,
        f"clip_grad_norm_ scaled every gradient by {factor:.3g}: their total norm was {total:.4g}, above "
        f"max_norm {max_norm:g}. The .grad values shown from here on are the clipped ones, the ones "
        "the step uses: one batch with unusually big gradients cannot throw the parameters far.",
    )


def value_clipping_notice(cut: int, numel: int, clip_value: float) -> Notice | None:
    """clip_grad_value_ clamped some gradient values (None when none was beyond the limit)."""
    if cut == 0:
        return None
    return Notice(
        GRAD_CLIPPED,
        f"clip_grad_value_ cut {cut} of the {numel} gradient values to ±{clip_value:g}: each value "
        "beyond the limit was set to it, the rest were left alone (so the gradient's direction "
        "changed a little, unlike clip_grad_norm_'s). The .grad values shown from here on are the "
        "clipped ones, the ones the step uses.",
    )


def edited_after_step_notice(line: int, renormalised: bool = False) -> Notice:
    """`renormalised`: the edit was the model's own, in its forward: an `nn.Embedding(max_norm=…)`."""
    if renormalised:
        return Notice(
            EDITED_AFTER_STEP,
            f"The model's forward on line {line} changed parameters in place, outside the optimizer: an "
            "nn.Embedding made with max_norm rescales every row it looks up to at most that norm. The "
            "values shown from here on include it, and the step's own worked-out update does not.",
        )
    return Notice(
        EDITED_AFTER_STEP,
        f"Line {line} changed parameters in place after the step, outside the optimizer (a clamp, an "
        "average kept by hand, a re-normalisation): the values shown from here on include it, and "
        "the step's own worked-out update does not.",
    )


_MODE_LAYERS = {
    "dropout": ("its dropout layers zeroed a random part of every output", "dropout is off"),
    "batchnorm": (
        "its batch-norm layers normalised with this batch's own statistics and mixed them into their "
        "running ones",
        "batch-norm uses its stored running statistics instead of the batch's, and no longer updates them",
    ),
}


def _mode_effects(kinds: str, which: int) -> str:
    parts = [_MODE_LAYERS[k][which] for k in (("dropout", "batchnorm") if kinds == "both" else (kinds,))]
    return " and ".join(parts)


def eval_in_train_mode_notice(kinds: str, line: int) -> Notice:
    """A forward with gradients off (evaluation) while dropout/batch-norm layers were in train mode."""
    return Notice(
        EVAL_IN_TRAIN_MODE,
        f"The forward at line {line} ran with gradients off, as an evaluation does, but the model was "
        "still in train "
        f"mode: {_mode_effects(kinds, 0)}. Its outputs differ from what the trained model gives, and the "
        "same input gives different outputs. Call model.eval() before evaluating, and model.train() "
        "before training again (Monte Carlo dropout keeps train mode on purpose).",
    )


def train_in_eval_mode_notice(line: int, kinds: str) -> Notice:
    """A backward through a forward made in eval mode (model.train() forgotten after an evaluation)."""
    return Notice(
        TRAIN_IN_EVAL_MODE,
        f"This backward trained on the forward at line {line}, made with the model in eval mode: "
        f"{_mode_effects(kinds, 1)}. Usually model.train() was forgotten after an evaluation that "
        "called model.eval(); call it at the start of each training epoch (unless training in eval "
        "mode is meant, to keep batch-norm statistics frozen).",
    )


def eval_with_grad_notice(line: int) -> Notice:
    """A forward in eval mode with gradients on whose output no backward used."""
    return Notice(
        EVAL_WITH_GRAD,
        f"The forward at line {line} ran in eval mode with gradients on, and no backward used it: an "
        "evaluation. PyTorch recorded its autograd graph anyway, and kept every intermediate result "
        "for a backward that never came: memory and time for nothing, and a loss that still has a "
        "grad_fn. Put the evaluation under `with torch.no_grad():`.",
    )


def loss_with_grad_notice(line: int) -> Notice:
    """Losses with a graph, from one line, that no backward used (twice in a row)."""
    return Notice(
        EVAL_WITH_GRAD,
        f"The losses computed at line {line} have gradients on, but no backward used them: losses "
        "measured to be looked at (a validation loss, one kept for a log). PyTorch recorded their "
        "autograd graphs for nothing, and a list of such losses keeps every graph in memory. Compute "
        "them under `with torch.no_grad():`, or keep loss.item() rather than the tensor.",
    )


def loss_function_notices(loss: Any, given_target: Any = None, code: str = "") -> list[Notice]:
    """The wrong loss for the outputs it was given, read from the loss's autograd graph: the
    classification losses apply their own softmax/sigmoid, a class dimension of one is no choice, and
    MSE (or its kin) on class labels treats names as amounts. `given_target`: the target a loss module
    was called with; None for a functional or hand-written loss. `code`: the text of the loss's line."""
    from .graph import walk

    found: list[Notice] = []
    regression = None  # the first MSE-like node: it saved the very tensors the loss compared
    for node in walk(loss.grad_fn, 8):  # (these nodes sit right under the loss)
        kind = type(node).__name__
        below = node.next_functions[0][0] if node.next_functions else None
        below_kind = type(below).__name__
        if kind == "LogSoftmaxBackward0":
            try:
                classes = node._saved_result.shape[node._saved_dim]
            except (RuntimeError, AttributeError, IndexError):
                classes = None
            if classes == 1:
                found.append(_single_class_notice())
            elif below_kind == "SoftmaxBackward0":
                found.append(_softmax_twice_notice())
        elif kind == "BinaryCrossEntropyWithLogitsBackward0" and below_kind == "SigmoidBackward0":
            found.append(_sigmoid_twice_notice())
        elif kind in ("NllLossBackward0", "NllLoss2DBackward0") and below_kind not in (
            "LogSoftmaxBackward0", "LogBackward0"
        ):  # fmt: skip
            try:
                positive = bool((node._saved_self > 0).any())
            except (RuntimeError, AttributeError):
                positive = False
            if positive:
                found.append(_nll_input_notice())
        elif kind in _REGRESSION_LOSSES and regression is None:
            regression = node
    if regression is not None:
        found.extend(_regression_loss_notices(regression, given_target, code))
    elif hasattr(given_target, "stride"):  # (a tensor)
        compared = _l1_compared_shape(loss)
        if compared is not None and compared == _shape(given_target):
            found.extend(filter(None, [_labels_notice("L1 loss", compared, given_target)]))
    return found


# The losses that compare predictions with targets as numbers, by their autograd node, as a learner
# would name them. (torch 2.x records F.l1_loss as mean(|a - b|): see _l1_compared_shape.)
_REGRESSION_LOSSES = {
    "MseLossBackward0": "MSE loss",
    "L1LossBackward0": "L1 loss",
    "HuberLossBackward0": "Huber loss",
    "SmoothL1LossBackward0": "Smooth L1 loss",
}

# Reading target values costs torch calls: look at an evenly spread sample of at most this many.
_LABEL_SAMPLE = 4096
# How many different labels look like classes: 0/1 targets are left alone (MSE on a yes/no label is a
# known, milder choice, and the ordering problem needs three classes); past 20, more likely amounts.
_FEW_LABELS = (3, 20)


def _regression_loss_notices(node: Any, given_target: Any, code: str = "") -> list[Notice]:
    """The MSE-like loss node's saved predictions and targets: a functional call's targets repeated
    across a row, and class labels used as numbers."""
    try:
        preds, target = node._saved_self, node._saved_target
    except (RuntimeError, AttributeError):  # freed by a backward that already ran
        return []
    found: list[Notice] = []
    pred_shape = _unexpanded_shape(preds)
    # (A loss module's own arguments go to loss_inputs_broadcast; targets the line expands itself,
    # `y.expand_as(preds)` for an ensemble's heads, are repeated on purpose and leave the same strides.)
    if given_target is None and not any(word in code for word in ("expand", "broadcast_to")):
        found.extend(filter(None, [_functional_repeat(pred_shape, preds, target)]))
    found.extend(filter(None, [_labels_notice(_REGRESSION_LOSSES[type(node).__name__], pred_shape, target)]))
    return found


def _repeated_dims(t: Any) -> list[int]:
    # A broadcast repeats a tensor without copying it: a view whose stride is 0 along each repeated
    # dimension. (A dimension of size 1 may have any stride; it was not repeated.)
    strides = zip(t.shape, t.stride(), strict=True)
    return [d for d, (size, stride) in enumerate(strides) if size > 1 and stride == 0]


def _unexpanded_shape(t: Any) -> tuple[int, ...]:
    """The shape of the tensor a broadcast repeated into `t`: each repeated dimension back to 1, the
    leading ones dropped (broadcasting adds dimensions in front: [3] against [N, 3])."""
    dims = _repeated_dims(t)
    lead = 0
    while lead < len(dims) and dims[lead] == lead:
        lead += 1
    return tuple(1 if d in dims else size for d, size in enumerate(t.shape))[lead:]


def _functional_repeat(pred_shape: tuple[int, ...], preds: Any, target: Any) -> Notice | None:
    """`F.mse_loss(preds [N, 3], y [N, 1])`: the functional loss broadcast its inputs before autograd
    saw them, so the graph holds the repeated targets [N, 3]; their strides tell what they were."""
    both = _shape(target)
    if both is None or pred_shape != both:
        return None  # the predictions were repeated too: graph_broadcast's [N, 1] against [N] case
    target_shape = _unexpanded_shape(target)
    if 1 < _numel(target_shape) < _numel(both):  # (a scalar target is harmless, as for loss modules)
        return _repeat_notice(pred_shape, target_shape, both)
    return None


def _l1_compared_shape(loss: Any) -> tuple[int, ...] | None:
    """nn.L1Loss leaves no node of its own: autograd records mean(|preds - target|) (or sum). The shape
    of preds - target when the loss is exactly that."""
    top = loss.grad_fn
    if type(top).__name__ not in ("MeanBackward0", "SumBackward0") or not top.next_functions:
        return None
    absolute = top.next_functions[0][0]
    if type(absolute).__name__ != "AbsBackward0" or not absolute.next_functions:
        return None
    if type(absolute.next_functions[0][0]).__name__ != "SubBackward0":
        return None
    try:
        return _shape(absolute._saved_self)
    except RuntimeError:  # freed by a backward that already ran
        return None


def _labels_notice(loss_name: str, pred_shape: tuple[int, ...], target: Any) -> Notice | None:
    """One prediction per example ([N] or [N, 1]) against targets that look like class labels."""
    n = pred_shape[0] if pred_shape else 0
    target_shape = _unexpanded_shape(target)
    if n < _FEW_LABELS[0] or pred_shape not in ((n,), (n, 1)) or target_shape not in ((n,), (n, 1)):
        return None
    values = _label_values(target)
    if values is None:
        return None
    if len(values) <= 6:
        seen = "the whole numbers " + ", ".join(str(v) for v in values)
    else:
        seen = f"{len(values)} different whole numbers from 0 to {values[-1]}"
    dtype = str(target.dtype).removeprefix("torch.")
    stored = "floats" if target.is_floating_point() else f"integers ({dtype})"
    fix = "y.squeeze(1).long()" if target_shape == (n, 1) else "y.long()"
    return Notice(
        MSE_ON_LABELS,
        f"The {loss_name} compared one prediction per example ({_text(pred_shape)}) with targets that "
        f"look like class labels ({seen}, stored as {stored}). If they are class labels, it treats them "
        "as amounts: label 2 counts as twice label 1, and a model unsure between two classes is pulled "
        f"to a number between them. Give the model one output per class ([{n}, {values[-1] + 1}]) and "
        f"use nn.CrossEntropyLoss with the labels as a long tensor of shape [{n}] (`{fix}`). If they are "
        f"amounts (counts, ratings), the {loss_name} is right.",
    )


def _label_values(target: Any) -> list[int] | None:
    """The different values of the targets (a sample of them), when they look like class labels: 3 to
    20 whole numbers from 0, at least half of 0..max present, not all multiples of one number (y = 2x
    on arange is a line to fit, not classes)."""
    import torch

    if target.dtype == torch.bool or target.is_complex():
        return None
    try:
        with torch.no_grad():
            flat = target
            for dim in _repeated_dims(target):  # (look at each target once, not at its repeats)
                flat = flat.narrow(dim, 0, 1)
            flat = flat.reshape(-1)
            sample = flat[:: max(1, flat.numel() // _LABEL_SAMPLE)]
            if sample.is_floating_point() and not bool((sample == sample.round()).all()):
                return None
            distinct = torch.unique(sample)
            if not _FEW_LABELS[0] <= distinct.numel() <= _FEW_LABELS[1]:
                return None
            values = [int(v) for v in distinct.tolist()]
    except (RuntimeError, TypeError):  # a dtype these operations do not support
        return None
    if values[0] != 0 or values[-1] >= 2 * len(values) or math.gcd(*values) != 1:
        return None
    return values


def _single_class_notice() -> Notice:
    return Notice(
        SINGLE_CLASS,
        "CrossEntropyLoss got scores for one class only (a class dimension of size 1). A softmax over "
        "one score is always 1, so the loss is exactly 0 and every gradient is 0: nothing can learn. "
        "For a yes/no task give BCEWithLogitsLoss one score per example, or give CrossEntropyLoss two "
        "scores per example (one per class) and class indices as targets.",
    )


def _softmax_twice_notice() -> Notice:
    return Notice(
        SOFTMAX_TWICE,
        "CrossEntropyLoss was given probabilities (the output of a softmax), but it applies its own "
        "log-softmax to raw scores (logits). Softmax twice squashes the scores: the loss cannot get "
        "near 0 and the gradients are small, so learning is slow. Remove the softmax from the model "
        "and apply it only when you want probabilities to look at.",
    )


def _sigmoid_twice_notice() -> Notice:
    return Notice(
        SIGMOID_TWICE,
        "BCEWithLogitsLoss was given probabilities (the output of a sigmoid), but it applies its own "
        "sigmoid to raw scores (logits). Sigmoid twice squashes every input into (0.5, 0.73): the loss "
        "stays high even when every answer is right. Remove the sigmoid, or keep it and use BCELoss.",
    )


def _nll_input_notice() -> Notice:
    return Notice(
        NLL_INPUT,
        "NLLLoss was given values above 0, which cannot be log-probabilities (a log of a probability is "
        "at most 0): it just takes minus the target class's value, so the loss goes below 0 and falls "
        "forever. Give it log_softmax(scores), or give the raw scores to CrossEntropyLoss, which does "
        "both.",
    )


def zero_grad_before_step_notice() -> Notice:
    return Notice(
        ZERO_GRAD_ORDER,
        "This step found no gradients: zero_grad ran after backward and cleared them before the "
        "update could use them, so the step changed nothing (or moved only by momentum and weight "
        "decay). The order is zero_grad, then backward, then step: call optimizer.zero_grad() before "
        "loss.backward() (or after step).",
    )


def step_before_backward_notice(loss_line: int | None) -> Notice:
    since = f"the loss of line {loss_line} was computed" if loss_line is not None else "the last update"
    return Notice(
        NO_BACKWARD,
        f"This step found no gradients: no backward has run since {since}, so the step changed "
        "nothing. The order is zero_grad, backward, step: call loss.backward() before "
        "optimizer.step(), with its parentheses (`loss.backward` alone only names the method; it "
        "does not run it).",
    )


def backward_missed_params_notice(backward_line: int | None) -> Notice:
    where = f" at line {backward_line}" if backward_line is not None else ""
    return Notice(
        NOT_CONNECTED,
        f"This step found no gradients: the backward{where} ran, but it gave no parameter this "
        "optimizer holds a .grad, so the step changed nothing. The loss is not connected to them: "
        "something on the way cut the graph (a loss rebuilt from a number, `torch.tensor(loss.item(), "
        "requires_grad=True)`; a `.detach()`, `.item()` or `.numpy()`; an argmax), or the optimizer "
        "was made with another model's parameters.",
    )


def grads_unused_notice(backward_line: int, zero_grad_line: int) -> Notice:
    return Notice(
        GRADS_UNUSED,
        f"The gradients of the backward at line {backward_line} were cleared by the zero_grad at "
        f"line {zero_grad_line} before any update used them: that backward's work was thrown away, "
        "and the parameters did not learn from it. Is optimizer.step() missing (or placed after the "
        "zero_grad)? The order is zero_grad, backward, step.",
    )


def loss_rising_notice(losses: list[float]) -> Notice:
    shown = " → ".join(f"{v:.4g}" for v in losses)
    return Notice(
        LOSS_RISING,
        f"The loss more than doubled at each of the last {len(losses) - 1} updates ({shown}). A "
        "learning rate that is too high does this: every step overshoots the minimum by more than the "
        "last, and soon the numbers overflow to Inf and NaN. Try a learning rate ten times smaller.",
    )


def loss_graph_kept_notice(line: int) -> Notice:
    return Notice(
        LOSS_GRAPH_KEPT,
        f"Line {line} adds up losses as tensors after their backward (`total += loss`): each one "
        "still holds its autograd graph, so the total keeps every iteration's graph, and the memory "
        "they hold, alive until the total is dropped. Add loss.item() (a plain number) instead.",
    )


def lr_too_low_notice(updates: int, first: float, last: float, ratio: float, lr: float | None) -> Notice:
    """`ratio`: the smallest, over those updates, of how many times as long the step could have been
    and still gone downhill in its own direction (engine/stepsize.py)."""
    per_update = 100 * (first - last) / (abs(first) * updates)
    longer = f"{float(f'{ratio:.2g}'):,.0f}"
    if lr is None:
        what, cure = "The learning rate looks", "try one about 10× larger in your update"
    else:
        what, cure = f"The learning rate ({lr:g}) looks", "try about 10× larger (`]` on stepper's screen)"
    return Notice(
        LR_TOO_LOW,
        f"The loss fell only from {first:.4g} to {last:.4g} in {updates} updates (about {per_update:.2g}% "
        f"each), and each step barely changed the gradients: a step {longer} times as long would still "
        f"have gone downhill. {what} far too small: {cure}. (Inputs on very different scales crawl like "
        "this at any learning rate that does not blow up: then scale the inputs instead.)",
    )


def double_update_notice(line: int) -> Notice:
    return Notice(
        DOUBLE_UPDATE,
        f"Line {line} updated the parameters by hand from their gradients, and then the optimizer's step "
        "updated them again from the same gradients: two updates an iteration, so the steps are about "
        "twice what either learning rate says (and the one by hand ignores the optimizer's momentum or "
        "Adam averages). Keep one of them: the optimizer's step, or the update written by hand.",
    )
