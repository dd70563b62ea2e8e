"""Deciding, line by line, which training phases the script just completed.

The tracer follows the script's own frames with ``sys.settrace``. At every line boundary it gathers what
happened since the last one — what the torch hooks heard, which parameters changed in place, which new
tensors the finished line bound — and turns that into phases. Then it decides *where* to pause:

* In the script's top level and in functions that call ``backward`` (the training loop), right away.
* In other functions of the script (a model written as a function, a hand-written loss, an update
  helper), nothing pauses inside: what they did is reported at their call site.
* An update or a clearing of gradients written over several lines (or a ``for p in params`` loop) is
  held until its block of lines ends, so it is one pause.
"""

from __future__ import annotations

import ast
import os
import sys
import weakref
from collections import deque
from collections.abc import Callable, Container
from types import CodeType, FrameType
from typing import Any

from . import detect
from .graph import derives_from, graph_leaves, node_key, sequence_nr, uses_parameter, walk
from .hooks import TorchHooks, first_tensor, in_transform, is_loss_tensor
from .modes import ModeWatch, mode_of
from .snapshot import PHASES, Notice
from .source import FileInfo, ProjectFiles, ScriptSource, dotted_name, stored_names
from .watch import ParamWatch, frame_locals, optimizer_params, optimizers_in_scope

MUTATIONS = frozenset(("zero_grad", "step"))
_UNKNOWN: Any = object()  # a file not looked at yet
_DATA_LOADING = os.path.join("torch", "utils", "data", "")  # torch's DataLoader and its fetchers


class StopScript(BaseException):
    """Raised inside the script's thread to end it (stop(), --steps). Not an error of the script."""


class _Frame:
    __slots__ = (
        "line", "is_loop", "pending", "pending_line", "chain",
        "group", "group_line", "region", "before", "unwinding", "updated", "transformed", "info",
    )  # fmt: skip

    def __init__(self, is_loop: bool, info: FileInfo):
        self.info = info  # the file the frame's code is in (the script, or a module of its project)
        self.line: int | None = None
        self.is_loop = is_loop
        self.pending: list[str] = []  # phases seen in a helper function, reported at its call site
        self.pending_line = 0
        # A hand-written forward that may go on over more lines: the snapshot of its latest line
        # that used a parameter, delivered once a line shows the forward is over.
        self.chain: Any = None
        self.group: list[str] | None = None  # a multi-line update still in progress
        self.group_line = 0
        self.region: frozenset[int] = frozenset()
        self.before: dict[int, Any] | None = None  # parameter fingerprints taken before an update line
        self.unwinding = False
        # A helper function's call (not the loop) made an update: its later edits are more of the same
        # one (d2l's `sgd(params, lr, batch_size)` updates one parameter per line of its own loop).
        self.updated = False
        self.transformed: bool | None = None  # run by a torch.func transform (None: not known yet)


TakeCallback = Callable[[list[str], FrameType, int], Any]


class PhaseTracer:
    def __init__(
        self,
        project: ProjectFiles | ScriptSource,
        hooks: TorchHooks,
        watch: ParamWatch,
        take: TakeCallback,
        deliver: Callable[[Any], None],
    ):
        """`take(phases, frame, line)` copies what a pause shows; `deliver(taken)` shows it (and may
        wait there). They are apart because a pause can be taken now and delivered a few lines later:
        a forward written over several lines of raw tensor code is shown once, as it was after its
        last line that used a parameter, once the next line shows the forward is over.

        `project`: the files whose lines are followed (a bare script: that file alone)."""
        if isinstance(project, ScriptSource):
            project = ProjectFiles(project)
        self.project = project
        self._files = project.known  # (read at every call: the dict itself, not a method)
        source = project.script
        self.hooks = hooks
        self.watch = watch
        self._take = take
        self._deliver = deliver
        # Set by _classify when a line extended the predictions: whether it used a parameter.
        self._extension: bool | None = None
        self._scan_forward = False  # the last forward found came from a bound tensor, not a module
        self.prediction: Any = None  # the latest forward's output (the predictions)
        self.model_call: tuple[Any, Any] = (None, None)  # (module, its input) of the latest model call
        self.forward_mode: str | None = None  # how the latest model call ran, when not plain training
        self.target: Any = None  # what the latest loss compared the predictions with
        self.loss_tensor: Any = None
        self.scaled_by: Any = None  # the GradScaler whose scaled loss the .grad values came from
        self._loss_backwarded = False  # a backward ran since the latest loss was found
        self._loss_line: int | None = None  # the line of the latest loss found
        self._backward_line: int | None = None  # the line of the latest backward, and whether it took
        self._backward_for_input = False  # an input's gradient (an adversarial attack's)
        # (backward's line, zero_grad's line) when a zero_grad cleared gradients no update had used
        # yet: said at the next backward, unless a step comes first (zero-grad-before-step says that).
        self._cleared_unused: tuple[int, int] | None = None
        self._used_grads: set[tuple[int, int]] = set()  # (id, version) of the gradients an update used
        # The sequence number of the latest backward's root: autograd numbers the nodes it makes, in
        # order, per thread, so a tensor whose node is numbered no higher was made before that backward.
        self._backward_mark = -1
        self.notices: list[Notice] = []  # detectors' findings, handed to the next pause
        self._noticed: set[tuple[str, tuple[str, int]]] = set()  # (code, place) already reported once
        self._stepped_since_backward = False
        self._line = 0  # the line being observed (where a finding is reported)
        self._info: FileInfo = project.script_info  # the file of the line being observed
        # (file, line) of the line being observed: what is remembered per line is per line of a file,
        # as the project's modules have their own line 12.
        self._place: tuple[str, int] = (project.script_info.source.path, 0)
        # Train/eval mode and no_grad at model calls.
        self.modes = ModeWatch(lambda line: self._info.source.line_text(line), lambda: hooks.optimizers)
        self._losses_checked: set[tuple[str, int]] = set()  # places whose loss's function was checked
        self._totals: dict[tuple[str, int], tuple] = {}  # place -> the running total of losses made there
        self.stop_requested = False
        self.loss_value: float | None = None
        self._frames: dict[FrameType, _Frame] = {}
        self._loop_codes: set[CodeType] = set()
        self._carry: list[str] = []
        self._busy: dict[CodeType, set[int]] = {}  # lines where forward/loss/backward happened
        self._region_cache: dict[tuple, frozenset[int]] = {}
        self._stored: dict[CodeType, dict[int, tuple[str, ...]]] = {}
        # Update lines whose change the version counters saw (`p -= lr * p.grad`): no need to copy
        # every parameter before them again (only updates through `.data` need those copies).
        self._counted_updates: set[tuple[CodeType, int]] = set()
        # Recent forward outputs and losses (strong references keep their ids from being reused).
        self._forwards: deque[Any] = deque(maxlen=8)
        self._losses: deque[Any] = deque(maxlen=8)
        self._forward_this_iteration = False
        # Updates beyond a pause's one that happened where no line was traced (a loop inside `exec`
        # or a library's `fit()`): counted with the next update the session takes.
        self.extra_updates = 0
        self._joined = False  # the line being observed joined the outputs of several model calls
        self._backward_since_step = False
        self._zeroed_after_backward = False  # a zero_grad came after the latest backward, before a step
        self._changed_quietly = False  # params changed in place, but no update is due (part of one)
        self._optimizer_stepped = False  # an optimizer's step hook was heard at this line boundary
        # A stale-grad or grad-accumulate finding about a backward taken for an input's gradient (an
        # adversarial attack): said at the next step only if no zero_grad threw those gradients away.
        self._unsettled_accumulation: Notice | None = None
        # Parameters an optimizer holds, changed by hand after a backward (SAM's climb and return,
        # weight decay by hand): that optimizer's step is the update. Counts the backwards since the
        # first such change while no step came; two mean the script updates by hand after all, and
        # from then on its changes are steps (`_edits_are_updates`).
        self._edits_unstepped: int | None = None
        self._edits_are_updates = False
        # The line of such a change made from the gradients themselves (`p -= lr * p.grad`), since the
        # latest backward: the optimizer's step then updates from the same gradients a second time.
        self._grad_edit_line: int | None = None
        self._found_optimizers: list[Any] = []  # optimizers found in the script's variables (weakly)
        self._step_calls = _step_calls(source.text)
        project.on_new_file = self._new_file
        self._scanned: set[tuple[CodeType, int]] = set()  # update lines already looked around for one
        import torch

        self._torch = torch

    # --- sys.settrace entry points -----------------------------------------------------------------

    def global_trace(self, frame: FrameType, event: str, arg: Any):
        code = frame.f_code
        info = self._files.get(code.co_filename, _UNKNOWN)
        if info is _UNKNOWN:
            info = self.project.info(code.co_filename)
        if info is None:
            return None  # (never stop inside torch's own code: only on the script's lines)
        if self.stop_requested:
            raise StopScript
        is_loop = code in self._loop_codes or code.co_name == "<module>" or "backward" in code.co_names
        if is_loop:
            self._promote_callers(frame.f_back)
        elif frame.f_back is not None and _DATA_LOADING in frame.f_back.f_code.co_filename:
            # Called by a DataLoader: a Dataset's __getitem__ (thousands of times an epoch), a
            # collate_fn, a sampler. No line there is a phase of the loop.
            return None
        self._frames[frame] = _Frame(is_loop, info)
        return self._local_trace

    def _new_file(self, info: FileInfo) -> None:
        """A module of the script's project ran for the first time: its `.step()` calls count too."""
        self._step_calls = self._step_calls + _step_calls(info.source.text)
        self.watch.add_loop_targets(info.blocks.loop_targets())

    def _promote_callers(self, frame: FrameType | None) -> None:
        """A function that calls the training step (`for ...: loss = f(); update(loss)`) is part of
        the loop too: from now on it pauses itself, and what it has seen so far is shown first."""
        chain = []
        while frame is not None:
            state = self._frames.get(frame)
            if state is not None and not state.is_loop:
                chain.append((frame, state))
            frame = frame.f_back
        for caller, state in reversed(chain):
            state.is_loop = True
            self._loop_codes.add(caller.f_code)
            if state.pending:
                pending, state.pending = state.pending, []
                self._pause(pending, caller, state.pending_line)

    def _local_trace(self, frame: FrameType, event: str, arg: Any):
        if self.stop_requested:
            raise StopScript
        state = self._frames.get(frame)
        if state is None:
            return None
        if event == "line":
            line = frame.f_lineno
            info = state.info
            start = info.statement_starts.get(line)
            if start is not None:
                if start == state.line:
                    return self._local_trace  # (the statement running goes on over its next line)
                line = start
            elif line == state.line and line in info.inline_loops:
                return self._local_trace  # (a comprehension's next round: the statement goes on)
            state.unwinding = False
            self._boundary(frame, state, line)
            if (
                state.line is not None
                and (self._backward_since_step or state.group is not None or self._stepped_since_backward)
                and info.line_kind(state.line) == "step"
                and (frame.f_code, state.line) not in self._counted_updates
            ):
                # A hand-written update line: copies (of samples) of every parameter, to catch an
                # update through `.data`, which no version counter sees (or, after a step, an edit
                # such as WGAN's `p.data.clamp_()`, which the next pause must show).
                state.before = self.watch.fingerprints()
        elif event == "return":
            try:
                if not state.unwinding:
                    self._boundary(frame, state, None, arg, returning=True)
            finally:
                del self._frames[frame]
        elif event == "exception":
            # (An iterator written in Python, a DataLoader's, ends a `for` with StopIteration, which
            # the loop catches: the frame goes on, and a comprehension returns right after.)
            state.unwinding = not issubclass(arg[0], StopIteration)
        return self._local_trace

    # --- one line boundary --------------------------------------------------------------------------

    def _boundary(self, frame: FrameType, state: _Frame, next_line: int | None, retval: Any = None,
                  returning: bool = False) -> None:  # fmt: skip
        line, state.line = state.line, next_line
        if line is None or self.hooks.module_depth > 0:
            return  # nothing finished yet, or we are inside a model's own forward
        if state.transformed is None:
            state.transformed = in_transform()  # (a function torch.func runs: see hooks.in_transform)
        if state.transformed:
            return
        phases = self._observe(frame, state, line, retval, returning)
        if not state.is_loop:
            if phases:
                state.pending.extend(phases)
                state.pending_line = line
            if returning and state.pending:
                self._carry.extend(state.pending)
            return
        extension, self._extension = self._extension, None
        if state.chain is not None:
            if not phases and extension is not None:
                if extension:  # this line used a parameter: the forward now ends here
                    state.chain = self._take(["forward"], frame, line)
                if not returning:
                    return
            taken, state.chain = state.chain, None
            self._busy.setdefault(frame.f_code, set()).add(line)
            self._deliver(taken)
        if not phases and state.group is None:
            return
        code = frame.f_code
        if phases == ["forward"] and self._scan_forward and state.group is None and not returning:
            self._busy.setdefault(code, set()).add(line)
            state.chain = self._take(["forward"], frame, line)
            return
        if not MUTATIONS.issuperset(phases):
            self._busy.setdefault(code, set()).add(line)
        if state.group is not None:
            if not MUTATIONS.issuperset(phases):
                self._pause(state.group + phases, frame, line)
                state.group = None
                return
            for p in phases:
                if p not in state.group:
                    state.group.append(p)
            if phases or self._changed_quietly:
                state.group_line = line  # report the update's last line
            if phases:
                state.region = state.region | self._region(code, line, phases[-1])
            if phases == ["step"] and not returning and self._another_optimizer_steps(frame, next_line):
                state.region = state.region | {next_line}
            if next_line in state.region and not returning:
                return
            group, state.group = state.group, None
            self._pause(group, frame, state.group_line)
            return
        if not phases:
            return
        # An optimizer's step pauses at once: lines after it that edit parameters (WGAN's clamp)
        # are not more of the same update, and are told apart (see _observe).
        if MUTATIONS.issuperset(phases) and not returning and not self._optimizer_stepped:
            region = self._region(code, line, phases[-1])
            if next_line in region:
                state.group, state.group_line, state.region = list(phases), line, region
                return
        if phases == ["step"] and not returning and self._another_optimizer_steps(frame, next_line):
            # Optimizers of the parts of one model (the seq2seq tutorial's encoder and decoder) stepped
            # one after the other from one backward: one update, paused once all of them have stepped.
            state.group, state.group_line, state.region = ["step"], line, frozenset((line, next_line))
            return
        self._pause(phases, frame, line)

    def _pause(self, phases: list[str], frame: FrameType, line: int) -> None:
        ordered: list[str] = []
        for p in phases:
            if p not in ordered:
                ordered.append(p)
        updates = _updates_in(phases)
        if updates > 1:
            # Whole iterations ran where no line of the script paused (a loop inside `exec`, a
            # library's loop calling the script's `training_step`): each update counts.
            self.extra_updates += updates - 1
        if updates > 1 or _WHOLE_ITERATION <= set(ordered):
            # (and the phases of such a pause are listed in the loop's order: the order they were
            # heard in mixes iterations, and a loss found only at its backward comes late)
            ordered.sort(key=_LOOP_ORDER.index)
        self._deliver(self._take(ordered, frame, line))

    # --- what happened since the last boundary -----------------------------------------------------

    def _observe(self, frame: FrameType, state: _Frame, line: int, retval: Any, returning: bool) -> list[str]:
        torch = self._torch
        phases: list[str] = self._carry
        self._carry = []
        self._line = line
        self._info = state.info
        self._place = (state.info.source.path, line)
        watch = self.watch
        reported: list[Any] = []
        hooks = self.hooks
        if hooks.roots:
            roots, hooks.roots = hooks.roots, []
            self.notices.extend(self.modes.used(roots, trains=False))
        events = hooks.drain() if hooks.events else ()
        self._optimizer_stepped = False
        if hooks.skipped_steps:
            self._report_skipped_steps()
        if hooks.clipped:
            self._report_clipping()
        restored = False
        for at, event in enumerate(events):
            kind = event.kind
            inner_loss = None
            if kind == "restore":
                restored = True
                continue
            if kind == "step":
                watch.param_generation += 1
            elif kind in ("zero_grad", "backward"):
                watch.grad_generation += 1
            if kind == "forward":
                self._scan_forward = False
                self._note_forward(event.tensor)
                self.model_call = (event.owner, first_tensor(event.args))
                if isinstance(event.owner, torch.nn.Module):
                    watch.add_module(event.owner)
                    given = first_tensor(event.args)
                    if given is not None and given.requires_grad:
                        self._note_inputs(given, event.owner)
                    if hooks.stats_reset:
                        resets, hooks.stats_reset = hooks.stats_reset, []
                        self.modes.stats_reset(resets)
                    self.notices.extend(self.modes.forward(event.owner, event.tensor, line, given))
                    self.forward_mode = mode_of(event.owner, event.tensor, event.grad_enabled)
                reported.append(event.tensor)
                # (What the model returned with its predictions, `recon, mu, logvar = vae(x)`, is
                # more of that forward, not a forward of its own, nor the predictions.)
                reported.extend(event.others)
                inner_loss = _loss_among(event.others, event.tensor)
                made = (t for t in event.others if t.grad_fn is not None and t is not inner_loss)
                self._forwards.extend(made)
            elif kind == "loss":
                if not self._forward_this_iteration:
                    phases.append("forward")
                    self._forward_this_iteration = True
                # A loss module is given (predictions, targets); a model that returns only its loss
                # (`loss = model(x, y)`) is given its inputs, which are no predictions.
                pair = () if _has_parameters(event.owner) else event.args
                self._note_loss(event.tensor, pair[1] if len(pair) >= 2 else None)
                reported.append(event.tensor)
                if len(pair) >= 2:
                    self._notice(detect.loss_inputs_broadcast(pair[0], pair[1]))
            elif kind == "backward":
                root = event.tensor
                if root is not None and root.numel() == 1 and not self._is_known_loss(root):
                    if not self._forward_this_iteration:
                        phases.append("forward")
                    phases.append("loss")
                    self._note_loss(root)
                    self._check_graph_broadcast(root)
                elif (
                    root is not None and root is not self.loss_tensor and any(root is t for t in self._losses)
                    and self.hooks.scaler_of(root) is None
                ):  # fmt: skip
                    # Another loss was made after this one (a validation loss, for a log): the step
                    # optimises the one backpropagated, so that is the loss from here on.
                    self.loss_tensor = root
                    self.loss_value = float(root.item())
                self.scaled_by = None
                self.notices.extend(self.modes.used(list(event.args) or [root], trains=True))
                if root is not None and root.grad_fn is not None:
                    watch.add_from_graph(root.grad_fn)
                    if hooks.scaled:
                        self._check_scaled(root)
                for_input = watch.inputs_took_grads()
                if self._cleared_unused is not None and not self.hooks.in_closure:
                    self._notice(detect.grads_unused_notice(*self._cleared_unused))
                self._cleared_unused = None
                self._backward_line, self._backward_for_input = line, for_input
                hooks.watch_clearing = not for_input
                if watch.grads_added_to():
                    notice = detect.accumulation_notice(self._stepped_since_backward)
                    if for_input:
                        # The parameters' gradients are a by-product of taking an input's (FGSM):
                        # whether adding them to old ones matters depends on a zero_grad before the step.
                        self._unsettled_accumulation = notice
                    else:
                        self._notice(notice)
                self._grad_edit_line = None
                if self._edits_unstepped is not None:
                    self._edits_unstepped += 1
                    if self._edits_unstepped >= 2:
                        self._edits_are_updates, self._edits_unstepped = True, None
                watch.mark_grads_live()
                self._loss_backwarded = True
                if root is not None and root.grad_fn is not None:
                    self._backward_mark = max(self._backward_mark, sequence_nr(root.grad_fn))
                self._stepped_since_backward = False
                self._backward_since_step = True
                self._zeroed_after_backward = False
                self._forward_this_iteration = False
            elif kind == "zero_grad":
                if event.args and any(mark not in self._used_grads for mark in event.args[0]):
                    self._note_clearing(line)
                self.scaled_by = None
                watch.add_from_owner(event.owner)
                watch.clear_grads_live()
                self.modes.zero_grad()
                self._unsettled_accumulation = None
                self._zeroed_after_backward = self._backward_since_step
            elif kind == "step":
                cleared = next((e for e in events[at + 1 :] if e.kind == "zero_grad"), None)
                if cleared is None:
                    self._notice(self._why_no_gradients(event.owner))
                    self._used_grads = self.watch.grad_marks()
                else:
                    # `optimizer.step(); optimizer.zero_grad()` on one line: the gradients this step
                    # found are the ones that zero_grad cleared after it (the hooks noted them), not
                    # what is left now. (A `p.grad = None` by hand noted none: nothing is said.)
                    found = cleared.args[0] if cleared.args else None
                    if found == ():
                        self._notice(self._why_no_gradients(event.owner))  # (it found none either)
                    self._used_grads = set(found or ())
                self._cleared_unused = None
                hooks.watch_clearing = False
                self._zeroed_after_backward = False
                self.scaled_by = None
                self._optimizer_stepped = True
                self._stepped_since_backward = True
                watch.add_from_optimizer(event.owner)
                watch.versions_changed()
                self.notices.extend(self.modes.step(event.owner))
                self._backward_since_step = False
                self._edits_unstepped = None
                self._settle_accumulation()
                if self._grad_edit_line is not None:
                    self._notice(detect.double_update_notice(self._grad_edit_line))
                    self._grad_edit_line = None
            phases.append(kind)
            if kind == "forward" and inner_loss is not None:
                # The model computed the loss itself and returned it with its predictions
                # (nanoGPT's `logits, loss = model(x, y)`): the loss is done on this line too.
                self._note_loss(inner_loss)
                phases.append("loss")

        # New tensors the finished line bound (or the value a helper returns).
        candidates: list[Any] = []
        code = frame.f_code
        stored = self._stored.get(code)
        if stored is None:
            stored = self._stored[code] = stored_names(code)
        names = stored.get(line)
        rebound = False
        if names:
            local_vars = frame_locals(frame)
            for name in names:
                value = local_vars.get(name)
                if isinstance(value, torch.Tensor) and value.grad_fn is None and name in watch.names:
                    rebound = watch.rebind(name, value) or rebound
                elif isinstance(value, dict) and value and f"{name}[{next(iter(value))!r}]" in watch.names:
                    # A dict of parameters made anew (`params = {k: p - lr * g ...}`): follow each.
                    for key, item in value.items():
                        if isinstance(item, torch.Tensor) and item.grad_fn is None:
                            rebound = watch.rebind(f"{name}[{key!r}]", item) or rebound
                else:
                    candidates.append(value)
        if returning:
            candidates.append(retval)
        # (Several model calls on this line, whose outputs the line joins: `torch.cat` of halves.)
        self._joined = sum(event.kind == "forward" for event in events) > 1
        for value in candidates:
            if not isinstance(value, torch.Tensor) or value.grad_fn is None:
                continue
            if any(value is t for t in reported):
                continue
            self._classify(value, phases)
        if returning and isinstance(retval, torch.Tensor) and retval.grad_fn is not None:
            # What a helper returns (a model written as a function) shows every parameter it used.
            watch.add_from_graph(retval.grad_fn)

        # Parameters changed in place outside autograd: an update (counted once a backward ran).
        edited = watch.versions_changed()
        if state.before is not None:
            if edited:
                self._counted_updates.add((frame.f_code, line))
            edited = edited or watch.values_changed(state.before)
            state.before = None
        changed = edited or rebound
        if changed and restored:  # (weights loaded: what they were at a checkpoint, no training step)
            watch.param_generation += 1
            changed = False
        if changed and (
            hooks.in_closure
            or (edited and self._backward_since_step and self._left_to_optimizer(frame, line))
        ):
            # Not an update of its own: a step that calls a closure (LBFGS) changed the parameters
            # between its calls of it, which is that one step, said when it returns; or the parameters
            # an optimizer holds changed by hand before its step, which is the update.
            watch.param_generation += 1
            self._changed_quietly = False
            # (SAM's climb used the gradients: the zero_grad before its step throws nothing away)
            self._used_grads = self.watch.grad_marks()
            if not hooks.in_closure:
                if self._edits_unstepped is None:
                    self._edits_unstepped = 0
                if ".grad" in state.info.source.line_text(line):  # (SAM's climb and return, weight decay: no)
                    self._grad_edit_line = line
            changed = False
        else:
            self._changed_quietly = changed and not self._backward_since_step
        if changed:
            watch.param_generation += 1
            # (Not a line of the update itself: those are one step, held together as a group.)
            after_step = self._stepped_since_backward and not self._optimizer_stepped and state.group is None
            after_step = after_step and not state.updated
            if edited and self._changed_quietly and after_step and self._edits_trained():
                renormalised = any(e.kind in ("forward", "loss") and _renormalises(e.owner) for e in events)
                self._notice(detect.edited_after_step_notice(line, renormalised))
        if changed and self._backward_since_step:
            self._stepped_since_backward = True
            # An update seen by its effect happened before any clearing heard at the same boundary
            # (LBFGS updates inside step(), then its closure's zero_grad runs): it is listed first.
            at = phases.index("zero_grad") if "zero_grad" in phases else len(phases)
            phases.insert(at, "step")
            self._backward_since_step = False
            self._cleared_unused, self.hooks.watch_clearing = None, False
            self._used_grads = self.watch.grad_marks()
            self._settle_accumulation()
            if not state.is_loop:
                state.updated = True
        if state.info.line_kind(line) == "zero_grad" and "zero_grad" not in phases and watch.grads_zeroed():
            self._note_clearing(line)
            watch.grad_generation += 1
            phases.append("zero_grad")
            self._unsettled_accumulation = None
        return phases

    def _note_clearing(self, line: int) -> None:
        """A zero_grad on `line`: did it throw away the gradients of a backward no update used?"""
        if self._backward_since_step and not self._backward_for_input and not self.hooks.in_closure:
            if self._backward_line is not None:
                self._cleared_unused = (self._backward_line, line)

    def _why_no_gradients(self, optimizer: Any) -> Notice | None:
        """When an optimizer's step found no gradients in any parameter it holds: why. (The usual step,
        after a backward and no clearing, reads no gradient's values: on a GPU that would wait for it.)"""
        pending = self.loss_tensor is not None and not self._loss_backwarded and self._loss_line is not None
        if self._backward_since_step and not self._zeroed_after_backward and not pending:
            params = optimizer_params(optimizer)
            if params and all(p.grad is None for p in params):
                return detect.backward_missed_params_notice(self._backward_line)
            return None
        if not _no_gradients(optimizer):
            return None
        if pending:
            # (`loss.backward` without its parentheses, or the step written before the backward)
            return detect.step_before_backward_notice(self._loss_line)
        if self._zeroed_after_backward:
            return detect.zero_grad_before_step_notice()
        if not self._backward_since_step:
            return detect.step_before_backward_notice(None)
        return None

    def _edits_trained(self) -> bool:
        """Did the parameters just changed in place include one an optimizer updates? An average kept
        by hand in a second model that no optimizer holds (an EMA copy) is no edit of what it trains."""
        optimizers = self.hooks.optimizers
        if not optimizers:
            return True  # (updates written by hand: every watched tensor is what the script trains)
        edited = {id(t) for t in (ref() for ref in self.watch.edited) if t is not None}
        return _holds_any(optimizers, edited)

    def _note_inputs(self, given: Any, model: Any) -> None:
        """A model was given an input that takes gradients: a leaf (an adversarial example), or one made
        from a leaf of the input's own shape (PGD's `x + delta`). Such a leaf is data whose gradient the
        script wants, unless an optimizer trains it (style transfer's image)."""
        if given.grad_fn is None:
            leaves = [given]
        else:
            shape = given.shape
            leaves = [leaf for leaf in graph_leaves(given.grad_fn, 32) if leaf.shape == shape]
        optimized = {id(p) for o in self.hooks.optimizers for p in optimizer_params(o)}
        # A model that trains nothing itself (frozen) is being used to optimise its input by hand (a
        # feature visualisation): an input given to it again with its gradient taken is what trains.
        frozen = not any(p.requires_grad for p in model.parameters())
        for leaf in leaves:
            if not isinstance(leaf, self._torch.nn.Parameter) and id(leaf) not in optimized:
                self.watch.add_input(leaf, promote=frozen)

    def _settle_accumulation(self) -> None:
        """A step used the gradients an input's backward added to old ones: that finding stands."""
        if self._unsettled_accumulation is not None:
            notice, self._unsettled_accumulation = self._unsettled_accumulation, None
            self._notice(notice)

    def _left_to_optimizer(self, frame: FrameType, line: int) -> bool:
        """Are the parameters that just changed by hand, after a backward, held by an optimizer whose
        step is to come? Then they were moved on purpose before it (SAM's climb to a nearby point and
        back, weight decay written by hand), and that step is the update. An optimizer seen stepping
        before says so; in a script that calls a step somewhere, optimizers not yet seen clearing or
        stepping are looked for once per line among its variables (SAM's first climb); an optimizer in
        a script that never calls one only clears gradients, and the change by hand is the update."""
        if self._edits_are_updates:
            return False
        edited = {id(t) for t in (ref() for ref in self.watch.edited) if t is not None}
        if _holds_any([o for o in self.hooks.optimizers if o in self.hooks.stepped], edited):
            return True  # (an optimizer that steps these parameters: its step is to come)
        if not self._step_calls or self._only_schedulers_step(frame):
            # No `.step()` (nor `first_step`/`second_step`) anywhere in the script but a learning-rate
            # scheduler's, and no optimizer seen stepping: one that only clears the gradients (and
            # holds the lr a schedule changes), and the update is the one by hand.
            return False
        found = [o for o in (ref() for ref in self._found_optimizers) if o is not None]
        if _holds_any(self.hooks.optimizers + found, edited):
            return True
        key = (frame.f_code, line)
        if key in self._scanned:
            return False
        self._scanned.add(key)
        more = optimizers_in_scope(frame, self.project)
        found = [o for o in more if not any(o is f for f in found)] + found
        self._found_optimizers = [weakref.ref(o) for o in found]
        return _holds_any(found, edited)

    def _another_optimizer_steps(self, frame: FrameType, next_line: int | None) -> bool:
        """Is the statement about to run (after an optimizer's step) another optimizer's `.step()`?"""
        if not self._optimizer_stepped or next_line is None:
            return False
        info = self._files.get(frame.f_code.co_filename) or self.project.script_info
        receiver = info.blocks.step_call_at(next_line)
        return receiver is not None and isinstance(
            _look_up(receiver, frame, self.project), self._torch.optim.Optimizer
        )

    def _only_schedulers_step(self, frame: FrameType) -> bool:
        """Is every `.step()` the script calls a learning-rate scheduler's (`scheduler.step()` beside
        an optimizer used only for zero_grad and its lr)? Each receiver is looked up by name in the
        script's frames, outward from `frame`; one not found, or not a scheduler, may be an optimizer."""
        lr_scheduler = self._torch.optim.lr_scheduler
        schedulers = (lr_scheduler.LRScheduler, lr_scheduler.ReduceLROnPlateau)
        for receiver in set(self._step_calls):
            if not isinstance(_look_up(receiver, frame, self.project), schedulers):
                return False
        return True

    def _is_known_loss(self, tensor: Any) -> bool:
        if any(tensor is t for t in self._losses):
            return True
        return derives_from(tensor.grad_fn, {node_key(t.grad_fn) for t in self._losses})

    def _classify(self, value: Any, phases: list[str]) -> None:
        fn = value.grad_fn
        if sequence_nr(fn) <= self._backward_mark:
            # Made before the latest backward: the last iteration's hidden state bound again
            # (`h, c = state`), not a new forward.
            return
        loss_ids = {node_key(t.grad_fn) for t in self._losses}
        forward_ids = {node_key(t.grad_fn) for t in self._forwards}
        # (A prediction already known, bound again to a name at the call site of the function that
        # made it, is still that prediction.)
        one_number = value.dim() == 0 and node_key(fn) not in forward_ids
        if (
            not one_number
            and value.numel() == 1
            and node_key(fn) not in forward_ids
            and derives_from(fn, forward_ids)
        ):
            # A loss of shape [1] (`(pred - y) ** 2` on one example of shape [1]: backward takes it as
            # it takes a scalar), unless the line goes on building the prediction (`h @ w2`, a sigmoid).
            # Only from a one-value prediction, or summed over the examples (`.sum(dim=0)` of [N, 1]):
            # one value picked out of a bigger output (a policy's `log_prob`) is no loss of its own.
            kind = type(fn).__name__
            one_number = (
                not uses_parameter(fn, forward_ids)
                and kind not in _SHAPING
                and ((self.prediction is not None and self.prediction.numel() == 1) or kind in _REDUCING)
            )
        elif one_number and not self._forward_this_iteration and not derives_from(fn, loss_ids):
            # The first number of an iteration with a grad: a forward and loss written as one
            # expression, or a prediction that is one number (`y_pred = w * x` on one example), which
            # compares nothing with a target yet.
            one_number = _compares(fn)
        if one_number:
            if derives_from(fn, loss_ids):
                # The same loss rescaled (loss / accumulation_steps), or one with terms added
                # (+ a weight penalty, a second task's loss): no new phase, but before its backward
                # the script's variable holds the loss being optimised, so it is the one shown. (After
                # it, `total = total + loss` is a running sum, not the loss; nor is a scaler's output.)
                self._losses.append(value)
                if not self._loss_backwarded and self.hooks.scaler_of(value) is None:
                    self.loss_tensor = value
                    self.loss_value = float(value.item())
                elif self._loss_backwarded:
                    # A running total of losses kept as a tensor after their backward (`total +=
                    # loss`), when this line's total grows from its own last value: it holds every
                    # iteration's autograd graph. (`err = err_real + err_fake` for a log is made anew.)
                    last = self._totals.get(self._place)
                    if last is not None and any(node_key(n) == last for n in walk(fn, 64)):
                        self._notice(detect.loss_graph_kept_notice(self._line))
                    self._totals[self._place] = node_key(fn)  # (a key: no graph kept alive)
                return
            if self._forward_this_iteration:
                if forward_ids and not derives_from(fn, forward_ids):
                    return  # a scalar that does not come from the predictions is not the loss
            else:
                phases.append("forward")
                self._forward_this_iteration = True
            self.watch.add_from_graph(fn)
            self._note_loss(value)
            self._check_graph_broadcast(value)
            phases.append("loss")
        else:
            if any(ref() is value for ref in self.hooks.computed_weights):
                return  # `w = model.weight` of a parametrized layer: a weight, not predictions
            if any(ref() is value for ref in self.hooks.gradients_made):
                # A gradient taken to build the loss (a gradient penalty): an intermediate of it.
                self._forwards.append(value)
                return
            if derives_from(fn, forward_ids | loss_ids):
                # Still building the predictions (`h = x @ w1` then `out = h @ w2`), or an
                # intermediate of the loss: remember whether this line brought in a parameter.
                used_param = uses_parameter(fn, forward_ids)
                self._extension = used_param
                self._forwards.append(value)
                if used_param or self._joined:  # (the joined outputs are the predictions)
                    self.prediction = value
                return
            self._note_forward(value)
            self._scan_forward = True
            phases.append("forward")

    def notice(self, notice: Notice | None) -> None:
        """Hand a finding to the next pause, once per line of the script."""
        self._notice(notice)

    def _notice(self, notice: Notice | None) -> None:
        if notice is None:
            return
        key = (notice.code, self._place)
        if key not in self._noticed:  # once per line: the first time is the news
            self._noticed.add(key)
            self.notices.append(notice)

    def _check_scaled(self, root: Any) -> None:
        """A backward from a GradScaler's scaled loss: its gradients are that many times too big. Said
        at every such backward (not once per line): every one of them shows scaled values."""
        scaler = self.scaled_by = self.hooks.scaler_of(root)
        if scaler is not None:
            self.notices.append(detect.scaled_grads_notice(scaler.get_scale()))

    def _report_skipped_steps(self) -> None:
        """Every skipped update is news (not once per line): the parameters stayed as they were."""
        skipped, self.hooks.skipped_steps = self.hooks.skipped_steps, []
        for scaler in skipped:
            self.notices.append(detect.skipped_step_notice(scaler.get_scale(), scaler.get_backoff_factor()))

    def _report_clipping(self) -> None:
        clipped, self.hooks.clipped = self.hooks.clipped, []
        if (detect.GRAD_CLIPPED, self._place) in self._noticed:
            return  # (asked before the norm: reading it waits for a GPU)
        for how, found, limit in clipped:
            if how == "norm":
                self._notice(detect.clipping_notice(float(found.item()), limit))
            else:
                cut, numel = found
                self._notice(detect.value_clipping_notice(int(cut.item()), numel, limit))

    def _check_graph_broadcast(self, loss: Any) -> None:
        if self.prediction is not None:
            self._notice(detect.graph_broadcast(loss, self.prediction))

    def _note_forward(self, tensor: Any) -> None:
        if not self._forward_this_iteration:
            self._forwards.clear()
            self._losses.clear()
            self.loss_tensor = None
            self.model_call = (None, None)
        self._forward_this_iteration = True
        self.prediction = tensor
        if tensor.grad_fn is not None:
            self._forwards.append(tensor)
            self.watch.add_from_graph(tensor.grad_fn)

    def _note_loss(self, tensor: Any, target: Any = None) -> None:
        given = target  # a loss module's own second argument (None for a functional or hand-written loss)
        if target is None:  # a functional loss keeps its target for backward
            try:
                target = getattr(tensor.grad_fn, "_saved_target", None)
            except RuntimeError:  # freed: backward ran on it already (`F.cross_entropy(...).backward()`)
                target = None
        self.target = target
        self.loss_tensor = tensor
        self._loss_backwarded = False
        self._loss_line = self._line
        self._losses.append(tensor)
        self.loss_value = float(tensor.item())  # (a float16/bfloat16 one too: item() gives a Python float)
        self.notices.extend(self.modes.loss(tensor, self._line))
        if self._place not in self._losses_checked:  # (the first loss made on each line)
            self._losses_checked.add(self._place)
            text = self._info.source.line_text(self._line)
            for notice in detect.loss_function_notices(tensor, given, text):
                self._notice(notice)

    # --- source structure ------------------------------------------------------------------------------

    def _region(self, code: CodeType, line: int, kind: str) -> frozenset[int]:
        busy = frozenset(self._busy.get(code, ()))
        key = (code.co_filename, line, kind, busy)
        region = self._region_cache.get(key)
        if region is None:
            info = self._files.get(code.co_filename) or self.project.script_info
            region = self._region_cache[key] = info.blocks.region(line, kind, busy)
        return region

    # --- running -------------------------------------------------------------------------------------------

    def resync(self) -> None:
        """Lines ran untraced (an optimizer step raised with tracing off, and the script caught it):
        each of the script's frames still running is on the line it is on now, with nothing pending
        from before, and frames that ended meanwhile are forgotten."""
        live = set()
        frame = sys._getframe(1)
        while frame is not None:
            state = self._frames.get(frame)
            if state is not None:
                live.add(frame)
                state.line, state.unwinding = frame.f_lineno, False
                state.group, state.chain, state.before = None, None, None
            frame = frame.f_back
        for frame in [f for f in self._frames if f not in live]:
            del self._frames[frame]

    def install(self) -> None:
        self.hooks.on_resync = self.resync
        self.hooks.trace_function = self.global_trace
        sys.settrace(self.global_trace)

    def uninstall(self) -> None:
        self.hooks.on_resync = None
        self.hooks.trace_function = None
        sys.settrace(None)


# Operations that carry predictions on rather than compare them with targets: a one-number result
# of one of these (`torch.sigmoid(logit)` on one example) is still the prediction.
_SHAPING = frozenset(
    name + "Backward0"
    for name in (
        "Sigmoid", "Tanh", "Relu", "Gelu", "Elu", "LeakyRelu", "Silu", "Softplus", "Hardtanh",
        "Softmax", "LogSoftmax", "View", "Reshape", "Unsqueeze", "Squeeze", "Permute", "T",
        "Transpose", "Expand", "Select", "Slice", "Clone", "ToCopy",
    )
)  # fmt: skip

# Reductions over a dimension (`.sum(dim=0)`, `.mean(0)`): of [N, 1] errors, a loss of shape [1].
_REDUCING = frozenset(("SumBackward1", "MeanBackward1"))

# What a loss does that a prediction does not: compare with a target (a difference, a loss node, a
# log-likelihood), square or take the size of an error, or average over examples. A plain sum is left
# out: `(w * x).sum()` is a dot product, the prediction of a linear model on one example.
_COMPARING = frozenset(
    name + "Backward0"
    for name in (
        "Sub", "Rsub", "Pow", "Abs", "Log", "Log1p", "Neg", "Mean", "LinalgVectorNorm", "Norm",
        "MseLoss", "L1Loss", "HuberLoss", "SmoothL1Loss", "NllLoss", "NllLoss2D", "BinaryCrossEntropy",
        "BinaryCrossEntropyWithLogits", "KlDiv", "LogSoftmax", "SoftMarginLoss", "MultiMarginLoss",
        "MultilabelMarginLoss", "PoissonNllLoss", "CosineEmbeddingLoss", "Maximum", "Minimum",
        "ClampMin", "Clamp",
    )
)  # fmt: skip


def _compares(fn: Any, limit: int = 64) -> bool:
    """Does the graph under this one-number result (up to `limit` nodes) compare something with a
    target, as a loss does, rather than only compute a prediction?"""
    return any(type(node).__name__ in _COMPARING or "Loss" in type(node).__name__ for node in walk(fn, limit))


def _step_calls(text: str) -> list[str]:
    """What the script calls a method named `step` or `..._step` on (an optimizer's step, SAM's
    `first_step`/`second_step`, a scheduler's step), as dotted names (`scheduler`, `self.sched`);
    "" for anything else (`trainer.optimizers[0].step()`), which may be an optimizer."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return [""]
    receivers = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and (node.func.attr == "step" or node.func.attr.endswith("_step"))
        ):
            receivers.append(dotted_name(node.func.value))
    return receivers


_LOOP_ORDER = PHASES  # (forward, loss, zero_grad, backward, step)
_WHOLE_ITERATION = frozenset(("forward", "zero_grad", "backward", "step"))


def _updates_in(phases: list[str]) -> int:
    """How many updates these phases hold, in the order they happened: steps with a backward before
    each (optimizers stepped one after the other from one backward are one update; the first step
    may follow an earlier line's backward)."""
    updates, backward = 0, True
    for phase in phases:
        if phase == "backward":
            backward = True
        elif phase == "step" and backward:
            updates, backward = updates + 1, False
    return updates


def _has_parameters(module: Any) -> bool:
    parameters = getattr(module, "parameters", None)
    return parameters is not None and next(iter(parameters()), None) is not None


def _renormalises(model: Any) -> bool:
    """Does this model change its own parameters as it runs: an `nn.Embedding(max_norm=…)` in it?"""
    import torch

    if not isinstance(model, torch.nn.Module):
        return False
    return any(isinstance(m, torch.nn.Embedding) and m.max_norm is not None for m in model.modules())


def _loss_among(others: tuple, prediction: Any) -> Any:
    """The loss a model returned beside its predictions: a scalar with a gradient made from them
    (a KL term made from the mean and variance alone is not it), else None."""
    if prediction.grad_fn is None:
        return None
    made_from = {node_key(prediction.grad_fn)}
    for tensor in others:
        if is_loss_tensor(tensor) and derives_from(tensor.grad_fn, made_from):
            return tensor
    return None


def _look_up(dotted: str, frame: FrameType | None, files: Container[str]) -> Any:
    """The value a dotted name (`scheduler`, `self.sched`) has in the script's frames, looking
    outward from `frame`; None when no frame has it."""
    if not dotted:
        return None
    first, *rest = dotted.split(".")
    while frame is not None:
        if frame.f_code.co_filename in files:
            for namespace in (frame_locals(frame), frame.f_globals):
                if first in namespace:
                    value = namespace[first]
                    try:
                        for attr in rest:
                            value = getattr(value, attr)
                    except Exception:  # (a property of the script's own that fails: not a scheduler)
                        return None
                    return value
        frame = frame.f_back
    return None


def _holds_any(optimizers: list[Any], ids: set[int]) -> bool:
    return any(id(p) in ids for optimizer in optimizers for p in optimizer_params(optimizer))


def _no_gradients(optimizer: Any) -> bool:
    """Has every parameter of this optimizer no gradient (None, or all zeros)?"""
    params = optimizer_params(optimizer)
    return bool(params) and all(p.grad is None or not bool(p.grad.any()) for p in params)
