"""ctrl+c and SIGTERM that come while `stepper run` is still starting (importing Textual or torch,
putting its screen up): a quiet end with the status a shell expects (130, 143), a sane terminal, and
no traceback.

The moment is hit every time, not raced: a sitecustomize on PYTHONPATH holds one import (named by
STEPPER_TEST_HOLD) until the process receives a signal, and touches a file when it starts holding, so
the test sends the signal only then. Each runs `stepper run` in a tmux pane (see test_terminals.Pane).
"""

from __future__ import annotations

import os
import signal
import time

import pytest
from test_guard import joined, sane
from test_terminals import SAFETY_TIMEOUT, Pane, needs_tmux

# Only the main thread can be woken by a signal (set_wakeup_fd); an import in another thread (torch's,
# in the script's thread) is held until the process ends.
HOLD_IMPORT = """\
import os
import select
import signal
import sys
import threading
import time


class HoldImport:
    def find_spec(self, name, path=None, target=None):
        if name != os.environ.get("STEPPER_TEST_HOLD"):
            return None
        sys.meta_path.remove(self)
        open(os.environ["STEPPER_TEST_HELD"], "w").close()
        if threading.current_thread() is not threading.main_thread():
            time.sleep(120)
            return None
        woken, wake = os.pipe()
        os.set_blocking(wake, False)
        previous = signal.set_wakeup_fd(wake)
        try:
            select.select([woken], [], [], 120)
        finally:
            signal.set_wakeup_fd(previous)
            os.close(woken)
            os.close(wake)
        return None


sys.meta_path.insert(0, HoldImport())
"""


def held_pane(tmp_path, module: str, *args: str) -> Pane:
    """`stepper run ARGS` in a pane, its import of `module` held until a signal comes; returns once
    the import is being held."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(HOLD_IMPORT)
    held = tmp_path / "held"
    path = os.pathsep.join(p for p in (str(hook), os.environ.get("PYTHONPATH", "")) if p)
    env = f"TERM=xterm PYTHONPATH={path} STEPPER_TEST_HOLD={module} STEPPER_TEST_HELD={held}"
    pane = Pane(tmp_path, *args, env=env)
    deadline = time.monotonic() + SAFETY_TIMEOUT
    while not held.exists():
        if time.monotonic() > deadline:
            pane.close()
            raise AssertionError(f"stepper never imported {module}:\n{pane.text()}")
        time.sleep(0.02)
    return pane


def ended_quietly(pane: Pane, tmp_path, status: int) -> str:
    pane.wait_for("DONE")
    assert (tmp_path / "exit").read_text().strip() == f"EXIT={status}", joined(pane)
    sane(pane, tmp_path)
    text = pane.tmux("capture-pane", "-p", "-J", "-S", "-", "-t", "t")  # (the scrollback too)
    # (--jsonl's end line says how the run ended, KeyboardInterrupt included: it is no leak)
    said = "\n".join(line for line in text.splitlines() if '{"event": "end"' not in line)
    for leak in ("Traceback", "KeyboardInterrupt", "NoMatches", "Error", "stepper/"):
        assert leak not in said, text
    return text


@needs_tmux
@pytest.mark.parametrize(
    "module, args, how",
    [
        ("textual", (), "ctrl+c"),  # the screen's imports, before its process forks (guard.py)
        ("textual.drivers.linux_driver", (), "ctrl+c"),  # in the screen's process, making the app
        ("textual.pilot", (), "ctrl+c"),  # in the app's event loop, just before the screen goes up
        ("stepper.frontends.transcript", ("--plain",), "ctrl+c"),
        ("stepper.engine", ("--jsonl",), "kill -INT"),
    ],
)
def test_ctrl_c_while_stepper_starts_ends_it_quietly(tmp_path, module, args, how):
    pane = held_pane(tmp_path, module, *args)
    try:
        if how == "ctrl+c":
            pane.tmux("send-keys", "-t", "t", "C-c")
        else:
            os.kill(pane.pid(), signal.SIGINT)
        text = ended_quietly(pane, tmp_path, 128 + signal.SIGINT)
    finally:
        pane.close()
    assert "stepper:" not in text  # (nothing had started: nothing to say)


@needs_tmux
@pytest.mark.parametrize("args", [("--plain",), ("--jsonl",)])
def test_ctrl_c_while_a_transcript_imports_torch_says_it_was_interrupted(tmp_path, args):
    pane = held_pane(tmp_path, "torch", *args)  # (in the script's thread, after the transcript began)
    try:
        pane.tmux("send-keys", "-t", "t", "C-c")
        text = ended_quietly(pane, tmp_path, 128 + signal.SIGINT)
    finally:
        pane.close()
    assert "stepper: interrupted." in text
    if args == ("--jsonl",):  # (and a program reading the lines is told so)
        assert '{"event": "end", "steps": 0, "status": "error", "error": {"type": "KeyboardInterrupt"' in text


@needs_tmux
def test_sigterm_as_the_screen_goes_up_ends_it_quietly(tmp_path):
    # The signal asks the app to quit before Textual has mounted its panels; it then mounts none, and
    # the app must not reach for them (it raised NoMatches).
    pane = held_pane(tmp_path, "textual.pilot")  # (App.run imports it in its loop, before any panel)
    try:
        os.kill(pane.pid(), signal.SIGTERM)  # (to the process the shell waits for: guard.py passes it on)
        ended_quietly(pane, tmp_path, 128 + signal.SIGTERM)
    finally:
        pane.close()


@needs_tmux
def test_kill_int_with_the_screen_up_quits_it_as_q_does(tmp_path):
    # From the screen's start stepper handles SIGINT itself (not asyncio, which cancelled Textual's
    # task; not the default action that ends stepper while it starts): it quits as `q` does, so
    # --export is written, and the status is 130.
    pane = Pane(tmp_path, "--export", str(tmp_path / "export"))
    try:
        pane.wait_for("pause 1/1")
        os.kill(pane.pid(), signal.SIGINT)
        ended_quietly(pane, tmp_path, 128 + signal.SIGINT)
    finally:
        pane.close()
    # (transcript.md, not the screenshot: on a loaded machine the screenshot was once missing, as
    # export_to leaves it out when Textual cannot draw one.)
    assert (tmp_path / "export" / "transcript.md").exists()
