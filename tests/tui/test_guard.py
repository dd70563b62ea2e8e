"""The screen's process killed where it cannot clean up (a segfault in C code, the out-of-memory killer's
SIGKILL): the terminal is put back, what the script printed is printed, and the message says what
happened and where. Job control (ctrl+z, fg) passes through the process that waits for it.

Each runs `stepper run` in a real shell in a tmux pane, which outlives it (see test_terminals.Pane)."""

from __future__ import annotations

import re
import signal

from test_terminals import Pane, gone, needs_tmux

TRAINS_THEN = """\
import os
import signal

import torch
from torch import nn

model = nn.Linear(1, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x, y = torch.randn(8, 1), torch.randn(8, 1)
for step in range(3):
    loss = nn.functional.mse_loss(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"step {{step}} printed")
    if step == 1:
        {fatal}
"""

SEGFAULT = "import ctypes; ctypes.string_at(0)"  # reads address 0
KILLED = "os.kill(os.getpid(), signal.SIGKILL)"  # what the kernel's out-of-memory killer does


def sane(pane: Pane, tmp_path) -> None:
    stty = (tmp_path / "stty").read_text()
    assert re.search(r"(^|\s)echo(\s|$)", stty) and re.search(r"(^|\s)icanon(\s|$)", stty), stty
    assert pane.flags() == {"cursor": "1", "alternate": "0", "mouse": "0"}


def joined(pane: Pane) -> str:
    return pane.tmux("capture-pane", "-p", "-J", "-t", "t")  # (-J: lines the pane wrapped, joined)


def killed_by(tmp_path, name: str, fatal: str, signum: int) -> str:
    """Run a script that trains two steps, printing, then dies by `fatal`; check the exit status and
    the terminal left behind; return the pane's text."""
    script = tmp_path / name
    script.write_text(TRAINS_THEN.format(fatal=fatal), encoding="utf-8")
    pane = Pane(tmp_path, str(script), "--until-step", "9")  # (runs at once, and on past step 1)
    try:
        pane.wait_for("DONE")
        assert (tmp_path / "exit").read_text().strip() == f"EXIT={128 + signum}"
        sane(pane, tmp_path)
        text = joined(pane)
    finally:
        pane.close()
    assert "step 0 printed\nstep 1 printed\n" in text  # (what the script printed, kept)
    assert "Traceback" not in text and "stepper/" not in text
    return text


@needs_tmux
def test_a_segfault_in_the_scripts_c_code_leaves_a_sane_terminal_the_output_and_where(tmp_path):
    text = killed_by(tmp_path, "crashes.py", SEGFAULT, signal.SIGSEGV)
    line = TRAINS_THEN.splitlines().index("        {fatal}") + 1
    assert f"killed by SIGSEGV (signal 11), at crashes.py:{line} ({SEGFAULT})" in text
    assert "segmentation fault" in text


@needs_tmux
def test_a_process_the_out_of_memory_killer_ends_still_leaves_the_output_and_says_what_it_likely_was(
    tmp_path,
):
    text = killed_by(tmp_path, "grows.py", KILLED, signal.SIGKILL)
    assert "killed by SIGKILL (signal 9)" in text and "out-of-memory killer" in text


@needs_tmux
def test_ctrl_z_stops_the_job_and_fg_brings_the_screen_back_to_step_on(tmp_path):
    pane = Pane(tmp_path)
    try:
        pane.wait_for("pause 1/1")
        pid = pane.pid()
        pane.tmux("send-keys", "-t", "t", "C-z")
        pane.wait_for("Stopped")  # (the shell saw the job stop; its list went on, so DONE follows)
        pane.wait_for("DONE")
        pane.tmux("send-keys", "-t", "t", "fg", "Enter")
        pane.wait_for("pause 1/1")
        pane.tmux("send-keys", "-t", "t", "space")
        pane.wait_for("pause 2/2")
        pane.tmux("send-keys", "-t", "t", "q")
        assert gone(pid), "the stepper process is still there"
        assert pane.flags() == {"cursor": "1", "alternate": "0", "mouse": "0"}
    finally:
        pane.close()
