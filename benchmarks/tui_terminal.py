"""Shared by the TUI benchmarks: run a command in a pseudo-terminal and watch its screen (pyte).

Not a benchmark itself. Timings include reading the pty and feeding the emulator, which costs the
same for a benchmark and its baseline.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import time

import common  # noqa: F401  (stepper's bytecode is written as it is imported)
import pexpect
import pyte

COLUMNS, ROWS = 80, 24
PYTHON = sys.executable
STEPPER = shutil.which("stepper", path=os.path.dirname(sys.executable)) or "stepper"

# A bare Textual app: one line of text, and a key that changes it (the baselines).
BARE_APP = """
from textual.app import App
from textual.widgets import Static

class Bare(App):
    BINDINGS = [("space", "bump", "bump"), ("q", "quit", "quit")]
    count = 0

    def compose(self):
        yield Static("bare textual ready 0", id="label")

    def action_bump(self):
        self.count += 1
        self.query_one("#label").update(f"bare textual ready {self.count}")

Bare().run()
"""


class Terminal:
    def __init__(self, command: str, args: list[str]) -> None:
        env = dict(os.environ, TERM="xterm-256color")
        env.pop("NO_COLOR", None)
        self.screen = pyte.Screen(COLUMNS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        self.started = time.perf_counter()
        self.child = pexpect.spawn(command, args, env=env, dimensions=(ROWS, COLUMNS))
        self.child.delaybeforesend = None  # pexpect waits 50 ms before each send by default

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def wait_for(self, needle: str, timeout: float = 60.0) -> float:
        """Seconds since the process started until `needle` is on screen."""
        deadline = time.perf_counter() + timeout
        while needle not in self.text():
            if time.perf_counter() > deadline:
                raise TimeoutError(f"never saw {needle!r}:\n{self.text()}")
            try:
                self.stream.feed(self.child.read_nonblocking(65536, timeout=0.02))
            except pexpect.TIMEOUT:
                pass
        return time.perf_counter() - self.started

    def close(self) -> None:
        self.child.terminate(force=True)


def bare_app() -> Terminal:
    return Terminal(PYTHON, ["-c", BARE_APP])


def stepper(*args: str) -> Terminal:
    return Terminal(STEPPER, ["run", "--seed", "0", *args])


def median(values: list[float]) -> float:
    return statistics.median(values)


def time_until(start, needle: str) -> float:
    """Start a terminal with `start()` and return the seconds until `needle` is on its screen."""
    terminal = start()
    try:
        return terminal.wait_for(needle)
    finally:
        terminal.close()
