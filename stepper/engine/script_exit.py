"""The script's `atexit` handlers run when its run ends, not when stepper's process does.

Under `python script.py` they run as the script's interpreter exits, and what they print is the
script's output. Under stepper the interpreter is stepper's: it exits after the capture of the
script's output has ended (under `--jsonl` a handler's print would land among the JSON on stdout),
and it outlives many runs (each restart added its handlers again). So while a script runs,
`atexit.register` keeps the handlers the script's own code registers in its run's `ExitHandlers`, and
the run calls them as it ends, still captured. Handlers registered by libraries the script imports
(torch, logging, multiprocessing) are left to the interpreter: those modules stay imported after the
run, and their handlers tidy up the process, not the run.
"""

from __future__ import annotations

import atexit
import sys
import threading
import traceback
from collections.abc import Callable
from types import FrameType

Handler = tuple[Callable[..., object], tuple, dict]


class ExitHandlers:
    """One run's handlers, called last-registered first (as atexit does) by `run_all`."""

    def __init__(self) -> None:
        self._handlers: list[Handler] = []
        self._lock = threading.Lock()
        self.ended = False  # registered later (a daemon thread of an ended run): dropped, as its exit is over
        # The script's module, `__main__` while it ran: by the time the handlers run, stepper has put
        # its own back, and a handler that pickles the script's objects (`torch.save(model, …)`)
        # needs the script's (pickle looks their classes up in `__main__`).
        self.main: object | None = None

    def add(self, func: Callable[..., object], args: tuple, kwargs: dict) -> None:
        with self._lock:
            if not self.ended:
                self._handlers.append((func, args, kwargs))
                self.main = sys.modules.get("__main__")

    def remove(self, func: Callable[..., object]) -> None:
        with self._lock:
            self._handlers = [handler for handler in self._handlers if handler[0] != func]

    def run_all(self) -> None:
        """Call every handler, last first, in the calling thread (the script's, still captured). An
        exception is reported as Python reports one at exit, and the next handler still runs."""
        if self.main is None:  # (no handler was ever added)
            self._next()
            return
        stepper_main = sys.modules.get("__main__")
        sys.modules["__main__"] = self.main  # type: ignore[assignment]
        try:
            while (handler := self._next()) is not None:
                func, args, kwargs = handler
                try:
                    func(*args, **kwargs)
                except BaseException as exc:  # noqa: BLE001 - as atexit: said, then the next handler
                    _report(func, exc)
        finally:
            if stepper_main is not None:
                sys.modules["__main__"] = stepper_main

    def _next(self) -> Handler | None:
        """The last handler left (taken off the list), or None: then the run's exit is over."""
        with self._lock:
            if self._handlers:
                return self._handlers.pop()
            self.ended = True
            return None


def _report(func: Callable[..., object], exc: BaseException) -> None:
    try:
        print(f"Exception ignored in atexit callback: {func!r}", file=sys.stderr)
        # (Without this module's frame: the traceback starts in the handler, as Python's does.)
        traceback.print_exception(type(exc), exc, exc.__traceback__.tb_next, file=sys.stderr)
    except Exception:  # noqa: BLE001 - a handler that broke sys.stderr: nothing more to say
        pass


# --- atexit.register, while scripts run ---------------------------------------------------------------

Lookup = Callable[[], "ExitHandlers | None"]  # the calling thread's run's handlers (None: not a script's)
_lookup: Lookup | None = None
_real_register = atexit.register
_real_unregister = atexit.unregister


def install(lookup: Lookup) -> None:
    """Replace `atexit.register`/`unregister` (once; for the process's lifetime, as a script thread
    may start at any time). `lookup` says which run, if any, the calling thread belongs to."""
    global _lookup
    _lookup = lookup
    if atexit.register is not _register:
        atexit.register = _register
        atexit.unregister = _unregister


def _scripts_own(caller: FrameType | None) -> ExitHandlers | None:
    """The run's handlers when the caller is the script's own code (its module is `__main__`), run
    in a thread of the script's; None for anyone else's call."""
    if caller is None or _lookup is None or caller.f_globals.get("__name__") != "__main__":
        return None
    return _lookup()


def _register(func: Callable[..., object], /, *args, **kwargs) -> Callable[..., object]:
    handlers = _scripts_own(sys._getframe(1))
    if handlers is None:
        return _real_register(func, *args, **kwargs)
    if not callable(func):  # (the same error atexit.register gives)
        raise TypeError("the first argument must be callable")
    handlers.add(func, args, kwargs)
    return func  # (so that `@atexit.register` leaves the function defined, as it does)


def _unregister(func: Callable[..., object], /) -> None:
    handlers = _scripts_own(sys._getframe(1))
    if handlers is not None:
        handlers.remove(func)
    _real_unregister(func)
