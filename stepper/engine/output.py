"""Keeping the script's printed output: captured from its thread, never written over a front end.

`sys.stdout`/`sys.stderr` are wrapped once by a router that sends writes from a registered script
thread to that script's sink and passes every other thread's writes through unchanged. Reading
standard input from a script thread fails with a clear message instead of hanging on a keyboard the
front end owns.
"""

from __future__ import annotations

import io
import sys
import threading
from collections.abc import Callable

Sink = Callable[[str, str], None]  # (stream name, text)

_sinks: dict[int, Sink] = {}
_lock = threading.Lock()


class ScriptAskedForInput(Exception):
    """The script called input() (or read sys.stdin) while stepper was driving it."""


class _Router(io.TextIOBase):
    def __init__(self, original, name: str):
        self.original = original
        self.name = name

    def _sink(self) -> Sink | None:
        return _sinks.get(threading.get_ident())

    def write(self, text: str) -> int:
        sink = self._sink()
        if sink is None:
            return self.original.write(text)
        sink(self.name, text)
        return len(text)

    def flush(self) -> None:
        if self._sink() is None and self.original is not None:
            self.original.flush()

    def isatty(self) -> bool:
        return False if self._sink() is not None else self.original.isatty()

    def fileno(self) -> int:
        return self.original.fileno()

    @property
    def encoding(self):  # noqa: D401 - mirrors the wrapped stream
        return getattr(self.original, "encoding", "utf-8")

    def writable(self) -> bool:
        return True


class _InputRouter(io.TextIOBase):
    def __init__(self, original):
        self.original = original

    def _refuse(self):
        raise ScriptAskedForInput(
            "the script asked for input (input() or sys.stdin), but under stepper a script reads no "
            "input: stepper runs it pause by pause, and on the screen the keys are stepper's; give the "
            "script its value another way (a constant, or an argument after `--` on the stepper "
            "command line)"
        )

    def readline(self, size: int = -1) -> str:
        if threading.get_ident() in _sinks:
            self._refuse()
        return "" if self.original is None else self.original.readline(size)

    def read(self, size: int = -1) -> str:
        if threading.get_ident() in _sinks:
            self._refuse()
        return "" if self.original is None else self.original.read(size)

    def readable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False if threading.get_ident() in _sinks else bool(self.original and self.original.isatty())

    def fileno(self) -> int:
        return self.original.fileno()


def _install() -> None:
    if not isinstance(sys.stdout, _Router):
        sys.stdout = _Router(sys.stdout, "stdout")
    if not isinstance(sys.stderr, _Router):
        sys.stderr = _Router(sys.stderr, "stderr")
    if not isinstance(sys.stdin, _InputRouter):
        sys.stdin = _InputRouter(sys.stdin)


def capture_thread(sink: Sink) -> None:
    """Route the calling thread's stdout/stderr to `sink` until `release_thread` is called."""
    with _lock:
        _install()
        _sinks[threading.get_ident()] = sink


def release_thread() -> None:
    with _lock:
        _sinks.pop(threading.get_ident(), None)


def unwrap(stream):
    """The real stream behind our router (front ends write their own text there, from any thread)."""
    while isinstance(stream, (_Router, _InputRouter)):
        stream = stream.original
    return stream
