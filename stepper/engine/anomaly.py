"""Anomaly mode's warning shows the script's frames only, as under `python`.

`torch.autograd.set_detect_anomaly(True)` keeps the Python stack of each forward operation and, when
its backward fails, warns with it ("Traceback of forward call that caused the error:"). Under stepper
the script runs in a thread stepper started, so that stack began with Python's threading module and
stepper's own frames, above the script's first line. `install` cuts those frames out of the warning
before it is shown; every other warning passes untouched."""

from __future__ import annotations

import os
import threading
import warnings
from typing import Any

MARK = "Traceback of forward call that caused the error:\n"
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_THREADING = os.path.abspath(threading.__file__)
_installed = False


def install() -> None:
    """Wrap `warnings.showwarning` (once a process; what the script sets later replaces it)."""
    global _installed
    if _installed:
        return
    _installed = True
    shown = warnings.showwarning

    def showwarning(
        message: Any, category: Any, filename: str, lineno: int, file: Any = None, line: Any = None
    ):
        if isinstance(message, Warning) and MARK in str(message):
            message = type(message)(without_our_frames(str(message)))
        return shown(message, category, filename, lineno, file, line)

    warnings.showwarning = showwarning


def without_our_frames(text: str) -> str:
    """`text` with the stack's frames in stepper's package or Python's threading module left out."""
    before, _, stack = text.partition(MARK)
    kept: list[str] = []
    dropping = False
    in_frames = True
    for line in stack.splitlines(keepends=True):
        if in_frames and line.startswith('  File "'):
            path = line[len('  File "') :].partition('"')[0]
            path = os.path.abspath(path) if path and not path.startswith("<") else path
            dropping = path.startswith(_PACKAGE_DIR) or path == _THREADING
        elif in_frames and line.startswith("    "):
            pass  # (the frame's code line, or its ^^^ marks: they go with their frame)
        else:
            in_frames, dropping = False, False
        if not dropping:
            kept.append(line)
    return before + MARK + "".join(kept)
