"""Running one script under stepper: the worker thread and the thread-safe control API.

    session = Session(load_script("train.py"), listener=print)
    session.start()          # imports torch in the worker and runs to the first pause
    session.next_phase()     # or next_step(), continue_(), pause(), stop()

Every pause produces a `Snapshot`, kept in `history` and handed to the listener (called in the worker
thread; a front end posts it on to its own thread). Whether the worker then *waits* depends on the
mode the last command set: after every phase, only after updates, or not at all.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import math
import os
import queue
import random
import signal
import sys
import threading
import time
import traceback
import types
import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import Any, NamedTuple

from . import anomaly, detect, output
from .breakpoints import Breakpoints
from .capture import Capture
from .hints import hint_for
from .history import DEFAULT_MB, History
from .hooks import TorchHooks
from .snapshot import LossCurve, RunEnd, ScriptError, Snapshot
from .source import BlockIndex, ProjectFiles, ScriptSource
from .stepsize import StepSizeWatch
from .tracer import PhaseTracer, StopScript
from .watch import ParamWatch

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_PASS_THROUGH = {"backward", "zero_grad", "set_grad", "del_grad"}
# The share of a phase's compute time a pause may spend summarising big tensors: 15%, so that the
# whole pause (small tensors, the snapshot itself) stays under the 20% a big model allows.
STATS_BUDGET = 0.15
# `loss-rising`: the loss more than doubled at each of this many updates in a row.
RISING = 3
# ... and, where those updates trained on different minibatches, rose this many times past every loss
# before them: a batch's loss depends on its data too. Unshuffled data sorted by its target (a time
# series, a sorted file) can double batch after batch as the targets grow, while the model learns.
RISING_PAST_MINIBATCHES = 10.0


MAIN_THREAD_WAIT = 10.0  # seconds the script's thread waits for the main thread to set a signal handler


class _ScriptExited(BaseException):
    """The script called `os._exit(status)`."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def _exit_code(code: object) -> int:
    """The status python ends with after `sys.exit(code)`, as CPython 3.11 works it out: 0 for None,
    an int's low 8 bits (255 for one past a C long), 1 for anything else (which it prints)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF if -(2**63) <= code < 2**63 else 255
    return 1


def _exit_of_script(real_exit: Callable[[int], Any]) -> Callable[[int], Any]:
    """`os._exit` while the script runs. Called by the script's own thread, it ends the run as
    `sys.exit` does (os._exit would end stepper at once, leaving the terminal in the screen's raw
    mode and the script's output unprinted); forked children (DataLoader workers) and other threads
    still end their process at once."""
    pid, thread = os.getpid(), threading.get_ident()

    def _exit(status: int) -> Any:
        if os.getpid() == pid and threading.get_ident() == thread:
            raise _ScriptExited(status)
        real_exit(status)

    return _exit


def _cwd() -> str | None:
    try:
        return os.getcwd()
    except OSError:  # (the working folder was deleted)
        return None


_gc_frozen = False


def _freeze_gc() -> None:
    """Park every object alive at a process's first pause (torch, dynamo, stepper, the script's
    setup) where the garbage collector no longer walks it. A run's history grows by a few objects a
    pause, so full collections come back again and again, and each walked all of torch: ~7% of a toy
    loop's time under `--jsonl`, and on the screen a ~150 ms stall of a key press now and then. Once a
    process: objects made later are collected as always."""
    global _gc_frozen
    _gc_frozen = True
    gc.freeze()


def _weak(value: Any) -> Any:
    """A weak reference to `value`, or None when it is None or cannot have one."""
    try:
        return None if value is None else weakref.ref(value)
    except TypeError:
        return None


def _number(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


# --- what the session tells its listener -----------------------------------------------------------


@dataclass(frozen=True)
class Loading:
    """The worker started and is importing PyTorch."""


class Paused(NamedTuple):
    """A pause happened. `waiting` is True when the script now waits for a command.

    (A named tuple: a loop running on makes five of these per iteration.)"""

    snapshot: Snapshot
    waiting: bool
    reason: str | None = None  # why a running script stopped here (a breakpoint, a NaN)


@dataclass(frozen=True)
class Output:
    """The script printed something (stream is "stdout" or "stderr")."""

    stream: str
    text: str


@dataclass(frozen=True)
class Finished:
    end: RunEnd


SessionEvent = Loading | Paused | Output | Finished
Listener = Callable[[SessionEvent], None]


class Session:
    """One run of one script, driven phase by phase from any thread."""

    def __init__(
        self,
        source: ScriptSource,
        *,
        seed: int | None = None,
        max_steps: int | None = None,
        listener: Listener | None = None,
        mode: str = "phase",
        argv: list[str] | None = None,
        pause_on_nonfinite: bool = False,
        views: bool = True,
        breakpoints: Breakpoints | None = None,
        history_mb: float = DEFAULT_MB,
        stats_budget: float | None = STATS_BUDGET,
    ):
        self.source = source
        # The files whose lines pause: the script, and the modules of its own folder it runs.
        self.project: ProjectFiles | None = None
        # Without a seed we pick one and keep it, so a restart replays exactly the same run.
        self.seed = seed if seed is not None else int.from_bytes(os.urandom(4), "little") & 0x7FFFFFFF
        self.max_steps = max_steps
        self.listener = listener
        self.argv = argv or []
        # Every pause, thinned to summaries from the oldest when over `history_mb` MiB (history.py).
        self.history_mb = history_mb
        self.history = History(budget_mb=history_mb)
        self.output: list[tuple[str, str]] = []
        self.end: RunEnd | None = None
        self.state = "idle"  # idle | loading | running | paused | finished
        self.hooks = TorchHooks()
        self._mode = mode  # phase | step | continue
        self._pause_requested = False
        self._queued: deque[str] = deque()  # commands given while the script was running
        self._stop_requested = False
        self._released = 0  # bumped by every command that lets a waiting script go on
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._native_id: int | None = None  # the system's id of the script's thread
        self._tracer: PhaseTracer | None = None
        self._step = 0
        self._loss_history: list[float] = []
        # What each recent update's model call was given (weakly): the same tensor every time is
        # full-batch training; new ones are minibatches. None where no model call was heard.
        self._update_inputs: deque[Any] = deque(maxlen=RISING + 1)
        self._loss_curve = LossCurve(self._loss_history, 0)  # shared by the pauses of one update
        self._step_size = StepSizeWatch()  # `lr-too-low`: updates far shorter than the slope allows
        self._capture: Capture | None = None
        # An interactive front end turns this on: continue/step modes then stop at the first NaN/Inf.
        self.pause_on_nonfinite = pause_on_nonfinite
        # A screen turns this on: pauses a continue run passes without stopping skip the views (see
        # `_skips_views`); off, every pause has them (what tests and exports of a whole run expect).
        self.skip_unseen_views = False
        # A pause may spend this share of the compute time of the phase it follows summarising big
        # tensors; past it, a tensor is summarised from a sample (its stats marked approx). None: every
        # summary reads every value, however long it takes.
        self.stats_budget = stats_budget
        self._resumed_at: float | None = None  # when the script last went on from a pause
        # Snapshots carry the data-and-fit view and the autograd graph (the TUI's views); transcripts,
        # which never show them, turn this off to run faster.
        self.views = views
        self.breakpoints = breakpoints or Breakpoints()
        self.breakpoints.file = source.path
        # Transcript front ends end the run at the first breakpoint instead of waiting there.
        self.end_at_breakpoint = False
        # Calls the script's thread needs made on the main thread (`signal.signal`): queued here and
        # run by the front end's main thread, which `wake_main` (set by a front end that is not
        # polling) tells that there is one.
        self._main_calls: queue.SimpleQueue = queue.SimpleQueue()
        self.main_thread_serves = False  # a front end runs `run_main_thread_calls` on its main thread
        self.wake_main: Callable[[], None] | None = None
        self._reason: str | None = None
        self._script_breakpoint: str | None = None  # the next pause stops there: the script's breakpoint()
        self._lr_exponent = 0  # the lr knob: every param group's lr is scaled by 10 ** this

    # --- control API (any thread) --------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="stepper-script", daemon=True)
        self.state = "loading"
        self._thread.start()

    def next_phase(self) -> None:
        self._command("phase")

    def next_step(self) -> None:
        self._command("step")

    def continue_(self) -> None:
        self._command("continue")

    def pause(self) -> None:
        """Ask a running script to wait at its next pause."""
        with self._cond:
            self._queued.clear()
            self._pause_requested = True

    def stop(self, timeout: float = 1.0) -> None:
        """End the script's thread: it stops at its next traced line (or while waiting, at once)."""
        with self._cond:
            self._stop_requested = True
            if self._tracer is not None:
                self._tracer.stop_requested = True
            self._released += 1
            self._cond.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self.join(timeout)

    # --- live knobs ------------------------------------------------------------------------------------

    def scale_lr(self, up: bool) -> None:
        """Multiply (up) or divide every param group's learning rate by 10, from now on."""
        factor = 10.0 if up else 0.1
        with self._cond:
            self._lr_exponent += 1 if up else -1
            for optimizer in self._optimizers():
                for group in optimizer.param_groups:
                    lr = group["lr"]
                    if hasattr(lr, "mul_"):
                        lr.mul_(factor)
                    else:
                        group["lr"] = lr * factor

    def skip_zero_grad(self, on: bool) -> None:
        """Make zero_grad calls (and `p.grad = None`) do nothing, so gradients pile up."""
        self.hooks.skip_zero_grad = on

    def run_main_thread_calls(self) -> None:
        """Run, on the calling (main) thread, what the script's thread asked to have run there."""
        while True:
            try:
                call, box, done = self._main_calls.get_nowait()
            except queue.Empty:
                return
            try:
                box["value"] = call()
            except BaseException as exc:  # noqa: BLE001 - handed back to the thread that asked
                box["error"] = exc
            done.set()

    def _on_main_thread(self, call: Callable[[], Any]) -> Any:
        """`call()` run by the main thread, from the script's thread; raises what it raised."""
        box: dict[str, Any] = {}
        done = threading.Event()
        self._main_calls.put((call, box, done))
        if self.wake_main is not None:
            self.wake_main()
        if not done.wait(MAIN_THREAD_WAIT):
            raise RuntimeError("stepper's main thread did not answer (it may be quitting)")
        if "error" in box:
            raise box["error"]
        return box.get("value")

    def source_of(self, path: str) -> ScriptSource:
        """The source of a file a pause is in: the script, or a module of its project it ran."""
        project = self.project
        found = None if project is None or path == self.source.path else project.source_of(path)
        return found or self.source

    @property
    def knobs(self) -> tuple[str, ...]:
        """The knobs that are turned away from normal, in words for a status bar."""
        active = []
        if self._lr_exponent:
            active.append(f"lr ×{10.0**self._lr_exponent:g}")
        if self.hooks.skip_zero_grad:
            active.append("zero_grad skipped")
        return tuple(active)

    def _optimizers(self) -> list[Any]:
        found = list(self.hooks.optimizers)
        seen = self._capture.optimizer if self._capture is not None else None
        if seen is not None and seen not in found:
            found.append(seen)
        return found

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the script waits at a pause or has finished. True unless the timeout passed."""
        with self._cond:
            return self._cond.wait_for(lambda: self.state in ("paused", "finished"), timeout)

    def join(self, timeout: float | None = None) -> None:
        """Wait, at most `timeout` seconds, for the run to finish and its thread to end.

        It waits on the session's own state first. Python 3.11's Thread.join, interrupted by ctrl+c
        while the thread runs, marks that thread as stopped (bpo-45274's clean-up takes the lock the
        running thread holds): every later join then returns at once and is_alive() says False while
        the script goes on, and a transcript wrote its end line before the script's last pause."""
        thread = self._thread
        if thread is None:
            return
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            if not self._cond.wait_for(lambda: self.state == "finished", timeout):
                return
        thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))

    def where(self) -> tuple[str, int] | None:
        """(file, line) of the script's own code that its thread is running now: the innermost frame
        in the script or a module of its project (None when it runs none, or has ended)."""
        thread, project = self._thread, self.project
        frame = None if thread is None or project is None else sys._current_frames().get(thread.ident)
        while frame is not None:
            if project.known.get(frame.f_code.co_filename) is not None:
                return frame.f_code.co_filename, frame.f_lineno
            frame = frame.f_back
        return None

    def wait_thread_gone(self, timeout: float = 1.0) -> None:
        """Once the script's thread has finished, wait for the system's thread under it to exit too,
        before the process ends. Python's join returns before the thread's C++ thread-local objects
        are destroyed; after a backward raised in anomaly mode, torch's then call into an interpreter
        already shutting down, and the process aborted ("terminate called without an active
        exception") in about half such runs. (Linux's /proc; elsewhere, returns at once.)"""
        thread, native = self._thread, self._native_id
        if thread is None or native is None or thread.is_alive():
            return
        task = f"/proc/self/task/{native}"
        deadline = time.monotonic() + timeout
        while os.path.exists(task) and time.monotonic() < deadline:
            time.sleep(0.001)

    @property
    def finished(self) -> bool:
        return self.state == "finished"

    @property
    def mode(self) -> str:
        """How far the last command lets the script run: "phase", "step" or "continue"."""
        return self._mode

    def _command(self, mode: str) -> None:
        with self._cond:
            self._pause_requested = False
            if self.state != "paused":
                # The script is still on its way to a pause: the command counts from there, so two
                # quick presses of "next" move two pauses.
                if self.state != "finished":
                    self._queued.append(mode)
                return
            self._mode = mode
            self.state = "running"
            self._released += 1
            self._cond.notify_all()

    # --- the worker thread ---------------------------------------------------------------------------

    def _emit(self, event: SessionEvent) -> None:
        if self.listener is not None:
            self.listener(event)

    def _on_output(self, stream: str, text: str) -> None:
        if not text:
            return
        self.output.append((stream, text))
        if output.copy_to is not None:
            output.copy_to(stream, text)
        self._emit(Output(stream, text))

    def _on_breakpoint(self, path: str, line: int) -> None:
        """The script called breakpoint(): pdb cannot run under stepper, so a run stops at the next
        pause instead, as at a breakpoint of stepper's own (a transcript only says so)."""
        where = f"line {line}" if path == self.source.path else f"{os.path.basename(path)}:{line}"
        if self._tracer is not None:
            self._tracer.notice(output.breakpoint_notice(where, stops=not self.end_at_breakpoint))
        if not self.end_at_breakpoint:
            self._script_breakpoint = f"the script's breakpoint() on {where}"

    def _run(self) -> None:
        self._native_id = threading.get_native_id()
        self._emit(Loading())
        output.capture_thread(self._on_output, self._on_breakpoint)
        end: RunEnd
        try:
            torch = self._import_torch()
            if isinstance(torch, RunEnd):
                end = torch
            else:
                self._seed_everything(torch)
                end = self._exec()
        except BaseException as exc:  # noqa: BLE001 - a front end must always hear how the run ended
            error = ScriptError(
                "StepperInternalError",
                f"could not run the script ({type(exc).__name__}: {exc}). This is a bug in "
                "stepper, not in your script; please report it with the script.",
                None,
                None,
            )
            end = RunEnd(steps=self._step, status="error", error=error, exit_code=1)
        finally:
            output.release_thread()
        with self._cond:
            self.end = end
            self.state = "finished"
            self._cond.notify_all()
        self._emit(Finished(end))

    def _import_torch(self) -> Any:
        """Import torch here, off the front end's thread (it is the slow part of starting)."""
        try:
            import torch
        except Exception as exc:  # noqa: BLE001 - explained to the user below
            where = getattr(sys.modules.get("torch"), "__file__", None) or ""
            hint = ""
            if os.path.basename(where) == "torch.py" or os.path.basename(self.source.path) == "torch.py":
                hint = (
                    f" A file named torch.py ({where or self.source.path}) hides the real PyTorch: "
                    "rename it (and delete any __pycache__ beside it)."
                )
            message = f"could not import PyTorch ({type(exc).__name__}: {exc}).{hint}"
            error = ScriptError("ImportError", message, self.source.path, None)
            return RunEnd(steps=0, status="error", error=error, exit_code=1)
        return torch

    def _seed_everything(self, torch: Any) -> None:
        if self.seed is None:
            return
        torch.manual_seed(self.seed)
        random.seed(self.seed)
        try:
            import numpy

            numpy.random.seed(self.seed)
        except ImportError:
            pass

    def _exec(self) -> RunEnd:
        source = self.source
        blocks = BlockIndex(source.text)
        self.project = project = ProjectFiles(source, blocks)
        watch = ParamWatch(blocks.loop_targets())
        tracer = PhaseTracer(project, self.hooks, watch, self._take, self._deliver)
        self._capture = Capture(project, watch, self.hooks, views=self.views)
        self._capture.skip_views = self._skips_views
        with self._cond:
            self._tracer = tracer
            tracer.stop_requested = self._stop_requested
        # The script runs as `__main__`, as under `python script.py`: pickle (torch.save of a whole
        # model, DataLoader workers) looks its classes up there.
        main_module = types.ModuleType("__main__")
        script_globals = main_module.__dict__
        script_globals.update(__file__=source.path, __builtins__=__builtins__)
        saved_main = sys.modules.get("__main__")
        saved_argv, saved_path = sys.argv, list(sys.path)
        saved_cwd = _cwd()  # (a script that changes folder leaves stepper's own where it was)
        modules_before = set(sys.modules)
        sys.modules["__main__"] = main_module
        sys.argv = [source.given or source.path, *self.argv]
        sys.path.insert(0, os.path.dirname(source.path))
        self.state = "running"
        self.hooks.install()
        anomaly.install()
        real_exit, real_signal = os._exit, signal.signal
        os._exit = _exit_of_script(real_exit)
        changed_signals: dict[int, Any] = {}  # signal -> its handler before the script's
        if self.main_thread_serves:
            signal.signal = self._signal_of_script(real_signal, changed_signals)
        error: ScriptError | None = None
        stopped = exited = False
        exit_code = 0  # as `python SCRIPT` would end (RunEnd.exit_code)
        try:
            tracer.install()
            try:
                exec(source.code, script_globals)
            finally:
                tracer.uninstall()
        except StopScript:
            stopped = True
        except SystemExit as exc:
            exited = True
            exit_code = _exit_code(exc.code)
            if exit_code != 0:
                error = ScriptError(
                    "SystemExit", f"the script called sys.exit({exc.code!r})", *self._where(exc)
                )
        except _ScriptExited as exc:
            exited = True
            exit_code = _exit_code(exc.status)
            if exit_code != 0:
                error = ScriptError(
                    "SystemExit", f"the script called os._exit({exc.status!r})", *self._where(exc)
                )
        except BaseException as exc:  # noqa: BLE001 - everything the script raises is reported
            error = self._describe(exc)
            # (As a shell sees python end after an uncaught KeyboardInterrupt: 128 + SIGINT.)
            exit_code = 130 if isinstance(exc, KeyboardInterrupt) else 1
        finally:
            os._exit, signal.signal = real_exit, real_signal
            for signum, handler in changed_signals.items():  # (stepper's own, for SIGTERM and SIGHUP)
                with contextlib.suppress(Exception):
                    self._on_main_thread(lambda signum=signum, handler=handler: real_signal(signum, handler))
            self.hooks.uninstall()
            sys.argv = saved_argv
            sys.path[:] = saved_path
            # The project's own modules the script imported are imported afresh by the next run (a
            # restart), as under python: their state and their code as they are on disk then.
            for name in [name for name in sys.modules if name not in modules_before]:
                if getattr(sys.modules[name], "__file__", None) in project:
                    del sys.modules[name]
            if saved_cwd is not None and _cwd() != saved_cwd:
                with contextlib.suppress(OSError):  # (the folder itself gone: nothing to go back to)
                    os.chdir(saved_cwd)
            if saved_main is not None:
                sys.modules["__main__"] = saved_main
        # (A script that exits with success before training, as `--help` does, ran as it meant to.)
        if error is None and not stopped and not exited and not self.history and self.hooks.used_transforms:
            error = ScriptError(
                "NoTrainingPhase",
                f"{source.display_name} ran to the end, but stepper saw no training phase: its model "
                "ran and its gradients were taken inside torch.func's transforms (vmap, grad), whose "
                "gradients are returned as values and never stored in .grad. stepper follows training "
                "through .backward() (or torch.autograd.grad) and the parameters' .grad; it does not "
                "step through torch.func training yet.",
                source.path,
                None,
            )
        if error is None and not stopped and not exited and not self.history and self.hooks.steps_elsewhere:
            error = ScriptError(
                "NoTrainingPhase",
                f"{source.display_name} ran to the end and its optimizer stepped "
                f"{self.hooks.steps_elsewhere} times, but in a thread the script started "
                "(threading.Thread, a ThreadPoolExecutor), and stepper follows the script's own "
                "thread only. To step through the training, call the training function directly "
                "instead of in a thread.",
                source.path,
                None,
            )
        if error is None and not stopped and not exited and not self.history:
            error = ScriptError(
                "NoTrainingPhase",
                f"{source.display_name} ran to the end, but no training phase happened: no model or "
                "parameter expression produced predictions with gradients, no loss was computed, and "
                ".backward() never ran. stepper steps through scripts that train a PyTorch model; "
                "check that the training loop actually runs (is it behind an `if` that was false, or a "
                "loop over zero epochs or an empty dataset?).",
                source.path,
                None,
            )
        if not stopped and self.history and self.history[-1].skipped_views:
            self._views_at_the_end(tracer)
        status = "error" if error is not None else "ok"
        if error is not None and exit_code == 0:
            exit_code = 1  # (the run trained nothing)
        return RunEnd(
            steps=self._step, status=status, error=error, stopped=stopped, exited=exited, exit_code=exit_code
        )

    def _views_at_the_end(self, tracer: PhaseTracer) -> None:
        """A run at full speed skipped the views at the pauses it passed, and so at its last one,
        where it ended (by itself or by an error) and which the screen now shows: take them now."""
        try:
            snapshot = self._capture.with_views(self.history[-1], tracer)
        except Exception:  # noqa: BLE001 - the views are a plus: the run's end must still be told
            return
        with self._cond:
            self.history.replace_last(snapshot)

    def _signal_of_script(self, real_signal: Callable, changed: dict[int, Any]) -> Callable:
        """`signal.signal` while the script runs. Python lets only the main thread set a handler,
        and the script runs in another: a handler the script sets (a checkpoint saved on SIGTERM,
        a flag on SIGINT) is set by stepper's main thread for it, and the old one put back when the
        run ends."""
        script_thread = threading.get_ident()

        def set_handler(signum: int, handler: Any) -> Any:
            if threading.get_ident() != script_thread:
                return real_signal(signum, handler)
            previous = self._on_main_thread(lambda: real_signal(signum, handler))
            changed.setdefault(int(signum), previous)
            return previous

        return set_handler

    def _where(self, exc: BaseException) -> tuple[str | None, int | None, str]:
        """The innermost place in the user's script (or a module of its project) that the exception
        passed through."""
        frames = traceback.extract_tb(exc.__traceback__)
        project = self.project
        user = [f for f in frames if f.filename == self.source.path or (project and f.filename in project)]
        if not user:
            return None, None, ""
        text = "".join(traceback.format_list(user))
        return user[-1].filename, user[-1].lineno, text

    def _describe(self, exc: BaseException) -> ScriptError:
        file, line, text = self._where(exc)
        frames = traceback.extract_tb(exc.__traceback__)
        # Our wrappers around torch calls (backward, zero_grad, the .grad setter) pass the script's
        # own mistakes through: an error raised inside what they wrap is the script's.
        ours = (
            frames and frames[-1].filename.startswith(_PACKAGE_DIR) and frames[-1].name not in _PASS_THROUGH
        )
        if ours and not isinstance(exc, output.ScriptAskedForInput):
            return ScriptError(
                "StepperInternalError",
                f"failed while watching the script ({type(exc).__name__}: {exc}). "
                "This is a bug in stepper, not in your script; please report it with the script.",
                file,
                line,
                text,
            )
        message = str(exc) or type(exc).__name__
        return ScriptError(type(exc).__name__, message, file, line, text, hint=hint_for(message))

    # --- a pause ---------------------------------------------------------------------------------------

    def _check_rising(self) -> None:
        """The loss more than doubled at each of the last RISING updates: a learning rate too high."""
        recent = self._loss_history[-RISING - 1 :]
        if len(recent) <= RISING or not all(math.isfinite(v) for v in recent):
            return
        if not all(0 < a and 2 * a < b for a, b in zip(recent, recent[1:], strict=False)):
            return
        # Diverging, the loss climbs past everything before; a noisy minibatch loss near its minimum
        # (batch size 1) can double three times running and still stay below where it started.
        before = [v for v in self._loss_history[: -RISING - 1] if math.isfinite(v)]
        if self._same_inputs():
            rose = not before or recent[-1] > max(before)
        else:  # (minibatches: see RISING_PAST_MINIBATCHES)
            rose = bool(before) and recent[-1] > RISING_PAST_MINIBATCHES * max(before)
        if rose:
            self._tracer.notice(detect.loss_rising_notice(list(recent)))

    def _same_inputs(self) -> bool:
        """Did the updates `_check_rising` looks at all train on one tensor (full batch)? Yes where
        that is not known (a model written as a function, whose inputs no hook hears)."""
        refs = list(self._update_inputs)
        if not refs or any(ref is None for ref in refs):
            return True
        first = refs[0]()
        return first is not None and all(ref() is first for ref in refs)

    def _check_step_size(self, phases: list[str], snapshot: Snapshot) -> None:
        """Updates far shorter than the slope allows (engine/stepsize.py). Read from the snapshot just
        taken, so said at the next pause: the measure needs this backward's gradients."""
        tracer = self._tracer
        # Gradients added onto ones zero_grad left (the live knob) or scaled by a GradScaler are not
        # one backward's own: nothing to measure with.
        own = not self.hooks.skip_zero_grad and tracer.scaled_by is None
        optimizer = snapshot.optimizer
        notice = self._step_size.pause(
            phases, snapshot.params, snapshot.grads, self._capture.watch.items, line=snapshot.line,
            lr=None if optimizer is None else optimizer.lr, losses=self._loss_history, own_grads=own,
            momentum=0.0 if optimizer is None else _number(optimizer.hyper.get("momentum")),
        )  # fmt: skip
        tracer.notice(notice)

    def _take(self, phases: list[str], frame: FrameType, line: int) -> Snapshot:
        """Copy what a pause shows, now (it may be delivered a few lines later)."""
        if "step" in phases:
            self._step += 1
            if self._tracer is not None and self._tracer.extra_updates:
                # (a loop that ran untraced, inside `exec` or a library: each of its updates counts)
                self._step += self._tracer.extra_updates
                self._tracer.extra_updates = 0
            if self._tracer is not None and self._tracer.loss_value is not None:
                self._loss_history.append(self._tracer.loss_value)
                self._update_inputs.append(_weak(self._tracer.model_call[1]))
                self._check_rising()
        budget = None
        if self.stats_budget is not None and self._resumed_at is not None:
            budget = self.stats_budget * (time.perf_counter() - self._resumed_at)
        snapshot = self._capture.snapshot(
            self._tracer, phases, frame, line,
            index=len(self.history), step=self._step, knobs=self.knobs,
            loss_history=self._curve(), budget=budget,
        )  # fmt: skip
        if not self._step_size.done and ("backward" in phases or "step" in phases or "zero_grad" in phases):
            self._check_step_size(phases, snapshot)
        return snapshot

    def _curve(self) -> LossCurve:
        """The loss curve up to now: one object for every pause until the next update adds to it."""
        if len(self._loss_curve) != len(self._loss_history):
            self._loss_curve = LossCurve(self._loss_history, len(self._loss_history))
        return self._loss_curve

    def _deliver(self, snapshot: Snapshot) -> None:
        """Record a pause, tell the listener, and wait there if the current mode says so."""
        phases = snapshot.phases
        with self._cond:
            if snapshot.index != len(self.history):
                snapshot = dataclasses.replace(snapshot, index=len(self.history))
            self.history.append(snapshot)
            if not _gc_frozen and len(self.history) == 1:
                _freeze_gc()
            waiting = self._should_wait(snapshot)
            if waiting and self._queued:
                self._mode = self._queued.popleft()
                waiting = False
            stop_now = self.max_steps is not None and "step" in phases and self._step >= self.max_steps
            if self._reason is not None and self.end_at_breakpoint:
                stop_now = True
            if stop_now:
                waiting = False
            reason = self._reason
            released = self._released
            if waiting:
                # Paused *before* the listener hears of it: a command it sends at once must find the
                # script waiting, or it would be lost.
                self.state = "paused"
                self._cond.notify_all()
        self._emit(Paused(snapshot, waiting, reason))
        if stop_now:
            raise StopScript
        if waiting:
            with self._cond:
                self._cond.wait_for(lambda: self._released != released)
                if self.state == "paused":
                    self.state = "running"
        if self._stop_requested:
            raise StopScript
        self._resumed_at = time.perf_counter()  # the next phase's compute starts now

    def _should_wait(self, snapshot: Snapshot) -> bool:
        self._reason = None
        if self._stop_requested:
            return False
        reason = self.breakpoints.hit(snapshot)
        if self._script_breakpoint is not None:
            reason, self._script_breakpoint = reason or self._script_breakpoint, None
        if self.pause_on_nonfinite and any(w.code == detect.NONFINITE for w in snapshot.warnings):
            reason = "the loss or a value became NaN/Inf"
        if reason is not None and self._mode != "phase":
            self._reason = reason  # a run stops there, whatever the mode
            self._mode = "phase"
            return True
        if self._pause_requested and not snapshot.skipped_views:
            # (One taken before the request came has no views: the next pause, which will, waits.)
            self._pause_requested = False
            self._mode = "phase"
            return True
        if self._mode == "phase":
            return True
        if self._mode == "step":
            return "step" in snapshot.phases
        return False

    def _skips_views(self, phases: list[str], line: int, step: int, loss: float | None, bad: bool) -> bool:
        """Whether a pause can leave out the screen's views: a run going on at full speed (continue)
        passes it, as nothing asks it to wait there (a breakpoint, a NaN/Inf, a pause request)."""
        if not self.skip_unseen_views or self._mode != "continue":
            return False
        if self._pause_requested or self._queued or self._stop_requested or self._script_breakpoint:
            return False
        if bad and self.pause_on_nonfinite:
            return False
        return not self.breakpoints.would_stop(phases, line, step, loss)
