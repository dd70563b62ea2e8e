"""The installed `stepper run` in a real pseudo-terminal: keys in, screen text out (pexpect + pyte)."""

from __future__ import annotations

from pathlib import Path

import pexpect
import pytest
from pty_terminal import SAFETY_TIMEOUT, STEPPER, PtyTerminal

COLUMNS, ROWS = 80, 24

pytestmark = pytest.mark.skipif(STEPPER is None, reason="the stepper command is not installed")


def Terminal(*args: str) -> PtyTerminal:  # noqa: N802 - reads like the class it makes
    return PtyTerminal(list(args), {"TERM": "xterm-256color"}, COLUMNS, ROWS)


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
        term.press("q")
        term.child.expect(pexpect.EOF, timeout=10)
        term.child.close()
        assert term.child.exitstatus == 0
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


def test_what_the_script_printed_and_its_error_stay_in_the_terminal_after_quitting():
    script = str(Path(__file__).parent / "scripts" / "prints_then_fails.py")
    term = Terminal("run", script, "--until-step", "100")
    try:
        # (Not "ValueError" alone: the code panel shows the script's `raise ValueError(...)` line from
        # the first frame on, and a q pressed before the run ended quit with the script still going.)
        term.wait_for("the script raised an error")
        term.press("q")
        term.child.expect(pexpect.EOF, timeout=SAFETY_TIMEOUT)
        term.child.close()
        # Everything after the screen's last frame: the terminal as the learner finds it.
        written = term.raw + term.child.before
        after = written.rsplit(b"\x1b[?1049l", 1)[-1].decode()
        assert term.child.exitstatus == 1, (term.child.exitstatus, term.child.signalstatus, after)
        assert "progress 1/5 epoch 0 done" in after and "progress 2/5 epoch 1 done" in after
        assert "raised ValueError at prints_then_fails.py:21 after 2 updates" in after
        assert "the learning rate schedule ran out of values" in after
        assert after.index("epoch 1 done") < after.index("raised ValueError")
    finally:
        term.close()
