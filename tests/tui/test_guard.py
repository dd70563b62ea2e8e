"""The screen's process killed where it cannot clean up (a segfault in C code, the out-of-memory killer's
SIGKILL): the terminal is put back, what the script printed is printed, and the message says what
happened and where. Job control (ctrl+z, fg) passes through the process that waits for it.

Each runs `stepper run` in a real shell in a tmux pane, which outlives it (see test_terminals.Pane)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pty_terminal import STEPPER
from test_terminals import Pane, gone, needs_stepper, needs_tmux, steps_then_quits
from tui_helpers import SAFETY_TIMEOUT

SCRIPTS = Path(__file__).parent / "scripts"

LOOP = """\
import ctypes
import multiprocessing
import os
import pathlib
import signal
import weakref

import torch
from torch import nn
{before}
model = nn.Linear(1, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x, y = torch.randn(8, 1), torch.randn(8, 1)
for step in range({steps}):
    loss = nn.functional.mse_loss(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"{printed}")
{each}
{after}
"""


def training_script(each="", after="", before="", printed="step {step} printed", steps=3) -> str:
    """A script that trains a line for `steps` updates and prints `printed` after each; `each` is more
    of the loop's body (indented), `before` and `after` come before and after the loop."""
    return LOOP.format(each=each, after=after, before=before, printed=printed, steps=steps)


def dies_by(fatal: str) -> str:
    """A training script that dies by `fatal` after its second update (it printed twice by then)."""
    return training_script(each=f"    if step == 1:\n        {fatal}")


def line_of(script: str, text: str) -> int:
    return script.splitlines().index(text) + 1


SEGFAULT = "import ctypes; ctypes.string_at(0)"  # reads address 0
KILLED = "os.kill(os.getpid(), signal.SIGKILL)"  # what the kernel's out-of-memory killer does
C_EXIT = "import ctypes; ctypes.CDLL(None).exit(7)"  # a library's C exit(): no Python cleanup runs
# A C++ library's last words on fd 2, then its abort ("terminate called after throwing ...").
LAST_WORDS = "ctypes.CDLL(None).write(2, b'terminate called: the reason\\n', 29); os.abort()"


def sane(pane: Pane, tmp_path) -> None:
    stty = (tmp_path / "stty").read_text()
    assert re.search(r"(^|\s)echo(\s|$)", stty) and re.search(r"(^|\s)icanon(\s|$)", stty), stty
    assert pane.flags() == {"cursor": "1", "alternate": "0", "mouse": "0"}


def joined(pane: Pane) -> str:
    return pane.tmux("capture-pane", "-p", "-J", "-t", "t")  # (-J: lines the pane wrapped, joined)


def ran(tmp_path, name: str, script: str, status: int, env: str = "TERM=xterm", then: str = "") -> str:
    """Run `script` (written as `name`) to its end at once (and, with `then`, press that key when the
    run has finished); check the exit status and the terminal left behind; return the pane's text."""
    path = tmp_path / name
    path.write_text(script, encoding="utf-8")
    pane = Pane(tmp_path, str(path), "--until-step", "9", env=env)  # (runs at once, past step 1)
    try:
        if then:
            pane.wait_for("finished after")
            pane.tmux("send-keys", "-t", "t", then)
        pane.wait_for("DONE")
        assert (tmp_path / "exit").read_text().strip() == f"EXIT={status}"
        sane(pane, tmp_path)
        return joined(pane)
    finally:
        pane.close()


def killed_by(tmp_path, name: str, fatal: str, status: int) -> str:
    """`ran` a script that trains two steps, printing, then dies by `fatal`."""
    text = ran(tmp_path, name, dies_by(fatal), status)
    assert "step 0 printed\nstep 1 printed\n" in text  # (what the script printed, kept)
    assert "Traceback" not in text and "stepper/" not in text
    return text


@needs_tmux
def test_a_segfault_in_the_scripts_c_code_leaves_a_sane_terminal_the_output_and_where(tmp_path):
    text = killed_by(tmp_path, "crashes.py", SEGFAULT, 128 + signal.SIGSEGV)
    line = line_of(dies_by(SEGFAULT), f"        {SEGFAULT}")
    assert f"killed by SIGSEGV (signal 11), at crashes.py:{line} ({SEGFAULT})" in text
    assert "segmentation fault" in text


@needs_tmux
def test_a_process_the_out_of_memory_killer_ends_still_leaves_the_output_and_says_what_it_likely_was(
    tmp_path,
):
    text = killed_by(tmp_path, "grows.py", KILLED, 128 + signal.SIGKILL)
    assert "killed by SIGKILL (signal 9)" in text and "out-of-memory killer" in text


@needs_tmux
def test_a_c_exit_with_the_screen_up_leaves_a_sane_terminal_and_the_output(tmp_path):
    # No signal: the process ended with status 7 before the screen could come down.
    text = killed_by(tmp_path, "exits.py", C_EXIT, 7)
    assert "ended (exit status 7) with its screen still up" in text and "exit()" in text


@needs_tmux
def test_what_c_code_wrote_just_before_an_abort_is_left_above_the_message(tmp_path):
    text = killed_by(tmp_path, "aborts.py", LAST_WORDS, 128 + signal.SIGABRT)
    assert "step 1 printed\nterminate called: the reason\nstepper: the process running aborts.py" in text


HELPER_THEN_ABORT = training_script(
    printed="step {step} printed \u2713",
    each="""\
    if step == 0:  # a process the script forks crashes (the script goes on: it is not the screen's)
        helper = multiprocessing.get_context("fork").Process(target=ctypes.string_at, args=(0,))
        helper.start()
        helper.join()
    if step == 1:
        os.abort()""",
)


@needs_tmux
def test_the_crash_named_is_the_screens_not_a_forked_helpers_and_a_narrow_encoding_still_says_it(
    tmp_path,
):
    # (PYTHONIOENCODING=ascii: what the terminal cannot show is replaced; the report still comes)
    env = "TERM=xterm PYTHONIOENCODING=ascii"
    text = ran(tmp_path, "helper.py", HELPER_THEN_ABORT, 128 + signal.SIGABRT, env=env)
    assert "step 0 printed ?\nstep 1 printed ?\n" in text
    line = line_of(HELPER_THEN_ABORT, "        os.abort()")
    assert f"killed by SIGABRT (signal 6), at helper.py:{line} (os.abort())" in text and "an abort" in text


CRASH_AT_EXIT = training_script(
    steps=2,
    after="""
class Handle:  # a C library's handle whose clean-up crashes as the interpreter exits
    pass


handle = Handle()
weakref.finalize(handle, ctypes.string_at, 0)""",
)


@needs_tmux
def test_a_crash_after_the_screen_has_quit_prints_nothing_twice_and_over_nothing(tmp_path):
    # (q: the screen quits and prints the output; then the interpreter's exit crashes)
    text = ran(tmp_path, "at_exit.py", CRASH_AT_EXIT, 128 + signal.SIGSEGV, then="q")
    assert text.count("step 0 printed") == 1 and text.count("step 1 printed") == 1
    # in order, below the command line: nothing was written over
    assert (
        text.index("exec ")
        < text.index("step 1 printed")
        < text.index("killed by SIGSEGV")
        < text.index("DONE")
    )
    assert "what the script printed is above" not in text


CRASHES_WHEN_RESTARTED = training_script(
    steps=2,
    before="""marker = pathlib.Path(__file__).with_suffix(".ran")
run = 2 if marker.exists() else 1
marker.touch()""",
    printed="run {run} step {step} printed",
    after="if run == 2:\n    ctypes.string_at(0)",
)


@needs_tmux
def test_after_a_restart_a_crash_prints_the_new_runs_output_only_as_q_would(tmp_path):
    text = ran(tmp_path, "restarted.py", CRASHES_WHEN_RESTARTED, 128 + signal.SIGSEGV, then="r")
    assert "run 2 step 0 printed\nrun 2 step 1 printed\n" in text and "run 1" not in text


@needs_tmux
def test_a_signal_a_process_sends_to_stepper_is_passed_on(tmp_path):
    # `kill -INT` (timeout -s INT, an editor's stop button) quits the screen as it did unguarded.
    with Pane(tmp_path) as pane:
        pid = pane.paused()
        os.kill(pid, signal.SIGINT)
        assert gone(pid), "the stepper process is still there"
        pane.wait_for("DONE")
        sane(pane, tmp_path)


@needs_tmux
def test_sigterm_while_a_torch_call_holds_the_script_ends_quietly_with_the_output(tmp_path):
    # The script cannot stop inside the call, so the screen's watchdog ends the process (143) with its
    # screen up; that is a person's signal, not a library's exit(): said as before, with the output.
    script = tmp_path / "busy.py"
    busy = tmp_path / "busy"
    script.write_text(dies_by(f"pathlib.Path({str(busy)!r}).touch(); import time; time.sleep(60)"))
    pane = Pane(tmp_path, str(script), "--until-step", "9")
    try:
        for _ in range(600):
            if busy.exists():
                break
            time.sleep(0.1)
        os.kill(pane.pid(), signal.SIGTERM)
        pane.wait_for("DONE")
        assert (tmp_path / "exit").read_text().strip() == f"EXIT={128 + signal.SIGTERM}"
        sane(pane, tmp_path)
        text = joined(pane)
    finally:
        pane.close()
    assert "step 0 printed\nstep 1 printed\n" in text
    assert "stepper:" not in text and "exit()" not in text


@needs_stepper
def test_a_plain_transcript_into_a_file_keeps_everything_before_a_crash(tmp_path):
    script = tmp_path / "crashes.py"
    script.write_text(dies_by(SEGFAULT), encoding="utf-8")
    done = subprocess.run(
        [STEPPER, "run", str(script), "--plain"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 128 + signal.SIGSEGV  # (the guard's, which says why on stderr)
    assert "killed by SIGSEGV" in done.stderr
    assert "step 0 printed\n" in done.stdout and "step 1 printed\n" in done.stdout  # (not left in a buffer)
    assert done.stdout.count("optimizer.step()") == 2  # (every pause's block)


@needs_tmux
def test_ctrl_z_stops_the_job_and_fg_brings_the_screen_back_to_step_on(tmp_path):
    with Pane(tmp_path) as pane:
        pid = pane.paused()
        pane.tmux("send-keys", "-t", "t", "C-z")
        pane.wait_for("Stopped")  # (the shell saw the job stop; its list went on, so DONE follows)
        pane.wait_for("DONE")
        steps_then_quits(pane, pid, fg=True)


@needs_tmux
@needs_stepper
@pytest.mark.parametrize("stopped_by", ["ctrl+z", "kill -TSTP"])
def test_kill_of_a_stopped_job_ends_it_and_leaves_the_output(tmp_path, stopped_by):
    # `kill %1` sends the stopped job SIGTERM, then SIGCONT. Quitting as `q` does would first put the
    # screen up again from the background, and the terminal stopped the process for that (SIGTTOU):
    # the job stayed "Stopped (tty output)". A `kill -TSTP` from another shell stops the screen
    # through Textual's own handler, not the ctrl+z key's, and must end the same way.
    script = tmp_path / "prints.py"
    script.write_text(training_script(), encoding="utf-8")
    with Pane(tmp_path, str(script)) as pane:
        pid = pane.paused()
        pane.tmux("send-keys", "-t", "t", "s", "space")  # (past an update and the print after it)
        pane.wait_for("pause 5/5")
        if stopped_by == "ctrl+z":
            pane.tmux("send-keys", "-t", "t", "C-z")
        else:
            os.kill(pid, signal.SIGTSTP)
        pane.wait_for("DONE")  # (the shell saw the job stop, and its list went on)
        pane.tmux("send-keys", "-t", "t", "kill %1", "Enter")
        assert gone(pid, within=20), "the stopped job is still there after kill %1"
        pane.tmux("send-keys", "-t", "t", "jobs; echo JOBS-LISTED", "Enter")
        text = pane.wait_for("JOBS-LISTED\n")
        assert "step 0 printed" in text  # (what the script printed, which the screen had kept)
        assert "Stopped" not in text.split("JOBS-LISTED")[1]  # (the shell's list: no job left stopped)
        assert pane.flags() == {"cursor": "1", "alternate": "0", "mouse": "0"}


@needs_tmux
@needs_stepper
def test_kill_of_a_stopped_unguarded_screen_still_leaves_the_output(tmp_path):
    # A thread already running when stepper starts (one a sitecustomize started, here) rules out the
    # fork: no guard, so no parent prints what the script printed when the stopped job is killed.
    # The screen's process prints it itself, from the background.
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(
        "import threading, time\nthreading.Thread(target=time.sleep, args=(3600,), daemon=True).start()\n"
    )
    script = tmp_path / "prints.py"
    script.write_text(training_script(), encoding="utf-8")
    with Pane(tmp_path, str(script), env=f"TERM=xterm PYTHONPATH={hook}") as pane:
        pid = pane.paused()
        assert pane.children(pid) == []  # (unguarded: no fork)
        pane.tmux("send-keys", "-t", "t", "s", "space")  # (past an update and the print after it)
        pane.wait_for("pause 5/5")
        pane.tmux("send-keys", "-t", "t", "C-z")
        pane.wait_for("DONE")
        pane.tmux("send-keys", "-t", "t", "kill %1", "Enter")
        assert gone(pid, within=20), "the stopped job is still there after kill %1"
        pane.tmux("send-keys", "-t", "t", "jobs; echo JOBS-LISTED", "Enter")
        text = pane.wait_for("JOBS-LISTED\n")
        assert "step 0 printed" in text
        assert "Stopped" not in text.split("JOBS-LISTED")[1]


@needs_tmux
@needs_stepper
def test_kill_tstp_of_stepper_stops_the_job_as_ctrl_z_would(tmp_path):
    # Sent to the process the shell waits for (the guard's parent): passed on to the child, and both
    # stop. It used to be ignored there.
    script = tmp_path / "slow.py"
    script.write_text(training_script(steps=600, each="    import time; time.sleep(0.5)"), encoding="utf-8")
    pane = Pane(tmp_path, str(script), "--plain")
    try:
        pane.wait_for(" printed")  # (the run is on: whichever step, the screen scrolls)
        os.kill(pane.pid(), signal.SIGTSTP)
        text = pane.wait_for("DONE")  # (the shell saw the job stop, and its list went on)
        assert "Stopped" in text and "finished after" not in text
        pane.tmux("send-keys", "-t", "t", "kill %1", "Enter")
        assert gone(pane.pid(), within=20)
    finally:
        pane.close()


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="reads /proc")
def test_a_child_left_stopped_when_the_parent_is_continued_is_continued_by_it():
    from stepper import guard

    def until(condition) -> bool:
        for _ in range(500):
            if condition():
                return True
            time.sleep(0.01)
        return False

    child = subprocess.Popen(["sleep", "30"])
    try:
        os.kill(child.pid, signal.SIGSTOP)
        assert until(lambda: guard._stopped(child.pid))
        guard._continue_if_left_stopped(child.pid, wait=0.05)
        assert until(lambda: not guard._stopped(child.pid))
    finally:
        child.kill()
        child.wait()


def test_the_parent_reads_what_is_left_in_the_pipes_the_child_sent_it():
    import socket

    from stepper import guard

    parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    out, err = os.pipe(), os.pipe()
    try:
        os.write(out[1], b"half a line from C")
        os.write(err[1], "terminate called: ä reason\n".encode())
        guard._pipes_to = child_end
        guard._share_pipes({"stdout": out[0], "stderr": err[0]})
        os.close(out[0])
        os.close(err[0])  # (the child's own ends are gone with it; the parent holds copies)
        os.close(err[1])  # (no writer left on stderr's pipe; stdout's is still held)
        left, held = guard._left_in_pipes(parent_end)
        assert left == [("stdout", "half a line from C"), ("stderr", "terminate called: ä reason\n")]
        assert [name for name, _ in held] == ["stdout"]  # (kept open, for what its writer adds later)
        os.close(held[0][1])
        assert guard._left_in_pipes(parent_end) == ([], [])  # (each capture's pipes are read once)
    finally:
        guard._pipes_to = None
        parent_end.close()
        child_end.close()
        os.close(out[1])


def test_without_a_writable_temporary_folder_the_screen_runs_unguarded(monkeypatch, tmp_path):
    from stepper import guard

    def no_room(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(guard.tempfile, "mkstemp", no_room)
    monkeypatch.setattr(guard.threading, "active_count", lambda: 1)  # (as in a fresh `stepper run`)
    forked = []
    monkeypatch.setattr(guard.os, "fork", lambda: forked.append(1) or 0)
    guard.guard(str(tmp_path / "train.py"))  # (returns, as the screen's process, with no fork)
    assert forked == [] and guard._records_fd is None


# --- a hang-up ends a child that cannot end itself --------------------------------------------------------

# A parent (guard._wait) over a child that ignores SIGHUP, as a screen whose main thread is stuck does
# in effect; its grace is half a second. Prints the child's pid, then the child's exit code as _wait
# gives it. (SIGHUP is blocked before the pid is printed: one sent before _wait is still heard.)
WAITER = """\
import os, signal, sys, time
from stepper import guard
guard.HANGUP_GRACE = 0.5
ends = guard.hangup_ends()
child = os.fork()
if child == 0:
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    time.sleep(60)
    os._exit(0)
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGHUP})
print(child, flush=True)
print(os.waitstatus_to_exitcode(guard._wait(child, ends)), flush=True)
"""


def alive(pid: int) -> bool:
    return _stat(pid) not in (None, "Z")


def _stat(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as file:
            return file.read().rpartition(")")[2].split()[0]
    except OSError:
        return None


@pytest.mark.parametrize("nohup", [False, True], ids=["hang-up", "nohup"])
def test_a_child_still_there_after_a_hang_up_is_ended_by_the_parent_but_not_under_nohup(nohup):
    command = (["nohup"] if nohup else []) + [sys.executable, "-c", WAITER]
    waiter = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        child = int(waiter.stdout.readline())
        os.kill(waiter.pid, signal.SIGHUP)  # (nohup execs python: this is the parent)
        if nohup:
            # Long past the grace: the child is left to go on, as `nohup` asked.
            with pytest.raises(subprocess.TimeoutExpired):
                waiter.wait(timeout=2.0)
            assert alive(child)
            os.kill(child, signal.SIGKILL)
            assert waiter.stdout.readline().strip() == str(-signal.SIGKILL)
        else:
            # Killed once the grace ran out, and reported as the hang-up that ended it.
            assert waiter.stdout.readline().strip() == str(-signal.SIGHUP)
            assert not alive(child)
        assert waiter.wait(timeout=SAFETY_TIMEOUT) == 0
    finally:
        if waiter.poll() is None:
            waiter.kill()
            waiter.wait()


@needs_tmux
def test_a_frozen_screen_is_ended_after_its_terminal_hangs_up(tmp_path):
    # Its own SIGHUP handler cannot run: the crash guard's parent kills it HANGUP_GRACE seconds later,
    # so no process is left spinning on a shared machine after the SSH connection dropped.
    frozen = tmp_path / "frozen"
    program = f"env STEPPER_TEST_FROZEN={frozen} {sys.executable} {SCRIPTS / 'freezing_stepper.py'}"
    with Pane(tmp_path, program=program) as pane:  # (leaving it, the terminal goes: a hang-up)
        parent = pane.paused()
        children = pane.children(parent)
        assert len(children) == 1, children
        pane.tmux("send-keys", "-t", "t", "w")
        deadline = time.monotonic() + SAFETY_TIMEOUT
        while not frozen.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert frozen.exists(), "the key never froze the screen"
        pane.tmux("send-keys", "-t", "t", "q")
        assert not gone(children[0], within=1.0), "the screen quit: the test's freeze did not hold"
    assert gone(children[0]), "the frozen screen's process is still there"
    assert gone(parent), "the stepper process is still there"
