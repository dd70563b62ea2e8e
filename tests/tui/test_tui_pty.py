"""The installed `stepper run` in a real pseudo-terminal: keys in, screen text out (pexpect + pyte)."""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import pexpect
import pyte
import pytest

STEPPER = shutil.which("stepper", path=str(Path(sys.executable).parent)) or shutil.which("stepper")
COLUMNS, ROWS = 80, 24
SAFETY_TIMEOUT = 60.0

pytestmark = pytest.mark.skipif(STEPPER is None, reason="the stepper command is not installed")


class Terminal:
    """A child process in a pseudo-terminal, and the screen a terminal emulator would show."""

    def __init__(self, *args: str) -> None:
        env = dict(os.environ, TERM="xterm-256color", COLUMNS=str(COLUMNS), LINES=str(ROWS))
        env.pop("NO_COLOR", None)
        self.screen = pyte.Screen(COLUMNS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        self.child = pexpect.spawn(STEPPER, list(args), env=env, dimensions=(ROWS, COLUMNS))
        self.seen: list[str] = []  # every distinct screen text, to check what came before what

    def read(self) -> None:
        try:
            data = self.child.read_nonblocking(65536, timeout=0.05)
        except pexpect.TIMEOUT:
            return
        except pexpect.EOF:
            return
        self.stream.feed(data)
        text = self.text()
        if not self.seen or self.seen[-1] != text:
            self.seen.append(text)

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def wait_for(self, *needles: str) -> str:
        deadline = time.monotonic() + SAFETY_TIMEOUT
        while time.monotonic() < deadline:
            self.read()
            if all(needle in self.text() for needle in needles):
                return self.text()
            if not self.child.isalive():
                self.read()
                break
        raise AssertionError(f"never saw {needles!r} on screen:\n{self.text()}")

    def press(self, keys: str) -> None:
        self.child.send(keys)

    def close(self) -> None:
        if self.child.isalive():
            self.child.terminate(force=True)


def test_stepper_run_in_a_real_terminal():
    term = Terminal("run", "--seed", "0")
    try:
        # The first frame comes before PyTorch has finished importing.
        term.wait_for("lesson linear")
        term.wait_for("paused", "pause 1/1")
        first_pause = next(i for i, text in enumerate(term.seen) if "pause 1/1" in text)
        assert any("loading PyTorch" in text for text in term.seen[:first_pause])
        assert "◀ forward" in term.text() and "step 0" in term.text()
        for count in range(2, 6):
            term.press(" ")
            term.wait_for(f"pause {count}/{count}")
        screen = term.wait_for("◀ step", "step 1")
        assert "model.weight  -0.2489 → -0.0959" in screen  # seed 0: the first update, old → new
        term.press("b")
        term.wait_for("◀ history 4/5", "filled by backward")
        term.press("q")
        term.child.expect(pexpect.EOF, timeout=10)
        term.child.close()
        assert term.child.exitstatus == 0
    finally:
        term.close()


def test_quitting_while_pytorch_loads_and_ctrl_c_both_exit_cleanly():
    term = Terminal("run", "--seed", "0")
    try:
        term.wait_for("loading PyTorch")
        started = time.monotonic()
        term.press("q")
        term.child.expect(pexpect.EOF, timeout=10)
        term.child.close()
        assert term.child.exitstatus == 0 and time.monotonic() - started < 5
    finally:
        term.close()
    term = Terminal("run", "--seed", "0")
    try:
        term.wait_for("pause 1/1")
        term.press("\x03")  # ctrl+c
        term.child.expect(pexpect.EOF, timeout=10)
        term.child.close()
        assert term.child.exitstatus == 0
    finally:
        term.close()
