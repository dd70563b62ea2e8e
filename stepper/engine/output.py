"""Keeping the script's printed output: captured from its thread, never written over a front end.

Two layers catch it:

- `sys.stdout`/`sys.stderr` are wrapped once by a router that sends writes from a registered script
  thread to that script's sink and passes every other thread's writes through unchanged. To the
  script it looks like a real text stream (`buffer`, `reconfigure`, `fileno`, …). A thread the script
  starts (a progress printer, a thread pool's workers) is the script's too: it writes to the same sink.
  While fds are captured, `sys.__stdout__`/`sys.__stderr__` are such routers as well, so a script that
  prints to them does not draw over the screen, while stepper's own writing there (Textual's) goes on.
- While a front end runs a script, `capture_fds` points file descriptors 1 and 2 at pipes, so what
  never passes through Python (`os.system`, a subprocess, C++ code writing to fd 2) reaches the same
  sink. Stepper's own writing (the transcript, Textual's drawing, its messages) goes to duplicates of
  the real descriptors, made before the switch.

Reading standard input from a script thread fails with a clear message instead of hanging on a
keyboard the front end owns. The script's `atexit` handlers run as its run ends (`script_exit`).
"""

from __future__ import annotations

import codecs
import contextlib
import dis
import io
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from types import FrameType
from typing import Any, NamedTuple

from . import script_exit
from .snapshot import Notice

Sink = Callable[[str, str], None]  # (stream name, text)

_sinks: dict[int, Sink] = {}
_exit_handlers: dict[int, script_exit.ExitHandlers] = {}  # per script thread, as _sinks
_lock = threading.Lock()
_STREAMS = {"stdout": 1, "stderr": 2}
# Set by stepper/guard.py in the screen's process: every piece of the script's output is also handed
# to it as it arrives, so that none is lost if the process dies (a segfault in C code, SIGKILL).
copy_to: Sink | None = None
# Told the read ends of the capture's pipes as a capture starts ({"stdout": fd, "stderr": fd}): the
# crash guard keeps copies, to print what is still in them should this process die (see guard.py).
pipes_made: Callable[[dict[str, int]], None] | None = None


class ScriptAskedForInput(Exception):
    """The script called input() (or read sys.stdin) while stepper was driving it."""


# --- threads the script starts -------------------------------------------------------------------------
# Under `python` every thread prints to the one terminal, so a thread the script starts (a progress
# printer, a thread pool's workers) prints the script's output too. `threading.Thread.start` is wrapped
# (once, for good) so that a thread started from a script thread, or from a thread one of those
# started, carries that script's sink (and its run's atexit handlers) with it. It keeps them after the
# run ends: a daemon thread still printing belongs to the run that started it, not to the next one.

_INHERITED = "_stepper_script"  # the attribute on such a Thread


class _Inherited(NamedTuple):
    sink: Sink
    exit_handlers: script_exit.ExitHandlers | None


def _inherited() -> _Inherited | None:
    return getattr(threading.current_thread(), _INHERITED, None)


def _script_sink() -> Sink | None:
    """Where the calling thread's output goes if it is the script's (registered, or started by one)."""
    return _of_script(_sinks, "sink")


def _script_exit_handlers() -> script_exit.ExitHandlers | None:
    return _of_script(_exit_handlers, "exit_handlers")


def _of_script(registered: dict, field: str) -> Any:
    """What `registered` holds for the calling script thread, or, for a thread a script started, that
    field of what it inherited; None for any other thread."""
    found = registered.get(threading.get_ident())
    if found is None:
        inherited = _inherited()
        if inherited is not None:
            return getattr(inherited, field)
    return found


_thread_start: Callable[[threading.Thread], None] | None = None  # Thread.start as it was


def _start_thread(thread: threading.Thread) -> None:
    """`threading.Thread.start`, from any thread: a script's thread hands its sink on first."""
    ident = threading.get_ident()
    sink = _sinks.get(ident)
    inherited = _Inherited(sink, _exit_handlers.get(ident)) if sink is not None else _inherited()
    if inherited is not None:
        setattr(thread, _INHERITED, inherited)
    assert _thread_start is not None
    _thread_start(thread)


def _hook_threads() -> None:
    """(Under `_lock`.) Wrap Thread.start and atexit.register, once."""
    global _thread_start
    if _thread_start is None:
        _thread_start = threading.Thread.start
        threading.Thread.start = _start_thread  # type: ignore[method-assign]
    script_exit.install(_script_exit_handlers)


# --- a debugger of the script's own -------------------------------------------------------------------
# pdb cannot run under stepper: it reads the keyboard the front end owns and replaces the trace stepper
# follows the script with. So while a script thread is registered, `sys.breakpointhook` hands that
# thread's `breakpoint()` calls to its session (which stops there, as at a breakpoint of its own), and
# a `pdb.set_trace()`, which goes around the hook, ends the run with a message naming it and its line.

OnBreakpoint = Callable[[str, int], None]  # (file, line) of the script's breakpoint() call
_on_breakpoint: dict[int, OnBreakpoint | None] = {}
_saved_breakpointhook: Callable[..., object] | None = None
SCRIPT_BREAKPOINT = "script-breakpoint"


class ScriptStartedDebugger(ScriptAskedForInput):
    """The script started pdb (`pdb.set_trace()`), which wants the keyboard and stepper's trace."""


def breakpoint_notice(where: str, stops: bool) -> Notice:
    """The warning at the pause after the script's `breakpoint()` (`where`: "line 14"). `stops`: the
    run stops there (on the screen); a transcript, which nobody is at to go on from it, runs on."""
    then = (
        "so the run stopped here instead, at the first pause after it: this pause shows"
        if stops
        else "so the transcript goes on (on the screen a run stops here); this pause, the first after "
        "it, shows"
    )
    return Notice(
        SCRIPT_BREAKPOINT,
        f"The script's breakpoint() on {where} was reached. pdb cannot run under stepper (the keys "
        f"and the script's trace are stepper's), {then} what pdb would: the parameters, their "
        "gradients, the loss. Remove the call when done, or use stepper's own breakpoints (x on a "
        "line of the code panel, or --break LINE).",
    )


def _breakpointhook(*args, **kwargs):
    """`breakpoint()`: in a script thread, handed to its session; in any other, what it was before."""
    ident = threading.get_ident()
    if ident not in _sinks:
        hook = _saved_breakpointhook or sys.__breakpointhook__
        return hook(*args, **kwargs)
    if os.environ.get("PYTHONBREAKPOINT") == "0":  # the user turned breakpoints off: as under python
        return None
    caller = sys._getframe(1)  # (breakpoint() itself is C: the frame that called it)
    handler = _on_breakpoint.get(ident)
    if handler is not None:
        handler(caller.f_code.co_filename, caller.f_lineno)
    return None


def _hook_breakpoints(on_breakpoint: OnBreakpoint | None) -> None:
    """(Under `_lock`, as the calling script thread registers.)"""
    global _saved_breakpointhook
    if sys.breakpointhook is not _breakpointhook:
        _saved_breakpointhook, sys.breakpointhook = sys.breakpointhook, _breakpointhook
    _on_breakpoint[threading.get_ident()] = on_breakpoint


def _unhook_breakpoints() -> None:
    """(Under `_lock`, after the calling thread left `_sinks`.) The last one out gives the hook back."""
    global _saved_breakpointhook
    _on_breakpoint.pop(threading.get_ident(), None)
    if not _sinks and sys.breakpointhook is _breakpointhook and _saved_breakpointhook is not None:
        sys.breakpointhook, _saved_breakpointhook = _saved_breakpointhook, None


def _debugger_frame() -> FrameType | None:
    """The frame a pdb (or a debugger built on bdb) stopped in, when one is asking for input now."""
    bdb = sys.modules.get("bdb")
    if bdb is None:
        return None
    dispatch = bdb.Bdb.trace_dispatch.__code__
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code is dispatch:
            return frame.f_back  # (a trace function is called with the traced frame as its caller)
        frame = frame.f_back
    return None


def _debugger_call(frame: FrameType) -> tuple[str, int] | None:
    """The `set_trace(` or `breakpoint(` call (its name and line) that started the debugger stopped in
    `frame`. pdb stops at the line after the call (or at a loop's head, when the call ends the loop's
    body): the nearest call at or before the line it stopped at, else the last one in the function."""
    calls = sorted(
        (instruction.positions.lineno, instruction.argval)
        for instruction in dis.get_instructions(frame.f_code)
        if instruction.opname.startswith("LOAD_")
        and instruction.argval in ("set_trace", "breakpoint")
        and instruction.positions.lineno
    )
    before = [call for call in calls if call[0] <= frame.f_lineno]
    if not (before or calls):
        return None
    line, name = (before or calls)[-1]
    return ("pdb.set_trace()" if name == "set_trace" else "breakpoint()"), line


def _debugger_message(frame: FrameType) -> str:
    file = os.path.basename(frame.f_code.co_filename)
    call = _debugger_call(frame)
    where = f"{call[0]} at {file}:{call[1]}" if call else f"before {file}:{frame.f_lineno}"
    return (
        f"the script started the pdb debugger ({where}), but under stepper a script cannot run a "
        "debugger of its own: pdb takes over the trace stepper follows the script with, and the keys "
        "are stepper's. Remove the call: stepper already pauses after every phase, and for a stop of "
        "your choosing write breakpoint() (stepper stops at the pause after it) or give `--break LINE`"
    )


class _Router(io.TextIOBase):
    """Stands in for sys.stdout / sys.stderr. A script thread gets what a TextIOWrapper offers, its
    text going to the sink; any other thread gets the original stream."""

    def __init__(self, original, stream: str):
        self.original = original
        self.stream = stream  # "stdout" or "stderr": the name the sink is told
        self._buffer = _RouterBuffer(self)
        # What the script asked for with reconfigure(): it changes nothing stepper writes (the text
        # is kept as text), but the script reads back what it set.
        self._script_settings: dict[str, object] = {}

    def _sink(self) -> Sink | None:
        return _script_sink()

    def write(self, text: str) -> int:
        sink = self._sink()
        if sink is None:
            return self.original.write(text)
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        capture = _active
        if capture is not None:
            capture.drain()  # what a shell command wrote before this text comes before it
        sink(self.stream, text)
        return len(text)

    def flush(self) -> None:
        if self._sink() is None and self.original is not None:
            self.original.flush()

    def close(self) -> None:
        """Stepper owns the real stream: a script closing sys.stdout changes nothing."""

    @property
    def closed(self) -> bool:
        return False

    def isatty(self) -> bool:
        return False if self._sink() is not None else self.original.isatty()

    def fileno(self) -> int:
        if self._sink() is None:
            return self.original.fileno()
        if _active is not None:
            return _STREAMS[self.stream]  # (a pipe now: what is written there is captured too)
        try:
            return self.original.fileno()
        except (OSError, ValueError):  # (io.UnsupportedOperation: a stream on no file, Textual's)
            return _STREAMS[self.stream]

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return False

    def seekable(self) -> bool:
        return False

    @property
    def buffer(self) -> _RouterBuffer:
        return self._buffer

    def detach(self) -> _RouterBuffer:
        # `io.TextIOWrapper(sys.stdout.detach(), …)`: the new wrapper writes to the same place, and
        # this router stays usable for stepper.
        return self._buffer

    def reconfigure(self, **settings) -> None:
        """As TextIOWrapper.reconfigure; never fails for a script (its text is kept as text)."""
        if self._sink() is None:
            reconfigure = getattr(self.original, "reconfigure", None)
            if reconfigure is not None:
                reconfigure(**settings)
            return
        self._script_settings.update((k, v) for k, v in settings.items() if v is not None)
        self._buffer.decoder = None  # bytes written from now on are read in the new encoding

    def _setting(self, name: str, default):
        if self._sink() is not None and name in self._script_settings:
            return self._script_settings[name]
        return getattr(self.original, name, default)

    @property
    def encoding(self) -> str:  # mirrors the wrapped stream (or what the script set)
        return self._setting("encoding", None) or "utf-8"

    @property
    def errors(self) -> str:
        return self._setting("errors", None) or "strict"

    @property
    def line_buffering(self) -> bool:
        return bool(self._setting("line_buffering", False))

    @property
    def write_through(self) -> bool:
        return bool(self._setting("write_through", False))

    @property
    def newlines(self):
        return None

    @property
    def mode(self) -> str:
        return "w"

    @property
    def name(self):
        return getattr(self.original, "name", f"<{self.stream}>")

    def __getattr__(self, name: str):
        # Anything else a real stream has (reached only for names not defined here).
        if name in ("original", "stream", "_buffer", "_script_settings"):
            raise AttributeError(name)
        return getattr(self.original, name)


class _RouterBuffer(io.BufferedIOBase):
    """`sys.stdout.buffer`: bytes from a script thread are decoded and go where its text goes."""

    def __init__(self, router: _Router):
        self.router = router
        self.decoder: codecs.IncrementalDecoder | None = None

    def write(self, data) -> int:
        router = self.router
        if router._sink() is None:
            buffer = getattr(router.original, "buffer", None)
            if buffer is not None:
                return buffer.write(data)
            router.original.write(bytes(data).decode(router.encoding, "replace"))
            return len(data)
        data = bytes(data)
        if self.decoder is None:
            try:
                factory = codecs.getincrementaldecoder(router.encoding)
            except LookupError:
                factory = codecs.getincrementaldecoder("utf-8")
            self.decoder = factory(errors="replace")
        text = self.decoder.decode(data)
        if text:
            router.write(text)
        return len(data)

    def flush(self) -> None:
        self.router.flush()

    def close(self) -> None:
        pass

    @property
    def closed(self) -> bool:
        return False

    @property
    def raw(self):
        return self

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self.router.isatty()

    def fileno(self) -> int:
        return self.router.fileno()

    @property
    def name(self):
        return self.router.name

    @property
    def mode(self) -> str:
        return "wb"


class _InputRouter(io.TextIOBase):
    def __init__(self, original):
        self.original = original

    def _refuse(self):
        stopped = _debugger_frame()
        if stopped is not None:
            raise ScriptStartedDebugger(_debugger_message(stopped))
        raise ScriptAskedForInput(
            "the script asked for input (input() or sys.stdin), but under stepper a script reads no "
            "input: stepper runs it pause by pause, and on the screen the keys are stepper's; give the "
            "script its value another way (a constant, or an argument after `--` on the stepper "
            "command line)"
        )

    def readline(self, size: int = -1) -> str:
        if _script_sink() is not None:
            self._refuse()
        return "" if self.original is None else self.original.readline(size)

    def read(self, size: int = -1) -> str:
        if _script_sink() is not None:
            self._refuse()
        return "" if self.original is None else self.original.read(size)

    def readable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False if _script_sink() is not None else bool(self.original and self.original.isatty())

    def fileno(self) -> int:
        return self.original.fileno()


def _install() -> None:
    if not isinstance(sys.stdout, _Router):
        sys.stdout = _Router(sys.stdout, "stdout")
    if not isinstance(sys.stderr, _Router):
        sys.stderr = _Router(sys.stderr, "stderr")
    if not isinstance(sys.stdin, _InputRouter):
        sys.stdin = _InputRouter(sys.stdin)


def capture_thread(sink: Sink, on_breakpoint: OnBreakpoint | None = None) -> None:
    """Route the calling thread's stdout/stderr to `sink`, and its `breakpoint()` calls to
    `on_breakpoint` (None: they do nothing), until `release_thread` is called."""
    global _latest_sink
    with _lock:
        _install()
        _hook_threads()
        _sinks[threading.get_ident()] = sink
        _exit_handlers[threading.get_ident()] = script_exit.ExitHandlers()
        _hook_breakpoints(on_breakpoint)
        if _active is not None:
            _latest_sink = sink


def release_thread() -> None:
    """The calling thread's run is over: the atexit handlers its script registered run now (their
    output still the script's), as they would have at its interpreter's exit; then its output is
    routed no more."""
    handlers = _exit_handlers.get(threading.get_ident())
    if handlers is not None:
        handlers.run_all()
    with _lock:
        _sinks.pop(threading.get_ident(), None)
        _exit_handlers.pop(threading.get_ident(), None)
        _unhook_breakpoints()


def write_pieces(pieces: Iterable[tuple[str, str]], streams: dict[str, Any]) -> bool:
    """Write the script's output, (stream name, text) pieces, to `streams` ({"stdout": …, "stderr": …})
    in the order it was written (one stream is flushed before the other is written to), and end an
    unfinished last line (a progress line drawn with \\r) on stdout. Whether there was any."""
    last_stream, last_text = None, ""
    for name, text in pieces:
        stream = streams.get(name, streams["stdout"])
        if last_stream is not None and last_stream is not stream:
            last_stream.flush()
        stream.write(text)
        last_stream, last_text = stream, text
    if last_text and not last_text.endswith("\n"):
        streams["stdout"].write("\n")
    for stream in streams.values():
        stream.flush()
    return last_stream is not None


def unwrap(stream):
    """The real stream behind our router (front ends write their own text there, from any thread)."""
    while isinstance(stream, (_Router, _InputRouter)):
        stream = stream.original
    capture = _active
    if capture is not None and capture.streams:
        # Fds 1 and 2 are the script's pipes now: the real ones are the duplicates made before.
        fd = _fileno(stream)
        for name, number in _STREAMS.items():
            if fd == number:
                return capture.streams[name]
    return stream


# --- file descriptors 1 and 2 ------------------------------------------------------------------------

_active: FdCapture | None = None
# The sink of the script thread registered last. What arrives on the pipes goes there: a shell
# command's output belongs to the run that started it, even if it ends after the script's thread.
_latest_sink: Sink | None = None


class FdCapture:
    """Fds 1 and 2 point at pipes; a thread reads them into the current script's sink.

    Delivery (the reader thread's, and `drain`'s from any thread) holds one lock, so what was read
    first is delivered first. `drain()` takes whatever is in the pipes now: the router calls it before
    each text a script prints, and front ends before each pause, so a shell command's output keeps
    its place. After `stop()` the real fds are back; output a child that outlived the script writes
    later goes to them (stdout to `late_stdout_fd`).
    """

    def __init__(self, late_stdout_fd: int = 1):
        self.late_fds = {"stdout": late_stdout_fd, "stderr": 2}
        self._lock = threading.RLock()
        self._stopped = False
        self._pending: list[tuple[str, str]] = []  # arrived before any script registered a sink
        self.saved: dict[str, int] = {}  # stream -> duplicate of its real fd
        self.streams: dict[str, io.TextIOWrapper] = {}  # text streams on those duplicates
        self._reads: dict[int, str] = {}  # pipe read end -> stream
        self._decoders = {name: codecs.getincrementaldecoder("utf-8")(errors="replace") for name in _STREAMS}
        self._swapped: list[tuple[object, str, object]] = []  # (owner, attribute, old value)

    # -- starting and stopping (the main thread) --

    def start(self) -> None:
        """Raises, having changed nothing, when the fds cannot be duplicated or piped."""
        import select

        made: list[int] = []
        try:
            saved = {name: os.dup(fd) for name, fd in _STREAMS.items()}  # (non-inheritable)
            made += saved.values()
            pipes = {}
            for name in _STREAMS:
                pipes[name] = os.pipe()
                made += pipes[name]
        except OSError:
            for fd in made:
                os.close(fd)
            raise
        _install()
        # What was written before this belongs where it was going.
        for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__, unwrap(sys.stdout)):
            with contextlib.suppress(Exception):
                stream.flush()
        self._flush_c_stdio()
        self.saved = saved
        for name, fd in saved.items():
            like = sys.__stdout__ if name == "stdout" else sys.__stderr__
            line_buffering = bool(getattr(like, "line_buffering", False))
            self.streams[name] = open(  # noqa: SIM115 - lives as long as the process may write to it
                fd,
                "w",
                buffering=1 if line_buffering else -1,
                encoding=getattr(like, "encoding", None) or "utf-8",
                errors=getattr(like, "errors", None) or "strict",
                closefd=False,
            )
        # Two pollers: the reader thread blocks in one, `drain` peeks with the other (one poll
        # object cannot be polled from two threads at once).
        self._poll, self._peek = select.poll(), select.poll()
        for name, (read, write) in pipes.items():
            os.set_blocking(read, False)
            os.dup2(write, _STREAMS[name])  # (inheritable: a child writes to the pipe)
            os.close(write)
            self._reads[read] = name
            self._poll.register(read, select.POLLIN)
            self._peek.register(read, select.POLLIN)
        if pipes_made is not None:
            pipes_made({name: read for name, (read, _) in pipes.items()})
        try:
            self._redirect_streams()
            reader = threading.Thread(target=self._read_loop, name="stepper-output", daemon=True)
            reader.start()
        except BaseException:
            self.stop()
            raise

    def _redirect_streams(self) -> None:
        # Whoever writes to the process's real streams (Textual's driver, which writes to
        # sys.__stderr__ and asks sys.__stdout__ for the terminal's size; the routers' other threads)
        # now writes to the duplicates. Those two are routers too: the script's own
        # `print(..., file=sys.__stdout__)` is its output, kept like its prints, not drawn over a screen
        # nor mixed into --jsonl's stdout.
        self._swap(sys, "__stdout__", _Router(self.streams["stdout"], "stdout"))
        self._swap(sys, "__stderr__", _Router(self.streams["stderr"], "stderr"))
        for router in (sys.stdout, sys.stderr):
            if isinstance(router, _Router) and _fileno(router.original) in _STREAMS.values():
                self._swap(router, "original", self.streams[router.stream])

    def stop(self) -> None:
        """Put fds 1 and 2 back and deliver everything the pipes hold; a child still holding them
        does not hold stepper up."""
        for _, _, old in self._swapped:  # (text a holder of the real stream left in its buffer)
            with contextlib.suppress(Exception):
                old.flush()
        self._flush_c_stdio()
        try:
            for name, fd in _STREAMS.items():
                os.dup2(self.saved[name], fd)
        finally:
            for owner, attribute, old in reversed(self._swapped):
                setattr(owner, attribute, old)
            self._swapped.clear()
            with self._lock:
                self.drain()
                for name, decoder in self._decoders.items():
                    self._deliver(name, decoder.decode(b"", final=True))
                sink = _latest_sink
                if sink is not None:
                    self._flush_pending(sink)
                else:  # no script ever ran: nothing to give it to but the real fds
                    for name, text in self._pending:
                        self._write_late(name, text.encode("utf-8", "replace"))
                    self._pending.clear()
                self._stopped = True
            for stream in self.streams.values():
                try:
                    stream.flush()
                except OSError:  # (a reader gone: `| head`) later flushes go nowhere, quietly
                    with contextlib.suppress(OSError):
                        devnull = os.open(os.devnull, os.O_WRONLY)
                        os.dup2(devnull, stream.fileno())
                        os.close(devnull)

    def _swap(self, owner, attribute: str, value) -> None:
        self._swapped.append((owner, attribute, getattr(owner, attribute)))
        setattr(owner, attribute, value)

    @staticmethod
    def _flush_c_stdio() -> None:
        """C code's printf output waits in the C library's buffers: send it on to the fds now."""
        try:
            import ctypes

            ctypes.CDLL(None).fflush(None)
        except Exception:  # noqa: BLE001 - no C library to ask (or no such call): nothing to flush
            pass

    # -- reading --

    def drain(self) -> None:
        """Deliver what the pipes hold right now (from any thread; a forked child has no capture)."""
        with self._lock:
            if not self._reads or not self._peek.poll(0):
                return
            for read in list(self._reads):
                self._read(read)

    def _read(self, read: int) -> bool:
        """Read one pipe until it is empty; True at its end (every writer gone)."""
        name = self._reads[read]
        while True:
            try:
                data = os.read(read, 65536)
            except BlockingIOError:
                return False
            except OSError:
                return True
            if not data:
                return True
            if self._stopped:
                self._write_late(name, data)
            else:
                self._deliver(name, self._decoders[name].decode(data))

    def _read_loop(self) -> None:
        while self._reads:
            try:
                ready = self._poll.poll()
            except InterruptedError:
                continue
            with self._lock:
                for read, _ in ready:
                    if read in self._reads and self._read(read):  # every writer is gone
                        self._poll.unregister(read)
                        self._peek.unregister(read)
                        del self._reads[read]
                        os.close(read)

    def _deliver(self, name: str, text: str) -> None:
        if not text:
            return
        sink = _latest_sink
        if sink is None:
            self._pending.append((name, text))
            return
        self._flush_pending(sink)
        sink(name, text)

    def _flush_pending(self, sink: Sink) -> None:
        pending, self._pending = self._pending, []
        for name, text in pending:
            sink(name, text)

    def _write_late(self, name: str, data: bytes) -> None:
        with contextlib.suppress(OSError):
            os.write(self.late_fds[name], data)


def _fileno(stream) -> int | None:
    try:
        return stream.fileno()
    except Exception:  # noqa: BLE001 - not a stream on a file descriptor
        return None


@contextlib.contextmanager
def capture_fds(late_stdout_fd: int = 1) -> Iterator[FdCapture | None]:
    """For the length of the block, what is written to fds 1 and 2 (by the script's shell commands,
    subprocesses, C code) is captured like its prints. `late_stdout_fd`: where a child's stdout goes
    once the block is over (2 for `--jsonl`, whose stdout is only JSON). Yields None, capturing
    nothing, where that cannot be done (no fd 1 or 2, no poll(), already capturing)."""
    global _active, _latest_sink
    import select

    if _active is not None or not hasattr(select, "poll") or None in (_fileno_of(1), _fileno_of(2)):
        yield None
        return
    capture = FdCapture(late_stdout_fd)
    try:
        capture.start()
    except Exception:  # noqa: BLE001 - (start put everything back) the script's prints are still kept
        yield None
        return
    _active = capture
    try:
        yield capture
    finally:
        try:
            capture.stop()
        finally:
            _active = None
            _latest_sink = None


def _fileno_of(fd: int) -> int | None:
    try:
        os.fstat(fd)
    except OSError:
        return None
    return fd


def drain() -> None:
    """Deliver what shell commands and C code have written so far (a front end calls this before it
    shows a pause, so their output keeps its place before it). Nothing to do when not capturing."""
    capture = _active
    if capture is not None:
        capture.drain()


def _after_fork_in_child() -> None:
    """A process forked from the script (a DataLoader worker) has none of our threads and no front
    end: it writes to fds 1 and 2 as under `python`, and they are the pipes the parent reads."""
    global _active, _latest_sink, _lock
    _lock = threading.Lock()
    # (The thread that forked may be one the script started: the child is no thread of the run.)
    with contextlib.suppress(AttributeError):
        delattr(threading.current_thread(), _INHERITED)
    capture = _active
    if capture is None:
        return
    _active = None
    _latest_sink = None
    _sinks.clear()
    _exit_handlers.clear()  # (the child's own atexit handlers are its interpreter's, as under python)
    for name, fd in _STREAMS.items():
        like = capture.streams.get(name)
        stream = open(  # noqa: SIM115 - the child's sys.stdout / sys.stderr
            fd,
            "w",
            buffering=1,
            encoding=getattr(like, "encoding", None) or "utf-8",
            errors=getattr(like, "errors", None) or "strict",
            closefd=False,
        )
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
