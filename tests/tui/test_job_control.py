"""Job control of the screen: ctrl+z, `kill -TSTP`, `fg`, `bg`, `kill -CONT` and `kill %1`.

The handlers themselves first (`terminal.stop_handler`, `terminal.continue_handler`), with Textual's
suspend and resume replaced by recorders and the process's own stop by a stand-in; then the installed
`stepper run` in a tmux pane, where the shell's job control is real.
"""

from __future__ import annotations

import os
import signal
import threading

import pytest
from test_guard import training_script
from test_terminals import Pane, needs_tmux, steps_then_quits

from stepper.tui import terminal
from stepper.tui.terminal import JobState, continue_handler, stop_handler


class Ended(Exception):
    """Stands in for the process's end (`signals_quit`'s handler for SIGTERM ends it)."""


@pytest.fixture
def calls(monkeypatch):
    """What the handlers did, in order: Textual's suspend and resume, the process stopping itself."""
    done: list[str] = []
    monkeypatch.setattr(terminal, "stop_self", lambda: done.append("stopped"))
    return done


def where(monkeypatch, background: bool) -> None:
    monkeypatch.setattr(terminal, "in_background", lambda: background)


def test_a_sigcont_with_no_stop_before_it_leaves_the_screen_alone(calls, monkeypatch):
    # (`kill -CONT` of a running screen: a second start of Textual's application mode would start a
    # second key reader)
    where(monkeypatch, background=False)
    on_continue = continue_handler(lambda *_: calls.append("resumed"), JobState(down=False))
    on_continue(signal.SIGCONT, None)
    assert calls == []


def test_fg_puts_the_screen_back_once_however_many_sigconts_come(calls, monkeypatch):
    where(monkeypatch, background=False)
    state = JobState(down=True)
    on_continue = continue_handler(lambda *_: calls.append("resumed"), state)
    on_continue(signal.SIGCONT, None)
    on_continue(signal.SIGCONT, None)  # (the guard's parent continuing a child it thought still stopped)
    assert calls == ["resumed"]
    assert not state.down


def test_a_sigcont_in_the_background_stops_again_and_fg_then_resumes(calls, monkeypatch):
    # `bg`: the terminal is the shell's, and setting its modes would have the terminal stop the
    # process (SIGTTOU). Stop again without touching it; `fg` continues, and the screen comes back.
    where(monkeypatch, background=True)
    state = JobState(down=True)
    on_continue = continue_handler(lambda *_: calls.append("resumed"), state, grace=0.05)
    on_continue(signal.SIGCONT, None)
    assert calls == ["stopped"]
    assert state.down
    where(monkeypatch, background=False)
    on_continue(signal.SIGCONT, None)
    assert calls == ["stopped", "resumed"]


def test_kill_of_the_stopped_job_ends_it_though_its_sigcont_is_handled_first(calls, monkeypatch):
    # `kill %1` sends SIGTERM, then SIGCONT; the kernel hands them to different threads, and the
    # SIGCONT's handler may run before the SIGTERM's is noted. The SIGTERM's handler (here: SIGUSR1's,
    # which raises instead of ending the process) must run before anything puts the screen up or
    # stops the process again.
    where(monkeypatch, background=True)
    on_continue = continue_handler(lambda *_: calls.append("resumed"), JobState(down=True), grace=60)

    def sigterm(signum, frame):
        raise Ended

    previous = signal.signal(signal.SIGUSR1, sigterm)
    late = threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGUSR1))
    try:
        late.start()
        with pytest.raises(Ended):
            on_continue(signal.SIGCONT, None)
    finally:
        late.cancel()
        signal.signal(signal.SIGUSR1, previous)
    assert calls == []


class App:
    """What stop_handler needs of the app: the ctrl+z flag and the ctrl+z action."""

    def __init__(self, suspend_asked: bool) -> None:
        self.suspend_asked = suspend_asked

    def action_suspend_process(self) -> None:
        pass


def test_ctrl_z_runs_textuals_suspend_at_once(calls):
    app, state = App(suspend_asked=True), JobState()
    scheduled: list = []
    on_stop = stop_handler(app, lambda *_: calls.append("suspended"), state, scheduled.append)
    on_stop(signal.SIGTSTP, None)
    assert calls == ["suspended"] and scheduled == []
    assert state.down and not app.suspend_asked


def test_a_sigtstp_from_elsewhere_is_handed_to_the_loop_as_ctrl_z(calls):
    # Its handler may have interrupted the main thread inside the screen writer's queue, whose lock
    # Textual's suspend needs: suspending there froze the screen. The loop suspends instead.
    app, state = App(suspend_asked=False), JobState()
    scheduled: list = []
    on_stop = stop_handler(app, lambda *_: calls.append("suspended"), state, scheduled.append)
    on_stop(signal.SIGTSTP, None)
    assert calls == [] and scheduled == [app.action_suspend_process]
    assert not state.down


def test_a_sigtstp_while_the_screen_is_already_down_just_stops(calls):
    app, state = App(suspend_asked=False), JobState(down=True)
    scheduled: list = []
    on_stop = stop_handler(app, lambda *_: calls.append("suspended"), state, scheduled.append)
    on_stop(signal.SIGTSTP, None)
    assert calls == ["stopped"] and scheduled == []


def test_a_sigtstp_as_the_loop_closes_just_stops(calls):
    def closed(callback) -> None:
        raise RuntimeError("Event loop is closed")

    on_stop = stop_handler(App(suspend_asked=False), lambda *_: calls.append("suspended"), JobState(), closed)
    on_stop(signal.SIGTSTP, None)
    assert calls == ["stopped"]


# --- the installed stepper, under a real shell's job control ---------------------------------------------


@needs_tmux
def test_bg_of_the_stopped_screen_leaves_it_stopped_and_fg_brings_it_back(tmp_path):
    script = tmp_path / "prints.py"
    script.write_text(training_script(), encoding="utf-8")
    with Pane(tmp_path, str(script)) as pane:
        pid = pane.paused()
        pane.tmux("send-keys", "-t", "t", "C-z")
        pane.wait_for("DONE")
        # (The screen cannot come up from the background: the job stops again. `jobs -s` lists the
        # stopped jobs; the loop ends once it lists this one, and the test's own timeout otherwise.)
        pane.tmux(
            "send-keys",
            "-t",
            "t",
            'clear; bg; until [ -n "$(jobs -s)" ]; do sleep 0.1; done; echo STOPPED-AGAIN',
            "Enter",
        )
        text = pane.wait_for("STOPPED-AGAIN\n")
        assert "pause 1/1" not in text  # (nothing of the screen was drawn over the shell)
        steps_then_quits(pane, pid, fg=True)


@needs_tmux
def test_a_sigcont_to_the_running_screen_changes_nothing(tmp_path):
    # (No second start of the screen: keys still step, and `q` ends the process.)
    with Pane(tmp_path) as pane:
        pid = pane.paused()
        for process in [pid, *pane.children(pid)]:
            os.kill(process, signal.SIGCONT)
        steps_then_quits(pane, pid)
