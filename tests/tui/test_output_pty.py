"""A shell command's output (written to file descriptors 1 and 2, never through Python) under the
screen, in a real pseudo-terminal: it is not drawn over the screen, the output screen (`o`) shows it,
and quitting leaves it in the terminal in order, as `python` would have."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pexpect
import pyte
import pytest
from pty_terminal import SAFETY_TIMEOUT, STEPPER, UNSET, PtyTerminal

pytestmark = pytest.mark.skipif(STEPPER is None, reason="the stepper command is not installed")

SCRIPT = str(Path(__file__).resolve().parents[1] / "scripts" / "shell_output_each_step.py")
COLUMNS, ROWS = 100, 30


class SizedTerminal(PtyTerminal):
    """A terminal that does not tell its size in COLUMNS/LINES: the app must ask the terminal."""

    def __init__(self, args: list[str]) -> None:
        env = {k: v for k, v in os.environ.items() if k not in (*UNSET, "COLUMNS", "LINES")}
        env["TERM"] = "xterm-256color"
        self.screen = pyte.Screen(COLUMNS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = b""
        self.seen = []
        self.child = pexpect.spawn(STEPPER, args, env=env, dimensions=(ROWS, COLUMNS))


def in_order(text: str, *pieces: str) -> bool:
    places = [text.find(piece) for piece in pieces]
    return -1 not in places and places == sorted(places)


def test_shell_output_is_kept_off_the_screen_shown_by_o_and_left_in_the_terminal_on_quit():
    term = SizedTerminal(["run", SCRIPT, "--until-step", "100"])
    try:
        screen = term.wait_for("finished after 3 steps")
        # The whole terminal is used: its size was read from the terminal (fds 1 and 2 are pipes).
        assert "quit" in term.screen.display[ROWS - 1]
        # Every echo ran before the run finished: none of it reached the terminal.
        for epoch in range(3):
            for text in (f"shell-{epoch}", f"fd-{epoch}", f"child-err-{epoch}"):
                assert text.encode() not in term.raw, f"{text} was written over the screen:\n{screen}"
        term.press("o")
        shown = term.wait_for("shell-2", "fd-2", "child-err-2", "after-2")
        assert in_order(shown, "print-0", "shell-0", "fd-0", "after-0", "print-1")
        term.press("o")  # closes the output screen
        deadline = time.monotonic() + SAFETY_TIMEOUT  # (a safety net, not a speed requirement)
        while "script output" in term.text() and time.monotonic() < deadline:
            term.read()
        term.press("q")
        term.child.expect(pexpect.EOF, timeout=SAFETY_TIMEOUT)
        term.child.close()
        assert term.child.exitstatus == 0
        # Everything after the screen's last frame: the terminal as the learner finds it.
        after = (term.raw + term.child.before).rsplit(b"\x1b[?1049l", 1)[-1].decode()
        for epoch in range(3):
            assert in_order(after, f"print-{epoch}", f"shell-{epoch}", f"fd-{epoch}", f"after-{epoch}")
            assert in_order(after, f"print-{epoch}", f"child-err-{epoch}", f"after-{epoch}")
        assert in_order(after, "after-0", "tail-0", "print-1", "after-1", "tail-1", "print-2", "tail-2")
    finally:
        term.close()
