"""A `breakpoint()` or `pdb.set_trace()` left in a script. pdb cannot run under stepper (the keys are
the front end's, and pdb would replace the trace stepper follows the script with), so:

- `breakpoint()` stops a running script at the pause after it, as a breakpoint of stepper's own, and
  says so in a warning that names its line; a transcript (nobody there to go on) notes it and runs on;
- `pdb.set_trace()`, which goes around `sys.breakpointhook`, ends the run with a message that names
  pdb and the line of the call (not the line after it, where pdb stopped, nor input()).
"""

from __future__ import annotations

import pdb
import sys
import threading

import pytest
from engine_helpers import SAFETY_TIMEOUT, run_session

from stepper.engine import Paused, Session, load_script, output

SCRIPT = """\
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Linear(2, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
X, y = torch.randn(8, 2), torch.randn(8, 1)
for i in range(3):
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(X), y)
    loss.backward()
    if i == 1:
        {call}
    opt.step()
    print(i, loss.item())
"""
CALL_LINE = 13


def write(tmp_path, call: str, text: str = SCRIPT) -> str:
    path = tmp_path / "train.py"
    path.write_text(text.replace("{call}", call))
    return str(path)


def breakpoint_warnings(session):
    return [(s, w) for s in session.history for w in s.warnings if w.code == output.SCRIPT_BREAKPOINT]


def test_breakpoint_stops_a_running_script_at_the_pause_after_it(tmp_path):
    hook_before = sys.breakpointhook
    reasons = []
    session = Session(load_script(write(tmp_path, "breakpoint()")), seed=0, mode="continue")
    session.listener = lambda event: reasons.append(event.reason) if isinstance(event, Paused) else None
    session.start()
    try:
        assert session.wait(SAFETY_TIMEOUT) and session.state == "paused"
        stopped = session.history[-1]
        assert stopped.phases == ("step",) and stopped.step == 2 and stopped.line == CALL_LINE + 1
        assert [r for r in reasons if r] == [f"the script's breakpoint() on line {CALL_LINE}"]
        (warned, warning), *_ = breakpoint_warnings(session)
        assert warned is stopped
        assert f"breakpoint() on line {CALL_LINE}" in warning.message and "pdb" in warning.message
        session.continue_()
        session.join(SAFETY_TIMEOUT)
        assert session.finished and session.end.error is None and session.end.steps == 3
    finally:
        session.stop()
    assert sys.breakpointhook is hook_before  # given back when the script's thread ended


def test_a_transcript_notes_the_breakpoint_and_runs_on(tmp_path):
    session = Session(load_script(write(tmp_path, "breakpoint()")), seed=0, mode="continue")
    session.end_at_breakpoint = True
    session.start()
    session.join(SAFETY_TIMEOUT)
    assert session.finished and session.end.error is None and not session.end.stopped
    assert session.end.steps == 3
    [(warned, warning)] = breakpoint_warnings(session)
    assert warned.line == CALL_LINE + 1 and f"line {CALL_LINE}" in warning.message


def test_pdb_set_trace_ends_the_run_naming_pdb_and_its_line(tmp_path, monkeypatch):
    # pytest puts a set_trace of its own in pdb's place: the stdlib's, as a script gets it.
    monkeypatch.setattr(pdb, "set_trace", lambda *, header=None: pdb.Pdb().set_trace(sys._getframe(1)))
    session = run_session(write(tmp_path, "import pdb; pdb.set_trace()"))
    error = session.end.error
    assert error.type == "ScriptStartedDebugger"
    # pdb stops before the next line runs (the traceback's line); from Python 3.13, on the call's line
    assert error.line == (CALL_LINE if PDB_STOPS_AT_CALL else CALL_LINE + 1)
    assert f"pdb.set_trace() at train.py:{CALL_LINE}" in error.message
    assert "input()" not in error.message
    assert [s.step for s in session.history if "step" in s.phases] == [1]  # the pauses before are kept


PDB_STOPS_AT_CALL = sys.version_info >= (3, 13)

LOOP_ENDS_WITH_PDB = """\
import torch
from pdb import Pdb

w = torch.zeros(1, requires_grad=True)
for i in range(3):
    loss = (w - 1).pow(2).sum()
    loss.backward()
    if i == 1:
        Pdb().set_trace()
"""


def test_pdb_at_the_end_of_a_loop_body_is_found_though_pdb_stops_at_the_loop_head(tmp_path):
    session = run_session(write(tmp_path, "", LOOP_ENDS_WITH_PDB))
    error = session.end.error
    assert error.type == "ScriptStartedDebugger"
    assert error.line == (9 if PDB_STOPS_AT_CALL else 5)  # where pdb stopped: `for i in range(3):`
    assert "pdb.set_trace() at train.py:9" in error.message and "input()" not in error.message
    assert len(session.history) == 4  # the pauses before it are kept


def test_input_is_still_refused_as_input(tmp_path):
    error = run_session(write(tmp_path, "input('go on? ')")).end.error
    assert error.type == "ScriptAskedForInput" and "input()" in error.message


def test_the_hook_routes_by_thread_and_respects_pythonbreakpoint_0(monkeypatch):
    calls = []
    monkeypatch.setattr(sys, "breakpointhook", lambda *a, **k: calls.append("before"))
    seen, ready, done = [], threading.Event(), threading.Event()

    def script_thread():
        output.capture_thread(lambda stream, text: None, lambda path, line: seen.append(line))
        try:
            here = sys._getframe().f_lineno + 1
            breakpoint()
            seen.append(here)
            with pytest.MonkeyPatch.context() as env:
                env.setenv("PYTHONBREAKPOINT", "0")
                breakpoint()  # turned off: no call
            ready.set()
            done.wait(SAFETY_TIMEOUT)
        finally:
            output.release_thread()

    thread = threading.Thread(target=script_thread)
    thread.start()
    assert ready.wait(SAFETY_TIMEOUT)
    breakpoint()  # another thread, while the script's is registered: the hook it had before
    done.set()
    thread.join(SAFETY_TIMEOUT)
    assert seen[0] == seen[1] and len(seen) == 2
    assert calls == ["before"]
    assert sys.breakpointhook is not output._breakpointhook
