"""Under the screen, in a real pseudo-terminal: what the script prints from a thread it started and to
sys.__stdout__ / sys.__stderr__ is not drawn over the screen, the output screen (`o`) shows it, and
quitting leaves it in the terminal in order. A clear-screen code in the script's output does not
reach the terminal from the output screen."""

from __future__ import annotations

import time
from pathlib import Path

import pexpect
import pytest
from pty_terminal import SAFETY_TIMEOUT, STEPPER, PtyTerminal

pytestmark = pytest.mark.skipif(STEPPER is None, reason="the stepper command is not installed")

SCRIPTS = Path(__file__).resolve().parent / "scripts"
COLUMNS, ROWS = 100, 30


def in_order(text: str, *pieces: str) -> bool:
    places = [text.find(piece) for piece in pieces]
    return -1 not in places and places == sorted(places)


def close_output_screen(term: PtyTerminal) -> None:
    term.press("o")
    deadline = time.monotonic() + SAFETY_TIMEOUT  # (a safety net, not a speed requirement)
    while "script output" in term.text() and time.monotonic() < deadline:
        term.read()


def test_thread_and_dunder_stream_output_is_kept_off_the_screen_shown_by_o_and_left_on_quit():
    script = str(SCRIPTS / "prints_around_the_screen.py")
    term = PtyTerminal(["run", script, "--until-step", "100"], {}, COLUMNS, ROWS)
    try:
        screen = term.wait_for("finished after 3 steps")
        for epoch in range(3):
            for text in (f"thread-{epoch}", f"dunder-out-{epoch}", f"dunder-err-{epoch}"):
                assert text.encode() not in term.raw, f"{text} was written over the screen:\n{screen}"
        term.press("o")
        shown = term.wait_for("dunder-err-2")
        for epoch in range(3):
            assert in_order(shown, f"main-{epoch}", f"thread-{epoch}", f"dunder-out-{epoch}")
            assert f"dunder-err-{epoch}" in shown
        close_output_screen(term)
        term.press("q")
        term.child.expect(pexpect.EOF, timeout=SAFETY_TIMEOUT)
        term.child.close()
        assert term.child.exitstatus == 0
        after = (term.raw + term.child.before).rsplit(b"\x1b[?1049l", 1)[-1].decode()
        for epoch in range(3):
            assert in_order(after, f"main-{epoch}", f"thread-{epoch}", f"dunder-out-{epoch}")
            assert f"dunder-err-{epoch}" in after
    finally:
        term.close()


def test_the_output_screen_sends_no_escape_code_of_the_script_to_the_terminal():
    script = str(SCRIPTS / "prints_escape_codes.py")
    term = PtyTerminal(["run", script, "--until-step", "100"], {}, COLUMNS, ROWS)
    try:
        term.wait_for("finished after 3 steps")
        start = len(term.raw)
        term.press("o")
        shown = term.wait_for("SCRIPT-SAYS-HELLO", "progress 3/3")
        sent = term.raw[start:]
        assert b"\x1b[2J" not in sent and b"a window title" not in sent
        # The text is in the output panel (its border beside it), and stepper's footer is still there.
        row = next(line for line in shown.splitlines() if "SCRIPT-SAYS-HELLO" in line)
        assert "│" in row and not row.startswith("SCRIPT-SAYS-HELLO")
        assert "close" in shown.splitlines()[-1] or "quit" in shown.splitlines()[-1]
        close_output_screen(term)
        term.press("q")
        term.child.expect(pexpect.EOF, timeout=SAFETY_TIMEOUT)
    finally:
        term.close()
