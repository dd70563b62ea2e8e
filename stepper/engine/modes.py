"""Train/eval mode and gradient recording at each model call: the evaluation mistakes, on any script.

Three mistakes a learner makes around evaluation, each read from what the model call really did:

- `eval-in-train-mode`: a forward with gradients off (evaluation under `torch.no_grad()`) while the
  model's dropout or batch-norm layers were still in train mode: `model.eval()` was forgotten.
- `train-in-eval-mode`: a backward through a forward made in eval mode (after an evaluation called
  `model.eval()`, `model.train()` was forgotten): dropout off, batch-norm statistics frozen.
- `eval-with-grad`: a forward in eval mode with gradients on whose output no backward used: the
  evaluation recorded a graph for nothing. That is known only later: when the model is next called
  in train mode, or at the next backward, which shows whether that output was trained on. Likewise
  a loss from a line whose losses went unused twice in a row (a validation loss with gradients on).

Each is settled from what happened next, never from one call alone: a no-grad forward in train mode
whose output feeds another model is a GAN's generator making data; a backward through an eval-mode
forward counts as training only once an optimizer that holds that model's parameters steps with
those gradients (an adversarial attack's gradients are thrown away by the zero_grad before it); a
model with some mode layers in train mode and others in eval mode (Monte Carlo dropout, frozen
batch-norm) is set so on purpose; and no-grad train-mode forwards right after the script reset its
batch-norm statistics recompute them (precise BN).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from . import detect
from .graph import node_key, sequence_nr, walk
from .snapshot import Notice
from .watch import optimizer_params

# How many eval-mode forwards with gradients on are remembered until one of them is settled.
PENDING_LIMIT = 64


class ModeWatch:
    def __init__(self, line_text: Callable[[int], str], optimizers: Any = list) -> None:
        # The text of a line of the file being run (one check reads the line a forward ran on).
        self._line_text = line_text
        self._optimizers = optimizers  # () -> the optimizers the script has used
        self._backwarded = False  # a backward that stores .grad has run
        # id(model) -> (a weak reference to it, its layers whose output depends on train/eval mode)
        self._layers: dict[int, tuple[Any, tuple[Any, ...]]] = {}
        # Eval-mode forwards with gradients on, not yet settled: (line, the `node_key` and sequence
        # number of the output's grad_fn, the model). Keys, not the nodes: holding them would keep
        # graphs alive.
        self._pending: list[tuple[int, tuple, int, Any]] = []
        # Those a backward reached: (line, the model). A step of an optimizer that holds the model's
        # parameters settles them as trained on; a zero_grad before it throws their gradients away.
        self._trained: list[tuple[int, Any]] = []
        # Train-mode forwards with gradients off, not yet settled: (line, the output, which layers
        # trained, the model; both weakly). Fed to another model (a GAN's fakes) they were data.
        self._quiet: list[tuple[int, Any, str, Any]] = []
        # Losses found (line, the `node_key` and sequence number of their grad_fn) that no backward
        # used yet, and per line how many in a row went unused.
        self._losses: list[tuple[int, tuple, int]] = []
        self._unused: dict[int, int] = {}
        self._said: set[tuple[str, int]] = set()
        # Batch-norm layers whose running statistics were reset since the last update: id -> (a weak
        # reference, the line whose train-mode no-grad forwards recompute them, once one has run).
        self._recalibrating: dict[int, tuple[Any, int | None]] = {}

    def stats_reset(self, layers: list[Any]) -> None:
        """The script reset these batch-norm layers' running statistics (weak references)."""
        for ref in layers:
            layer = ref()
            if layer is not None:
                self._recalibrating[id(layer)] = (ref, None)

    def forward(self, model: Any, output: Any, line: int, given: Any = None) -> list[Notice]:
        """A model's outermost call finished on `line` (`given`: its first input); what it says about
        train/eval mode."""
        notices: list[Notice] = []
        if self._quiet:
            self._settle_quiet(model, given, notices)
        if model is None or output is None or not hasattr(model, "training"):
            return notices
        if output.requires_grad:
            if model.training:
                if self._pending:  # back in train mode: the eval-mode forwards before were an evaluation
                    self._settle(model, notices)
            elif len(self._pending) < PENDING_LIMIT and output.grad_fn is not None:
                fn = output.grad_fn
                self._pending.append((line, node_key(fn), sequence_nr(fn), weakref.ref(model)))
            return notices
        training = [layer for layer in self._mode_layers(model) if layer.training]
        # (model.eval() and then dropout layers put back in train mode is Monte Carlo dropout: meant)
        if training and model.training and _trainable(model) and len(self._quiet) < PENDING_LIMIT:
            code = self._line_text(line)
            # swa_utils.update_bn, and any recalibration after a reset: train mode under no_grad on purpose
            if "update_bn" not in code and not (self._recalibrating and self._recalibrates(training, line)):
                self._quiet.append((line, weakref.ref(output), _kinds(tuple(training)), weakref.ref(model)))
        return notices

    def _recalibrates(self, training: list[Any], line: int) -> bool:
        """Is this no-grad train-mode forward on `line` recomputing batch-norm statistics the script
        reset ("precise BN")? The first line to run one after the reset is the recalibration; another
        line later (an evaluation that then forgot `model.eval()`) is not."""
        recalibrating = False
        for layer in training:
            known = self._recalibrating.get(id(layer))
            if known is None or known[0]() is not layer:
                continue
            if known[1] is None:  # (every reset layer of the model is claimed by this line at once)
                self._recalibrating[id(layer)] = (known[0], line)
                recalibrating = True
            elif known[1] == line:
                recalibrating = True
        return recalibrating

    def _settle_quiet(self, model: Any, given: Any, notices: list[Notice]) -> None:
        """Settle the no-grad train-mode forwards: fed to another model they were data (a GAN's
        generator making fakes for its discriminator); when their own model runs again, or at a
        step, they were an evaluation in train mode."""
        kept = []
        for line, out, kinds, owner in self._quiet:
            if given is not None and out() is given:
                continue
            if model is None or owner() is model or owner() is None:
                # (a model no optimizer trains, run in train mode under no_grad, is a target network
                # updated by hand, as BYOL's and mean teachers' are)
                if owner() is not None and self._trained_by_some_optimizer(owner()):
                    self._say(detect.eval_in_train_mode_notice(kinds, line), line, notices)
            else:
                kept.append((line, out, kinds, owner))
        self._quiet = kept

    def loss(self, loss: Any, line: int) -> list[Notice]:
        """A loss was found on `line`: remember it until a backward uses it. When a loss from the
        same line went unused twice in a row, it is measured to be looked at (a validation loss)."""
        notices: list[Notice] = []
        fn = loss.grad_fn
        if fn is None:
            return notices
        before = [entry for entry in self._losses if entry[0] == line]
        if before:  # the last loss from this line was never used
            self._losses = [entry for entry in self._losses if entry[0] != line]
            self._unused[line] = self._unused.get(line, 0) + 1
            if self._unused[line] >= 2 and self._backwarded:
                # (In a run where no backward ever ran, the loss went unused for want of one: the
                # step's warning says that, and no_grad would be the wrong advice.)
                self._say(detect.loss_with_grad_notice(line), line, notices)
        if self._pending:  # a loss of an eval-mode forward: that forward's notice will say it
            forwards = {(fn_id, seq) for _, fn_id, seq, _ in self._pending}
            if any((node_key(node), sequence_nr(node)) in forwards for node in walk(fn, 256)):
                return notices
        if len(self._losses) < PENDING_LIMIT:
            self._losses.append((line, node_key(fn), sequence_nr(fn)))
        return notices

    def used(self, roots: list[Any], trains: bool) -> list[Notice]:
        """A backward (`trains`: it stores .grad) or a gradient taken from `roots`: forget the losses
        it used; the eval-mode forwards it reached were trained on, and at a backward the others were
        an evaluation."""
        notices: list[Notice] = []
        self._backwarded = self._backwarded or trains
        if not (self._pending or self._losses):
            return notices
        fns = [root.grad_fn for root in roots if getattr(root, "grad_fn", None) is not None]
        if not fns:
            return notices
        if not self._pending and len(fns) == 1 and [entry[1] for entry in self._losses] == [node_key(fns[0])]:
            self._unused[self._losses[0][0]] = 0
            self._losses.clear()  # (the usual loop: one loss, and the backward ran from it)
            return notices
        wanted = {(fn_id, seq) for _, fn_id, seq, _ in self._pending}
        wanted.update((fn_id, seq) for _, fn_id, seq in self._losses)
        reached: set[tuple[tuple, int]] = set()
        for fn in fns:
            for node in walk(fn, 4096):
                key = (node_key(node), sequence_nr(node))
                if key in wanted:
                    reached.add(key)
                    if len(reached) == len(wanted):
                        break  # (usually at once: the root is the loss)
        for line, fn_id, seq in self._losses:
            if (fn_id, seq) in reached:
                self._unused[line] = 0
        self._losses = [entry for entry in self._losses if entry[1:] not in reached]
        kept = []
        for line, fn_id, seq, ref in self._pending:
            if (fn_id, seq) in reached:
                if trains:
                    self._trained.append((line, ref))
            elif trains:
                self._say(detect.eval_with_grad_notice(line), line, notices)
            else:
                kept.append((line, fn_id, seq, ref))
        self._pending = kept
        return notices

    def zero_grad(self) -> None:
        self._trained.clear()  # (those gradients were thrown away before any update used them)

    def step(self, optimizer: Any) -> list[Notice]:
        """An update by `optimizer`: a model it updates, trained through an eval-mode forward, was
        trained in eval mode."""
        notices: list[Notice] = []
        if self._quiet:
            self._settle_quiet(None, None, notices)
        if self._recalibrating:  # (training again: the statistics are the training's own from here on)
            self._recalibrating.clear()
        if not self._trained:
            return notices
        updated = {id(p) for p in optimizer_params(optimizer)}
        for line, ref in self._trained:
            model = ref()
            if model is None or not any(id(p) in updated for p in model.parameters()):
                continue  # (a frozen teacher, say: nothing of it is trained)
            layers = self._mode_layers(model)
            if layers and not any(layer.training for layer in layers):  # (a mix is meant)
                self._say(detect.train_in_eval_mode_notice(line, _kinds(layers)), line, notices)
        self._trained.clear()
        return notices

    def _settle(self, model: Any, notices: list[Notice]) -> None:
        """The eval-mode forwards of `model` that no backward has reached were an evaluation."""
        kept = []
        for line, fn_id, seq, ref in self._pending:
            owner = ref()
            if owner is None:
                continue
            if owner is not model:
                kept.append((line, fn_id, seq, ref))
            else:
                self._say(detect.eval_with_grad_notice(line), line, notices)
        self._pending = kept

    def _trained_by_some_optimizer(self, model: Any) -> bool:
        params = {id(p) for p in model.parameters()}
        return any(id(p) in params for optimizer in self._optimizers() for p in optimizer_params(optimizer))

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


def mode_of(model: Any, output: Any, grad_enabled: bool | None = None) -> str | None:
    """How a model call ran, when that was not plain training: "eval", "no_grad", "eval, no_grad",
    "eval, inference_mode" (None in train mode with gradients on). `grad_enabled`: whether gradients
    were on during the call (a frozen model's output has none either way); None: read the output."""
    parts = [] if getattr(model, "training", True) else ["eval"]
    if grad_enabled is None:
        off = output is not None and not output.requires_grad and _trainable(model)
    else:
        off = not grad_enabled
    if off:
        parts.append("inference_mode" if output is not None and output.is_inference() else "no_grad")
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
