"""Listening to torch while the script runs: module calls, backward, zero_grad, optimizer steps.

Each hook only appends an `Event` to a list; the tracer reads the list at the next line boundary of the
script. Everything is installed for one run and removed afterwards, and only the script's own thread
is listened to.

The line tracer has nothing to see inside torch, yet a Python trace function costs something on every
Python call torch makes (a model call, backward, zero_grad and an optimizer step make ~80 of them per
iteration, a third of a small loop's time). So the hooks switch tracing off for the length of those
calls and back on as they return: the script's frames keep their local trace function, so the next
line of the loop is traced as before.
"""

from __future__ import annotations

import dataclasses
import sys
import threading
import warnings
import weakref
from dataclasses import dataclass
from typing import Any


@dataclass
class Event:
    kind: str  # "forward" | "loss" | "zero_grad" | "backward" | "step"
    tensor: Any = None  # the forward output, the loss, the backward root
    owner: Any = None  # the module, optimizer or tensor involved
    args: tuple = ()  # a module's positional inputs (a loss module's: predictions, targets)
    others: tuple = ()  # the other tensors a model returned with its first (a VAE's mu and logvar)
    grad_enabled: bool = True  # whether gradients were on for a model's call


COMPILE_HOOKS_WARNING = r"Using `torch\.compile\(module\)` when there are global hooks"


def _remove_filter(message: str) -> None:
    warnings.filters[:] = [f for f in warnings.filters if getattr(f[1], "pattern", None) != message]
    warnings._filters_mutated()  # (as warnings.filterwarnings itself does)


def first_tensor(value: Any) -> Any:
    """The first tensor in a module's output (a tensor, or inside a tuple, list, dict or dataclass)."""
    import torch

    if isinstance(value, torch.Tensor):
        return value
    value = _unpacked(value)
    if isinstance(value, (list, tuple)):
        for item in value:
            found = first_tensor(item)
            if found is not None:
                return found
    return None


def output_tensors(value: Any) -> list[Any]:
    """The tensors a model returned, in order: itself, or those inside a tuple, list, dict (Hugging
    Face's outputs) or dataclass, one level down."""
    import torch

    if isinstance(value, torch.Tensor):
        return [value]
    value = _unpacked(value)
    if isinstance(value, (list, tuple)):
        return [item for item in value if isinstance(item, torch.Tensor)]
    return []


def _unpacked(value: Any) -> Any:
    """A dict's values or a dataclass's fields, as a list; anything else as it is."""
    if isinstance(value, dict):
        return list(value.values())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [getattr(value, f.name, None) for f in dataclasses.fields(value)]
    return value


def _tensors_in(value: Any) -> list[Any]:
    """The tensors a backward or grad call was given: one, or a sequence of them."""
    import torch

    if isinstance(value, torch.Tensor):
        return [value]
    return [t for t in value if isinstance(t, torch.Tensor)] if isinstance(value, (list, tuple)) else []


def _grad_marks(owner: Any) -> tuple:
    """(id, version) of every gradient this optimizer's or module's parameters hold: which gradients
    these are, and whether a backward has added to them since."""
    import torch

    if isinstance(owner, torch.optim.Optimizer):
        params = (p for group in owner.param_groups for p in group["params"])
    else:
        params = owner.parameters()
    return tuple((id(p.grad), p.grad._version) for p in params if p.grad is not None)


_functorch_level: Any = None  # torch.func's `maybe_current_level`, looked up at the first question


def in_transform() -> bool:
    """Is this thread inside one of torch.func's transforms (vmap, grad, jacrev...)?"""
    global _functorch_level
    if _functorch_level is None:
        import torch

        _functorch_level = getattr(torch._C._functorch, "maybe_current_level", lambda: None)
    return _functorch_level() is not None


def is_loss_tensor(tensor: Any) -> bool:
    return tensor is not None and tensor.grad_fn is not None and tensor.dim() == 0


class _StandIn(property):
    """A property that can carry the attributes of the descriptor it stands in for."""


class TorchHooks:
    """Installs the listeners and collects what they hear."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.used_transforms = False  # a model call or gradient happened inside a torch.func transform
        self.steps_elsewhere = 0  # optimizer steps taken in threads other than the script's
        self.watch_clearing = False  # set by the tracer while a backward's gradients await an update
        self.module_depth = 0  # > 0 while a model's forward is running
        self._quiet = 0  # > 0 inside torch's own zero_grad/backward (their inner effects are not events)
        self._thread: int | None = None
        self._undo: list[Any] = []
        self._optimizers: list[Any] = []  # weak references, most recent last
        # Test hook: lets tests (and the "skip zero_grad" knob later) veto zero_grad calls.
        self.skip_zero_grad = False
        # The tracer's global trace function while it runs (see `untrace`), else None.
        self.trace_function: Any = None
        self._untraced = 0  # how many torch calls we are inside that run untraced
        self._module_untraced = False  # the outermost module call switched tracing off
        self._step_untraced = False  # an optimizer step switched it off (its post hook switches it on)
        # Called when tracing comes back after lines ran untraced (see `untrace`): the tracer then
        # learns which line each of the script's frames is on now.
        self.on_resync: Any = None
        self.steps_seen = 0  # optimizer steps that ran, however they were called
        self.stepped: weakref.WeakSet = weakref.WeakSet()  # the optimizers seen stepping, ever
        # Mixed precision: what `GradScaler.scale` returned lately, as (weak reference to the scaled
        # loss, weak reference to its scaler); and the scalers whose `step` skipped the update since
        # the tracer last looked (their gradients held inf/NaN).
        self.scaled: list[tuple[Any, Any]] = []
        # What the latest `torch.autograd.grad(..., create_graph=True)` returned (weak references).
        self.gradients_made: list[Any] = []
        # The tensors autograd.grad calls that are no backward phase ran from (a gradient penalty's).
        self.roots: list[Any] = []
        # Weights computed by parametrizations lately (spectral_norm's): a parameter, not a forward.
        self.computed_weights: list[Any] = []
        # What each clip_grad_norm_ ("norm", its total norm, max_norm) and clip_grad_value_ ("value",
        # (values cut, values in all), clip_value) found since the tracer last looked.
        self.clipped: list[tuple[str, Any, float]] = []
        self.skipped_steps: list[Any] = []
        # > 0 while a closure given to an optimizer's step runs (LBFGS): the parameters it finds
        # changed were changed by that step, which is one update however many times it changes them.
        self.in_closure = 0
        # Batch-norm layers whose running statistics the script reset since the tracer last looked
        # (weak references): train-mode forwards under no_grad then recompute them on purpose.
        self.stats_reset: list[Any] = []

    def quiet(self, on: bool) -> None:
        """While on, what the script's modules do is not an event (stepper's own forward calls)."""
        self._quiet += 1 if on else -1

    def _ours(self) -> bool:
        return threading.get_ident() == self._thread

    def untrace(self) -> None:
        """Entering a torch call whose inside the tracer never looks at: stop tracing until `retrace`.

        Only ever called from the script's own code path (never while `_quiet`, which is also how
        stepper's own calls from inside a trace callback are marked: switching tracing from there would
        leave it off when the callback returns)."""
        if self._step_untraced:
            # An optimizer step raised (its post hook never ran) and the script went on: undo its part,
            # and tell the tracer where the script is now (the lines since ran untraced).
            self._step_untraced = False
            self.retrace()
            if self.on_resync is not None:
                self.on_resync()
        if self._untraced == 0 and self.trace_function is not None:
            sys.settrace(None)
        self._untraced += 1

    def retrace(self) -> None:
        self._untraced -= 1
        if self._untraced == 0 and self.trace_function is not None:
            sys.settrace(self.trace_function)

    @property
    def optimizers(self) -> list[Any]:
        """Optimizers seen stepping or clearing that the script still holds, most recent last."""
        return [o for o in (ref() for ref in self._optimizers) if o is not None]

    @property
    def latest_optimizer(self) -> Any:
        """The optimizer seen most recently that the script still holds, or None."""
        for ref in reversed(self._optimizers):
            optimizer = ref()
            if optimizer is not None:
                return optimizer
        return None

    def _transformed(self, inside: bool) -> bool:
        self.used_transforms = self.used_transforms or inside
        return inside

    def _saw_optimizer(self, optimizer: Any) -> None:
        if self._optimizers and self._optimizers[-1]() is optimizer:
            return  # the same one as last time (every iteration): nothing to reorder
        # Weak references: an optimizer the script dropped must not keep its model alive.
        self._optimizers = [ref for ref in self._optimizers if ref() not in (None, optimizer)]
        self._optimizers.append(weakref.ref(optimizer))

    # --- install / remove --------------------------------------------------------------------------

    def install(self) -> None:
        import torch
        from torch.nn.modules import module as module_mod
        from torch.optim import optimizer as optimizer_mod

        self._thread = threading.get_ident()
        hooks = self
        # (`get_ident() == hooks._thread` is `_ours()` written out: a call of a Python function before
        # tracing is switched off costs a trace call of its own.)
        get_ident = threading.get_ident
        # Inside a `torch.compile`d model, Dynamo traces these hooks for every inner module: there
        # they must be nothing (the compiled model's own call, which runs eagerly, is the one heard).
        compiling = getattr(torch.compiler, "is_compiling", lambda: False)
        # Inside torch.func's transforms (`vmap(grad(loss_of_one))` for per-example gradients) the
        # tensors are wrappers that cannot be read (`.item()` fails): what runs there is the
        # transform's own work, no phase of the loop, which is heard when the transform returns.
        # Reading a parametrized weight (spectral_norm, weight_norm, orthogonal) calls its
        # parametrizations, a module: that computes a parameter, it is no forward of a model.
        from torch.nn.modules.loss import _Loss as Loss
        from torch.nn.utils.parametrize import ParametrizationList

        def pre_hook(module, args):
            if compiling():
                return
            if get_ident() == hooks._thread:
                hooks.module_depth += 1
                if hooks.module_depth == 1 and not hooks._quiet:
                    hooks.untrace()
                    hooks._module_untraced = True

        def post_hook(module, args, output):
            if compiling() or get_ident() != hooks._thread:
                return None
            hooks.module_depth -= 1
            if hooks.module_depth == 0 and not hooks._quiet and not hooks._transformed(in_transform()):
                out = first_tensor(output)
                if out is not None and out is not output and out.dim() == 0 and not isinstance(module, Loss):
                    # A model that returns its loss first and its predictions with it (Hugging Face's
                    # `outputs.loss`, `outputs.logits`): the predictions are the forward. (Also in an
                    # evaluation under no_grad, where that loss has no gradient.)
                    rest = [t for t in output_tensors(output) if t is not out and t.dim() > 0]
                    if rest:
                        out = rest[0]
                if isinstance(module, ParametrizationList):
                    if out is not None:
                        del hooks.computed_weights[:-7]
                        hooks.computed_weights.append(weakref.ref(out))
                    out = None
                if out is not None:
                    if is_loss_tensor(out):
                        hooks.events.append(Event("loss", out, module, args))
                    elif isinstance(module, Loss):
                        pass  # (`reduction="none"`: a loss per example, which the loss is made from)
                    elif out.dim() > 0 or out.grad_fn is not None:
                        # (A scalar without gradient is a loss measured for evaluation: no phase.)
                        others = (
                            () if out is output else tuple(t for t in output_tensors(output) if t is not out)
                        )
                        grad_enabled = torch.is_grad_enabled()
                        hooks.events.append(Event("forward", out, module, args, others, grad_enabled))
            if hooks.module_depth == 0 and hooks._module_untraced:
                hooks._module_untraced = False
                hooks.retrace()  # last: what runs after tracing is back costs a trace call per call
            return None

        # torch warns that global hooks fire once more for a compiled module's wrapper: the depth
        # count above already hears only the outermost call, so the warning is not for the learner.
        warnings.filterwarnings("ignore", message=COMPILE_HOOKS_WARNING, category=UserWarning)
        self._undo.append(lambda: _remove_filter(COMPILE_HOOKS_WARNING))
        handles = [
            module_mod.register_module_forward_pre_hook(pre_hook),
            module_mod.register_module_forward_hook(post_hook, always_call=True),
            optimizer_mod.register_optimizer_step_pre_hook(self._before_step),
            optimizer_mod.register_optimizer_step_post_hook(self._after_step),
        ]
        self._undo.extend(handle.remove for handle in handles)

        original_backward = torch.autograd.backward

        def backward(tensors, *args, **kwargs):
            if get_ident() != hooks._thread or hooks._quiet:
                return original_backward(tensors, *args, **kwargs)
            hooks.untrace()
            hooks._quiet += 1
            try:
                result = original_backward(tensors, *args, **kwargs)
                roots = tuple(_tensors_in(tensors))
                hooks.events.append(Event("backward", first_tensor(tensors), None, roots))
            finally:
                hooks._quiet -= 1
                hooks.retrace()
            return result

        self._patch(torch.autograd, "backward", backward)

        original_grad = torch.autograd.grad

        def grad(outputs, inputs, *args, **kwargs):
            """`torch.autograd.grad(loss, params)`: the backward of a loop that updates its parameters
            with the gradients it returns (they never reach .grad). A gradient taken to build a loss
            (create_graph=True: a gradient penalty, MAML's inner step) or of inputs is not a phase."""
            if get_ident() != hooks._thread or hooks._quiet:
                return original_grad(outputs, inputs, *args, **kwargs)
            if isinstance(inputs, torch.Tensor):
                wrt = [inputs]
            elif isinstance(inputs, dict):
                wrt = list(inputs.values())
            else:  # (a generator, `model.parameters()`, can be read only once: torch gets the list)
                inputs = wrt = list(inputs)
            create_graph = kwargs.get("create_graph", args[2] if len(args) > 2 else False)
            leaves = (isinstance(t, torch.Tensor) and t.is_leaf and t.requires_grad for t in wrt)
            phase = not create_graph and any(leaves)
            hooks.untrace()
            hooks._quiet += 1
            try:
                result = original_grad(outputs, inputs, *args, **kwargs)
                roots = _tensors_in(outputs)
                if hooks._transformed(in_transform()):
                    pass  # (torch.func.grad's own gradient, inside its transform)
                elif phase:
                    hooks.events.append(Event("backward", first_tensor(outputs), None, tuple(roots)))
                else:  # (a gradient that stores nothing: the losses it used were used all the same)
                    hooks.roots.extend(roots)
                if create_graph:  # part of a loss to come: not a forward's output either
                    found = [t for t in (result.values() if isinstance(result, dict) else result)
                             if isinstance(t, torch.Tensor)]  # fmt: skip
                    hooks.gradients_made = [weakref.ref(t) for t in found]
            finally:
                hooks._quiet -= 1
                hooks.retrace()
            return result

        self._patch(torch.autograd, "grad", grad)

        def wrap_zero_grad(original):
            def zero_grad(self, *args, **kwargs):
                if get_ident() != hooks._thread or hooks._quiet:
                    return original(self, *args, **kwargs)
                hooks.untrace()
                hooks._quiet += 1
                try:
                    # (Whether it clears gradients a backward left for no update: asked only while
                    # the tracer waits on such a backward, as it reads every gradient's values. And
                    # right after a step on the same line, which found these gradients: the tracer
                    # hears of that step only once this has cleared them.)
                    stepped = any(event.kind == "step" for event in hooks.events)
                    cleared = _grad_marks(self) if hooks.watch_clearing or stepped else ()
                    if not hooks.skip_zero_grad:
                        original(self, *args, **kwargs)
                    if isinstance(self, torch.optim.Optimizer):
                        hooks._saw_optimizer(self)
                    hooks.events.append(Event("zero_grad", owner=self, args=(cleared,)))
                finally:
                    hooks._quiet -= 1
                    hooks.retrace()

            zero_grad.__wrapped__ = original
            return zero_grad

        self._patch(torch.optim.Optimizer, "zero_grad", wrap_zero_grad(torch.optim.Optimizer.zero_grad))
        self._patch(torch.nn.Module, "zero_grad", wrap_zero_grad(torch.nn.Module.zero_grad))

        original_load = torch.nn.Module.load_state_dict

        def load_state_dict(self, *args, **kwargs):
            """A model's weights restored (the best epoch's, after early stopping; a checkpoint to
            resume from): its parameters change in place, and that is no update nor an edit."""
            result = original_load(self, *args, **kwargs)
            if get_ident() == hooks._thread and not hooks._quiet:
                hooks.events.append(Event("restore", owner=self))
            return result

        load_state_dict.__wrapped__ = original_load
        self._patch(torch.nn.Module, "load_state_dict", load_state_dict)

        self._watch_grad_scaler()
        self._watch_clipping()
        self._watch_stats_reset()

        # `p.grad = None` written by hand: the only trace it leaves on the first iteration (when .grad
        # was None already) is the assignment itself, so we listen to the attribute.
        base = torch._C.TensorBase.grad

        def set_grad(tensor, value):
            if value is None and get_ident() == hooks._thread and not hooks._quiet:
                if hooks.skip_zero_grad:
                    return
                hooks.events.append(Event("zero_grad", owner=tensor))
            base.__set__(tensor, value)

        def del_grad(tensor):
            base.__delete__(tensor)

        # Reading stays in C (torch and stepper read .grad tens of times an iteration): only writes
        # and deletes go through Python.
        grad = _StandIn(base.__get__, set_grad, del_grad, base.__doc__)
        # Code that inspects Tensor.grad finds what the real attribute has: torch 2.11's dynamo reads
        # `Tensor.grad.__get__.__self__.__objclass__` when it is first imported (the first optimizer
        # a script makes imports it), and without these every script with an optimizer failed there.
        grad.__objclass__, grad.__name__ = base.__objclass__, base.__name__
        self._patch(torch.Tensor, "grad", grad)

    def _watch_grad_scaler(self) -> None:
        """Mixed precision's GradScaler multiplies the loss before backward (every .grad comes out that
        many times too big until `unscale_`), and its `step` skips the update when those gradients
        overflowed. Neither leaves a phase of its own; the tracer turns both into notices."""
        try:
            from torch.amp.grad_scaler import GradScaler
        except ImportError:  # (an older torch: nothing to listen to)
            return
        hooks = self
        original_scale, original_step = GradScaler.scale, GradScaler.step

        def scale(scaler, outputs):
            result = original_scale(scaler, outputs)
            if hooks._ours() and not hooks._quiet and scaler.is_enabled():
                found = first_tensor(result)
                if found is not None:
                    del hooks.scaled[:-3]  # (the latest few: one per loss of the iteration)
                    hooks.scaled.append((weakref.ref(found), weakref.ref(scaler)))
            return result

        def step(scaler, optimizer, *args, **kwargs):
            if not hooks._ours() or hooks._quiet:
                return original_step(scaler, optimizer, *args, **kwargs)
            before = hooks.steps_seen
            result = original_step(scaler, optimizer, *args, **kwargs)
            if hooks.steps_seen == before and scaler.is_enabled():
                hooks.skipped_steps.append(scaler)
            return result

        scale.__wrapped__, step.__wrapped__ = original_scale, original_step
        self._patch(GradScaler, "scale", scale)
        self._patch(GradScaler, "step", step)

    def _watch_clipping(self) -> None:
        """`clip_grad_norm_` and `clip_grad_value_` change .grad between backward and step without a
        phase of their own: what they found is kept for the tracer's notice."""
        import torch
        from torch.nn.utils import clip_grad

        hooks = self
        original, original_value = clip_grad.clip_grad_norm_, clip_grad.clip_grad_value_

        def clip_grad_norm_(parameters, max_norm, *args, **kwargs):
            total = original(parameters, max_norm, *args, **kwargs)
            if hooks._ours() and not hooks._quiet and isinstance(total, torch.Tensor):
                hooks.clipped.append(("norm", total, float(max_norm)))
                del hooks.clipped[:-4]
            return total

        def clip_grad_value_(parameters, clip_value, *args, **kwargs):
            if not hooks._ours() or hooks._quiet:
                return original_value(parameters, clip_value, *args, **kwargs)
            params = [parameters] if isinstance(parameters, torch.Tensor) else list(parameters)
            grads = [p.grad for p in params if p.grad is not None]
            cut = None
            if grads:  # how many values the clamp will cut (counted on their device: no wait here)
                try:
                    with torch.no_grad():
                        cut = torch.stack([(g.abs() > clip_value).sum() for g in grads]).sum()
                except RuntimeError:  # (gradients on several devices: not counted, not reported)
                    cut = None
                numel = sum(g.numel() for g in grads)
            result = original_value(params, clip_value, *args, **kwargs)
            if cut is not None:
                hooks.clipped.append(("value", (cut, numel), float(clip_value)))
                del hooks.clipped[:-4]
            return result

        clip_grad_norm_.__wrapped__, clip_grad_value_.__wrapped__ = original, original_value
        self._patch(clip_grad, "clip_grad_norm_", clip_grad_norm_)
        self._patch(torch.nn.utils, "clip_grad_norm_", clip_grad_norm_)
        self._patch(clip_grad, "clip_grad_value_", clip_grad_value_)
        self._patch(torch.nn.utils, "clip_grad_value_", clip_grad_value_)

    def _watch_stats_reset(self) -> None:
        """`reset_running_stats()` on a batch-norm layer (directly or through `model.apply`) starts a
        recalibration of its statistics ("precise BN", `swa_utils.update_bn`): the train-mode forwards
        under no_grad that follow are that, not an evaluation that forgot `model.eval()`."""
        from torch.nn.modules.batchnorm import _NormBase

        hooks = self
        original = _NormBase.reset_running_stats

        def reset_running_stats(layer):
            if hooks._ours() and not hooks._quiet and _has_run(layer):
                # (A layer that never ran has nothing to reset: that is its constructor's own call.)
                del hooks.stats_reset[:-255]
                hooks.stats_reset.append(weakref.ref(layer))
            return original(layer)

        reset_running_stats.__wrapped__ = original
        self._patch(_NormBase, "reset_running_stats", reset_running_stats)

    def scaler_of(self, tensor: Any) -> Any:
        """The GradScaler that returned `tensor` (a scaled loss), if one did."""
        for tensor_ref, scaler_ref in self.scaled:
            if tensor_ref() is tensor:
                return scaler_ref()
        return None

    def _patch(self, owner: Any, name: str, replacement: Any) -> None:
        had = name in vars(owner)
        previous = vars(owner).get(name)
        setattr(owner, name, replacement)

        def undo():
            if had:
                setattr(owner, name, previous)
            else:
                delattr(owner, name)

        self._undo.append(undo)

    def uninstall(self) -> None:
        while self._undo:
            self._undo.pop()()

    def _before_step(self, optimizer, args, kwargs) -> Any:
        # A step given a closure (LBFGS) runs the script's forward and backward inside it: keep
        # tracing those lines. (`args` are the step's own: the optimizer first, then any closure.)
        if threading.get_ident() != self._thread or self._quiet:
            return None
        if len(args) <= 1 and not kwargs:
            if not self._step_untraced:
                self.untrace()
                self._step_untraced = True
            return None
        closure = args[1] if len(args) > 1 else kwargs.get("closure")
        if not callable(closure):
            return None
        # Counted around each call of the closure, so that the count is right even when the closure
        # or the step raises. (The step's pre-hooks may hand it new arguments: this wrapper.)
        hooks = self

        def closure_in_step(*a, **k):
            hooks.in_closure += 1
            try:
                return closure(*a, **k)
            finally:
                hooks.in_closure -= 1

        if len(args) > 1:
            return (args[0], closure_in_step, *args[2:]), kwargs
        return args, {**kwargs, "closure": closure_in_step}

    def _after_step(self, optimizer, args, kwargs) -> None:
        if not self._ours():
            self.steps_elsewhere += 1  # (the script trains in a thread of its own)
            return
        self.steps_seen += 1
        self.stepped.add(optimizer)
        if not self._quiet:
            self._saw_optimizer(optimizer)
            self.events.append(Event("step", owner=optimizer))
        if self._step_untraced:
            self._step_untraced = False
            self.retrace()

    def drain(self) -> list[Event]:
        events, self.events = self.events, []
        return events


def _has_run(layer: Any) -> bool:
    """Has this batch-norm layer counted any batch into its running statistics?"""
    counted = getattr(layer, "num_batches_tracked", None)
    try:
        return counted is not None and bool(counted)
    except (RuntimeError, NotImplementedError):  # (a meta tensor has no value to read)
        return False
