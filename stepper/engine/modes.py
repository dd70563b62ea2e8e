"""Train/eval mode and gradient recording at each model call: the evaluation mistakes, on any script.

Three mistakes a learner makes around evaluation, each read from what the model call really did:

- `eval-in-train-mode`: a forward with gradients off (evaluation under `torch.no_grad()`) while the
  model's dropout or batch-norm layers were still in train mode: `model.eval()` was forgotten.
- `train-in-eval-mode`: a backward through a forward made in eval mode (after an evaluation called
  `model.eval()`, `model.train()` was forgotten): dropout off, batch-norm statistics frozen.
- `eval-with-grad`: a forward in eval mode with gradients on whose output no backward used: the
  evaluation recorded a graph for nothing. That is known only later: when the model is next called
  in train mode, or at the next backward, which shows whether that output was trained on. Likewise
  a loss that no backward used before the next update (a validation loss logged with gradients on).
"""

from __future__ import annotations

import weakref
from typing import Any

from . import detect
from .graph import sequence_nr, walk
from .snapshot import Notice

# How many eval-mode forwards with gradients on are remembered until one of them is settled.
PENDING_LIMIT = 64


class ModeWatch:
    def __init__(self, lines: list[str]) -> None:
        self._lines = lines  # the script's lines (one check reads the line a forward ran on)
        # id(model) -> (a weak reference to it, its layers whose output depends on train/eval mode)
        self._layers: dict[int, tuple[Any, tuple[Any, ...]]] = {}
        # Eval-mode forwards with gradients on, not yet settled: (line, id and sequence number of the
        # output's grad_fn, the model). Ids, not the nodes: holding them would keep graphs alive.
        self._pending: list[tuple[int, int, int, Any]] = []
        # Losses found (line, id and sequence number of their grad_fn) that no backward used yet.
        self._losses: list[tuple[int, int, int]] = []
        self._said: set[tuple[str, int]] = set()

    def forward(self, model: Any, output: Any, line: int) -> list[Notice]:
        """A model's outermost call finished on `line`; what it says about train/eval mode."""
        notices: list[Notice] = []
        if model is None or output is None or not hasattr(model, "training"):
            return notices
        if output.requires_grad:
            if model.training:
                if self._pending:  # back in train mode: the eval-mode forwards before were an evaluation
                    self._settle(model, None, notices)
            elif len(self._pending) < PENDING_LIMIT and output.grad_fn is not None:
                fn = output.grad_fn
                self._pending.append((line, id(fn), sequence_nr(fn), weakref.ref(model)))
            return notices
        layers = self._mode_layers(model)
        if layers and any(layer.training for layer in layers) and _trainable(model):
            code = self._lines[line - 1] if 0 < line <= len(self._lines) else ""
            if "update_bn" in code:  # swa_utils.update_bn: train mode under no_grad on purpose
                return notices
            self._say(detect.eval_in_train_mode_notice(_kinds(layers)), line, notices)
        return notices

    def loss(self, loss: Any, line: int) -> None:
        """A loss was found on `line`: remember it until a backward uses it or a step comes first."""
        fn = loss.grad_fn
        if fn is None or len(self._losses) >= PENDING_LIMIT:
            return
        if self._pending:  # a loss of an eval-mode forward: that forward's notice will say it
            forwards = {(fn_id, seq) for _, fn_id, seq, _ in self._pending}
            if any((id(node), sequence_nr(node)) in forwards for node in walk(fn, 256)):
                return
        self._losses.append((line, id(fn), sequence_nr(fn)))

    def backward(self, root: Any) -> list[Notice]:
        """A backward ran from `root`: settle the eval-mode forwards remembered so far, and forget
        the losses it used."""
        notices: list[Notice] = []
        if root is None or root.grad_fn is None or not (self._pending or self._losses):
            return notices
        if not self._pending and len(self._losses) == 1 and self._losses[0][1] == id(root.grad_fn):
            self._losses.clear()  # (the usual loop: one loss, and the backward ran from it)
            return notices
        wanted = {(fn_id, seq) for _, fn_id, seq, _ in self._pending}
        wanted.update((fn_id, seq) for _, fn_id, seq in self._losses)
        reached = set()
        for node in walk(root.grad_fn, 4096):
            key = (id(node), sequence_nr(node))
            if key in wanted:
                reached.add(key)
                if len(reached) == len(wanted):
                    break  # (usually at once: the root is the loss)
        self._losses = [entry for entry in self._losses if entry[1:] not in reached]
        self._settle(None, reached, notices)
        return notices

    def step(self) -> list[Notice]:
        """An update: the losses made since the last one that no backward used were evaluations."""
        notices: list[Notice] = []
        if self._losses:
            for line, _, _ in self._losses:
                self._say(detect.loss_with_grad_notice(line), line, notices)
            self._losses = []
        return notices

    def _settle(self, model: Any, reached: set[tuple[int, int]] | None, notices: list[Notice]) -> None:
        """Settle the eval-mode forwards of `model` (of every model when None): trained on when
        `reached` (what a backward's graph reached) holds them, else an evaluation."""
        kept = []
        for line, fn_id, seq, ref in self._pending:
            owner = ref()
            if owner is None:
                continue
            if model is not None and owner is not model:
                kept.append((line, fn_id, seq, ref))
            elif reached is not None and (fn_id, seq) in reached:
                layers = self._mode_layers(owner)
                if layers:
                    self._say(detect.train_in_eval_mode_notice(line, _kinds(layers)), line, notices)
            else:
                self._say(detect.eval_with_grad_notice(line), line, notices)
        self._pending = kept

    def _say(self, notice: Notice, line: int, notices: list[Notice]) -> None:
        key = (notice.code, line)
        if key not in self._said:  # once per line of the script
            self._said.add(key)
            notices.append(notice)

    def _mode_layers(self, model: Any) -> tuple[Any, ...]:
        known = self._layers.get(id(model))
        if known is not None and known[0]() is model:
            return known[1]
        layers = tuple(m for m in model.modules() if _mode_dependent(m))
        self._layers[id(model)] = (weakref.ref(model), layers)
        return layers


def mode_of(model: Any, output: Any) -> str | None:
    """How a model call ran, when that was not plain training: "eval", "no_grad", "eval, no_grad",
    "eval, inference_mode" (None in train mode with gradients on)."""
    parts = [] if getattr(model, "training", True) else ["eval"]
    if output is not None and not output.requires_grad and _trainable(model):
        parts.append("inference_mode" if output.is_inference() else "no_grad")
    return ", ".join(parts) or None


def _mode_dependent(module: Any) -> bool:
    """Does this layer compute something else in train mode than in eval mode?"""
    from torch import nn

    if isinstance(module, nn.modules.dropout._DropoutNd):
        return module.p > 0
    if isinstance(module, nn.modules.batchnorm._BatchNorm):
        return module.track_running_stats
    if isinstance(module, nn.MultiheadAttention):
        return module.dropout > 0
    return False


def _kinds(layers: tuple[Any, ...]) -> str:
    from torch import nn

    dropout = any(not isinstance(layer, nn.modules.batchnorm._BatchNorm) for layer in layers)
    norm = any(isinstance(layer, nn.modules.batchnorm._BatchNorm) for layer in layers)
    return "both" if dropout and norm else ("dropout" if dropout else "batchnorm")


def _trainable(model: Any) -> bool:
    return any(p.requires_grad for p in model.parameters())
