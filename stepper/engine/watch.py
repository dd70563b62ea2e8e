"""The parameters stepper watches: finding them, naming them, noticing how they change.

Parameters are found from what the script really trains — the leaves of the autograd graph of a
forward or a backward, and an optimizer's param groups — and named after the script's own variables:
``model.weight`` for a module's parameter, ``w`` for a bare tensor.
"""

from __future__ import annotations

import sys
import weakref
from collections.abc import Container
from dataclasses import dataclass
from types import FrameType
from typing import Any

from .graph import graph_leaves
from .snapshot import OptimizerInfo

if sys.version_info[:2] == (3, 12):
    import ctypes

    _merge_back = ctypes.pythonapi.PyFrame_LocalsToFast
    _merge_back.argtypes = (ctypes.py_object, ctypes.c_int)
    _merge_back.restype = None

    def frame_locals(frame: FrameType) -> dict[str, Any]:
        """`frame.f_locals`, read so that nothing is written back into the frame afterwards.

        On Python 3.12, once a trace function has read a frame's `f_locals`, the interpreter copies
        that dict back into the frame's variables after the frame's next trace event. A list, dict
        or set comprehension runs inside its frame there, and its loop variables are left out of the
        dict, so the copy sets them to None while the comprehension runs ("RuntimeWarning: assigning
        None to unbound local"): in `[[a * b for b in bs] for a in as_]`, `a` becomes None. Merging
        the dict back at once without clearing leaves them alone, and nothing is pending after."""
        values = frame.f_locals
        _merge_back(frame, 0)
        return values

else:

    def frame_locals(frame: FrameType) -> dict[str, Any]:
        """`frame.f_locals` (nothing to work around before 3.12; from 3.13 it is a view)."""
        return frame.f_locals


# Parameters above this size are fingerprinted by a strided sample instead of a full copy.
_FINGERPRINT_FULL = 4096
_FINGERPRINT_SAMPLE = 1024


@dataclass
class Tracked:
    # A weak reference: a parameter the script has dropped (a model it replaced) leaves the watch.
    ref: Any
    name: str | None
    version: int
    order: int
    grad_live: bool = False
    grad_seen: tuple[int, int] | None = None  # (id, version) of .grad after the last backward

    @property
    def tensor(self) -> Any:
        return self.ref()


class ParamWatch:
    """Tracks every parameter seen so far and reports what changed since the last look."""

    def __init__(self, loop_targets: frozenset[str] = frozenset()):
        self.tracked: dict[int, Tracked] = {}
        self._names_stale = False
        self._named_at: Any = None  # the code of the frame the names were last looked up from
        self._self_named = False  # some name was found through a method's `self`
        # Bumped whenever parameters (or gradients) may have changed, even where no version counter
        # moved (updates through `.data`): a summary taken in the same generation is still true.
        self.param_generation = 0
        self.grad_generation = 0
        self.names: set[str] = set()  # the names given so far (a rebound name is followed)
        self._dead = False  # a watched tensor was freed: prune before the next look
        self._modules_seen: dict[int, Any] = {}
        self._graph_calls = 0
        self._quiet_walks = 0
        # Variables a `for` loop binds (`for p in params`) are poor names for a parameter.
        self._loop_targets = loop_targets
        # Weak references to the parameters the latest `versions_changed`/`values_changed` that found a
        # change saw change.
        self.edited: list[Any] = []
        # Inputs of a model that take gradients (an adversarial example being made), no parameters:
        # id -> (a weak reference, the (id, version) of its .grad when last looked at).
        self._inputs: dict[int, tuple[Any, tuple[int, int] | None]] = {}
        # Such inputs found to be optimised after all (given to a model again with a gradient): id ->
        # a weak reference. They are parameters from then on.
        self._optimised_inputs: dict[int, Any] = {}

    # --- finding parameters ------------------------------------------------------------------------

    def add(self, tensor: Any, frozen_too: bool = False) -> None:
        """Watch `tensor` if it takes gradients (or, `frozen_too`, if it is a model's parameter
        that does not: a frozen layer is shown, so a learner sees it stay as it was)."""
        if id(tensor) in self.tracked or not (frozen_too or getattr(tensor, "requires_grad", False)):
            return
        if self._inputs and self._is_input(tensor):
            return
        ref = weakref.ref(tensor, self._on_dead)
        self.tracked[id(tensor)] = Tracked(ref, None, tensor._version, len(self.tracked))
        self._names_stale = True

    def add_from_graph(self, grad_fn: Any) -> None:
        # Walking the graph every iteration costs more than a small loop's own work. Once several
        # walks in a row found nothing new, walk only now and then (optimizers' steps add theirs).
        self._graph_calls += 1
        if self._quiet_walks >= 8 and self._graph_calls % 64:
            return
        before = len(self.tracked)
        for leaf in graph_leaves(grad_fn):
            self.add(leaf)
        self._quiet_walks = self._quiet_walks + 1 if len(self.tracked) == before else 0

    def rebind(self, name: str, tensor: Any) -> bool:
        """The script bound a parameter's name to a new tensor of the same shape (`w = w - lr * g`):
        follow the name. True when that happened."""
        for key, entry in self.tracked.items():
            if entry.name == name and entry.tensor is not tensor:
                if tuple(entry.tensor.shape) != tuple(tensor.shape):
                    return False
                del self.tracked[key]
                entry.ref, entry.version = weakref.ref(tensor, self._on_dead), tensor._version
                self.tracked[id(tensor)] = entry
                return True
        return False

    def add_module(self, module: Any) -> None:
        """A model's parameters, the first time that model is called."""
        if id(module) not in self._modules_seen:
            self._modules_seen[id(module)] = weakref.ref(module)
            for p in module.parameters():
                self.add(p, frozen_too=True)
        elif self._modules_seen[id(module)]() is not module:  # an id reused by a new module
            del self._modules_seen[id(module)]
            self.add_module(module)

    def add_from_owner(self, owner: Any) -> None:
        """The parameters a zero_grad call was about: a module's, an optimizer's, or one tensor."""
        import torch

        if isinstance(owner, torch.nn.Module):
            for p in owner.parameters():
                self.add(p)
        elif isinstance(owner, torch.optim.Optimizer):
            self.add_from_optimizer(owner)
        elif isinstance(owner, torch.Tensor):
            self.add(owner)

    def add_from_optimizer(self, optimizer: Any) -> None:
        params = optimizer_params(optimizer)
        if self._inputs:  # an input an optimizer trains (style transfer's image) is a parameter after all
            for p in params:
                if self._is_input(p):
                    del self._inputs[id(p)]
        for p in params:
            self.add(p)

    # --- inputs that take gradients ------------------------------------------------------------------

    def add_input(self, tensor: Any, promote: bool = True) -> None:
        """`tensor`, a leaf that takes gradients, was given to a model as its input and no optimizer
        holds it: it is data whose gradient the script wants (an adversarial attack), not a parameter.
        `promote`: given again with a gradient, it is being optimised (not when the model it goes into
        trains too: PGD's attack steps, several per training step)."""
        known = self._optimised_inputs.get(id(tensor))
        if known is not None and known() is tensor:
            return
        if self._is_input(tensor):
            if tensor.grad is not None and promote:
                # Given to a model again, its gradient taken: it is being optimised (a feature
                # visualisation written by hand), so it is a parameter, watched from now on.
                del self._inputs[id(tensor)]
                self._optimised_inputs = {k: r for k, r in self._optimised_inputs.items() if r() is not None}
                self._optimised_inputs[id(tensor)] = weakref.ref(tensor)
                self.add(tensor)
            return
        if len(self._inputs) >= 16:
            self._inputs = {k: v for k, v in self._inputs.items() if v[0]() is not None}
            if len(self._inputs) >= 16:
                return  # (so many at once are left as they were: watched like parameters)
        self._inputs[id(tensor)] = (weakref.ref(tensor), _grad_state(tensor))
        entry = self.tracked.get(id(tensor))
        if entry is not None and entry.tensor is tensor:
            del self.tracked[id(tensor)]
            self.names.discard(entry.name)

    def _is_input(self, tensor: Any) -> bool:
        known = self._inputs.get(id(tensor))
        return known is not None and known[0]() is tensor

    def inputs_took_grads(self) -> bool:
        """Did a backward since the last look fill or add to the .grad of such an input?"""
        if not self._inputs:
            return False
        took = False
        for key, (ref, seen) in list(self._inputs.items()):
            tensor = ref()
            if tensor is None:
                del self._inputs[key]
                continue
            now = _grad_state(tensor)
            if now != seen:
                took = took or now is not None
                self._inputs[key] = (ref, now)
        return took

    # --- changes -------------------------------------------------------------------------------------

    def _on_dead(self, ref: Any) -> None:
        self._dead = True  # pruned at the next look (not here: this runs inside garbage collection)

    def _prune(self) -> None:
        self._dead = False
        for key in [key for key, entry in self.tracked.items() if entry.ref() is None]:
            entry = self.tracked.pop(key)
            self.names.discard(entry.name)

    def versions_changed(self) -> bool:
        """Did any parameter change in place (its version counter moved) since the last call?"""
        if self._dead:
            self._prune()
        edited = None
        for entry in self.tracked.values():
            version = entry.ref()._version  # (ref() rather than the property: this runs at every line)
            if version != entry.version:
                entry.version = version
                if edited is None:
                    edited = []
                edited.append(entry.ref)
        if edited is None:
            return False
        self.edited = edited
        return True

    def fingerprints(self) -> dict[int, Any]:
        """Copies of (samples of) every parameter's values, to catch updates through ``.data``."""
        return {key: _fingerprint(entry.tensor) for key, entry in self.tracked.items()}

    def values_changed(self, before: dict[int, Any]) -> bool:
        import torch

        edited = []
        for key, old in before.items():
            entry = self.tracked.get(key)
            if entry is not None and not torch.equal(_fingerprint(entry.tensor), old):
                edited.append(entry.ref)
        if edited:
            self.edited = edited
        return bool(edited)

    def mark_grads_live(self) -> None:
        """After a backward: every .grad that holds values now counts as 'not yet cleared'."""
        for entry in self.tracked.values():
            grad = entry.ref().grad
            entry.grad_live = grad is not None
            entry.grad_seen = None if grad is None else (id(grad), grad._version)

    def grad_marks(self) -> set[tuple[int, int]]:
        """(id, version) of every .grad held now, as `mark_grads_live` keeps them per parameter:
        which gradient tensors these are, and whether a backward has added to them since."""
        marks = set()
        for entry in self.tracked.values():
            grad = entry.ref().grad
            if grad is not None:
                marks.add((id(grad), grad._version))
        return marks

    def grads_added_to(self) -> bool:
        """Did the backward that just ran add to a .grad left by an earlier one that nothing cleared?"""
        for entry in self.tracked.values():
            grad = entry.ref().grad
            if entry.grad_live and grad is not None and entry.grad_seen is not None:
                if entry.grad_seen[0] == id(grad) and entry.grad_seen[1] != grad._version:
                    return True
        return False

    def clear_grads_live(self) -> None:
        for entry in self.tracked.values():
            entry.grad_live = False

    def grads_zeroed(self) -> bool:
        """Did some .grad filled by a backward become None or all zeros since?"""
        zeroed = False
        for entry in self.tracked.values():
            if not entry.grad_live:
                continue
            grad = entry.tensor.grad
            if grad is None or not bool(grad.detach().any()):
                entry.grad_live = False
                zeroed = True
        return zeroed

    # --- names ---------------------------------------------------------------------------------------

    def add_loop_targets(self, names: frozenset[str]) -> None:
        """Loop variables of another file of the script's project (see `_loop_targets`)."""
        self._loop_targets = self._loop_targets | names

    def ensure_names(self, frame: FrameType | None, files: Container[str]) -> None:
        if self._dead:
            self._prune()
        code = None if frame is None else frame.f_code
        if not self._names_stale:
            if code is self._named_at or not self._self_named:
                return
            # Named from inside a method (`self.model_.weight`), and now paused elsewhere: the method
            # may have returned (`reg = Reg().fit(x, y)`), and the names there are other ones.
        self._names_stale = False
        self._named_at = code
        names, bare = _names_in_scope(frame, files, self._loop_targets)
        # A leaf tensor the script made with requires_grad=True is a parameter even before it is used.
        for tensor in bare:
            self.add(tensor)
        # A variable's name goes to the tensor the variable holds now: a model made anew under the
        # same name (`model = Net()` again) takes the name from the one it replaced.
        holder = {e.name: key for key, e in self.tracked.items() if e.name}
        for key, name in names.items():
            entry = self.tracked.get(key)
            if entry is None or entry.name == name:
                continue
            previous = holder.get(name)
            if previous is not None and previous != key:
                self.tracked[previous].name = None
            entry.name = name
            holder[name] = key
        for entry in self.tracked.values():
            if entry.name is None:
                entry.name = f"param{entry.order}"
            if entry.name.startswith("param"):
                # A later look may find the real name; keep looking while some are unnamed.
                self._names_stale = True
        # Show parameters in the order the script's variables list them (a module's own order).
        rank = {key: i for i, key in enumerate(names)}
        ordered = sorted(self.tracked.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[1].order))
        self.tracked = dict(ordered)
        self.names = {e.name for e in self.tracked.values() if e.name}
        self._self_named = any(name.startswith("self.") for name in self.names)

    def items(self) -> list[tuple[str, Any]]:
        if self._dead:
            self._prune()
        return [(e.name or f"param{e.order}", e.ref()) for e in self.tracked.values()]


def _grad_state(tensor: Any) -> tuple[int, int] | None:
    grad = tensor.grad
    return None if grad is None else (id(grad), grad._version)


def _fingerprint(tensor: Any) -> Any:
    flat = tensor.detach().reshape(-1)
    if flat.numel() > _FINGERPRINT_FULL:
        flat = flat[:: max(1, flat.numel() // _FINGERPRINT_SAMPLE)]
    return flat.clone()


def _names_in_scope(
    frame: FrameType | None, files: Container[str], loop_targets: frozenset[str]
) -> tuple[dict[int, str], list[Any]]:
    """id(tensor) -> the most telling name the script's variables give it, innermost scope first;
    and the bare leaf tensors with requires_grad=True that the script holds in variables."""
    import torch

    direct: dict[int, str] = {}
    bare: list[Any] = []
    weak: dict[int, str] = {}  # loop variables and list items: used only when nothing better exists
    namespaces: list[dict[str, Any]] = []
    while frame is not None:
        if frame.f_code.co_filename in files:
            namespaces.append(frame_locals(frame))
            if frame.f_globals not in namespaces:
                namespaces.append(frame.f_globals)
        frame = frame.f_back
    for namespace in namespaces:
        items = list(namespace.items())
        # One level into the script's own objects: `self.model`, `trainer.optimizer`.
        for var, value in list(items):
            if type(value).__module__ == "__main__" and hasattr(value, "__dict__"):
                if not isinstance(value, (torch.nn.Module, type)):
                    items.extend((f"{var}.{attr}", v) for attr, v in vars(value).items())
        for var, value in items:
            if var.startswith("__"):
                continue
            if isinstance(value, torch.nn.Module):
                for pname, p in value.named_parameters():
                    # (torch.compile's wrapper holds the model as `_orig_mod`: named as the learner
                    # wrote it, `model.0.weight`.)
                    direct.setdefault(id(p), f"{var}.{pname.removeprefix('_orig_mod.')}")
            elif isinstance(value, torch.Tensor) and value.requires_grad and value.grad_fn is None:
                if var in loop_targets:
                    weak.setdefault(id(value), var)
                elif direct.setdefault(id(value), var) == var:
                    bare.append(value)
            elif isinstance(value, (list, tuple)) and len(value) <= 256:
                for i, item in enumerate(value):
                    if isinstance(item, torch.Tensor) and item.requires_grad:
                        weak.setdefault(id(item), f"{var}[{i}]")
            elif isinstance(value, dict) and len(value) <= 256:
                # Parameters held by name (`params = dict(model.named_parameters())`, as
                # torch.func.functional_call takes them): `params['weight']`.
                for key, item in value.items():
                    if isinstance(item, torch.Tensor) and item.requires_grad and item.grad_fn is None:
                        if direct.setdefault(id(item), f"{var}[{key!r}]") == f"{var}[{key!r}]":
                            bare.append(item)
    # Order: as the script lists them (a module's named_parameters order), good names winning.
    names = dict(direct)
    for key, name in weak.items():
        names.setdefault(key, name)
    return names, bare


def optimizer_params(optimizer: Any) -> list[Any]:
    """Every parameter an optimizer updates, over all its param groups ([] for an odd object)."""
    try:
        return [p for group in optimizer.param_groups for p in group["params"]]
    except (AttributeError, KeyError, TypeError):
        return []


def optimizer_info(
    optimizer: Any, state: dict[str, dict[str, Any]] | None = None, names: dict[int, str] | None = None
) -> OptimizerInfo:
    """`names`: id(parameter) -> its name, for the settings of groups after the first."""
    groups = optimizer.param_groups
    first = groups[0] if groups else {}
    lr, hyper = _group_settings(first)
    own: dict[str, dict[str, Any]] = {}
    for group in groups[1:] if names else ():
        group_lr, group_hyper = _group_settings(group)
        differs = {k: v for k, v in group_hyper.items() if hyper.get(k) != v}
        if group_lr != lr:
            differs["lr"] = group_lr
        if differs:
            for p in group["params"]:
                name = names.get(id(p))
                if name is not None:
                    own[name] = differs
    return OptimizerInfo(type(optimizer).__name__, lr, hyper, len(groups), state or {}, own)


def _group_settings(group: dict[str, Any]) -> tuple[float | None, dict[str, Any]]:
    hyper: dict[str, Any] = {}
    for key, value in group.items():
        if key in ("params", "lr", "name"):
            continue
        if isinstance(value, (bool, int, float, str)) or value is None:
            hyper[key] = value
        elif isinstance(value, tuple) and all(isinstance(v, (int, float)) for v in value):
            hyper[key] = list(value)
        elif hasattr(value, "item") and getattr(value, "numel", lambda: 0)() == 1:
            hyper[key] = float(value.item())
    lr = group.get("lr")
    if hasattr(lr, "item"):
        lr = float(lr.item())
    return (None if lr is None else float(lr)), hyper


def find_optimizer(frame: FrameType | None, files: Container[str]) -> Any:
    """An optimizer the script has made, looking outward from the paused frame."""
    import torch

    while frame is not None:
        if frame.f_code.co_filename in files:
            for namespace in (frame_locals(frame), frame.f_globals):
                for value in list(namespace.values()):
                    if isinstance(value, torch.optim.Optimizer):
                        return value
                    if type(value).__module__ == "__main__" and hasattr(value, "__dict__"):
                        for inner in vars(value).values():  # `self.optimizer`
                            if isinstance(inner, torch.optim.Optimizer):
                                return inner
        frame = frame.f_back
    return None


def optimizers_in_scope(frame: FrameType | None, files: Container[str]) -> list[Any]:
    """Every optimizer the script's variables hold, looking outward from `frame`: in its frames'
    locals and globals, and one level into the script's own objects (`self.optimizer`)."""
    import torch

    found: dict[int, Any] = {}
    looked: set[int] = set()
    while frame is not None:
        if frame.f_code.co_filename in files:
            for namespace in (frame_locals(frame), frame.f_globals):
                if id(namespace) in looked:
                    continue
                looked.add(id(namespace))
                for value in list(namespace.values()):
                    if isinstance(value, torch.optim.Optimizer):
                        found.setdefault(id(value), value)
                    elif type(value).__module__ == "__main__" and hasattr(value, "__dict__"):
                        for inner in vars(value).values():
                            if isinstance(inner, torch.optim.Optimizer):
                                found.setdefault(id(inner), inner)
        frame = frame.f_back
    return list(found.values())
