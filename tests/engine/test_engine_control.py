"""The control API the TUI will drive: next phase, next step, pause, stop, and --steps (max_steps)."""

from __future__ import annotations

import threading

import pytest
from engine_helpers import SAFETY_TIMEOUT, script_path

from stepper.engine import Paused, Session, load_script

# A loop long enough that it can only end by being stopped.
ENDLESS = """\
import torch
from torch import nn

x = torch.randn(4, 2)
y = torch.randn(4, 1)
model = nn.Linear(2, 1)
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

for epoch in range(10_000_000):
    preds = model(x)
    loss = loss_fn(preds, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""


def script_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "stepper-script" and t.is_alive()]


@pytest.fixture
def endless(tmp_path):
    path = tmp_path / "endless.py"
    path.write_text(ENDLESS)
    return str(path)


@pytest.fixture(autouse=True)
def no_thread_left_behind():
    yield
    for thread in script_threads():
        thread.join(SAFETY_TIMEOUT)
    assert not script_threads()


def started(path: str, mode: str = "phase", **options) -> Session:
    session = Session(load_script(path), seed=0, mode=mode, **options)
    session.start()
    return session


def test_next_phase_moves_one_pause_at_a_time():
    session = started(script_path("module_optimizer.py"))
    try:
        assert session.wait(SAFETY_TIMEOUT)
        assert session.state == "paused"
        assert [s.phases for s in session.history] == [("forward",)]
        session.next_phase()
        assert session.wait(SAFETY_TIMEOUT)
        assert [s.phases for s in session.history] == [("forward",), ("loss",)]
        assert session.history[-1].code == "loss = loss_fn(preds, y)"
    finally:
        session.stop()


def test_next_step_runs_until_just_after_the_next_update():
    session = started(script_path("module_optimizer.py"))
    try:
        assert session.wait(SAFETY_TIMEOUT)
        session.next_step()
        assert session.wait(SAFETY_TIMEOUT)
        assert session.state == "paused"
        last = session.history[-1]
        assert last.phases == ("step",) and last.step == 1
        assert len(session.history) == 5
        session.next_step()
        assert session.wait(SAFETY_TIMEOUT)
        assert session.history[-1].step == 2 and len(session.history) == 10
    finally:
        session.stop()


def test_continue_then_pause_waits_at_the_next_pause(endless):
    reached = threading.Event()

    def listener(event):
        if isinstance(event, Paused) and event.snapshot.index >= 20:
            reached.set()

    session = started(endless, mode="continue", listener=listener)
    try:
        assert reached.wait(SAFETY_TIMEOUT)
        session.pause()
        assert session.wait(SAFETY_TIMEOUT)
        assert session.state == "paused"
        held = len(session.history)
        session.next_phase()
        assert session.wait(SAFETY_TIMEOUT)
        assert len(session.history) == held + 1
    finally:
        session.stop()


def test_stop_while_waiting_ends_the_thread(endless):
    session = started(endless)
    assert session.wait(SAFETY_TIMEOUT)
    session.stop()
    session.join(SAFETY_TIMEOUT)
    assert session.finished
    assert not script_threads()
    assert session.end.status == "ok" and session.end.stopped
    assert len(session.history) == 1


@pytest.mark.parametrize("after", [20, 31, 42, 53, 64, 75, 86, 97])
def test_stop_while_running_ends_the_thread(endless, after):
    # The stop lands wherever the script happens to be (inside torch as often as not); wherever that
    # is, the run ends as stopped, never as an error of the script.
    reached = threading.Event()

    def listener(event):
        if isinstance(event, Paused) and event.snapshot.index >= after:
            reached.set()

    session = started(endless, mode="continue", listener=listener)
    assert reached.wait(SAFETY_TIMEOUT)
    session.stop()
    session.join(SAFETY_TIMEOUT)
    assert session.finished and not script_threads()
    assert session.end.error is None, session.end.error
    assert session.end.stopped and session.end.status == "ok"


def test_stop_before_the_first_pause(endless):
    session = started(endless, mode="continue")
    session.stop()
    session.join(SAFETY_TIMEOUT)
    assert session.finished and not script_threads()
    assert session.end.error is None


class _Interrupted(Exception):
    pass


def test_a_join_that_ctrl_c_interrupts_does_not_lose_track_of_the_running_script(endless):
    # Python 3.11's Thread.join, interrupted while the thread runs, marks that thread as stopped: a
    # stop() then returned at once, with the script still running (a transcript wrote its end line,
    # then one more pause). A signal handler that raises stands in for ctrl+c's KeyboardInterrupt.
    import signal

    def interrupt(signum, frame):
        raise _Interrupted

    reached = threading.Event()

    def listener(event):
        if isinstance(event, Paused):
            reached.set()

    previous = signal.signal(signal.SIGALRM, interrupt)
    session = started(endless, mode="continue", listener=listener)
    try:
        assert reached.wait(SAFETY_TIMEOUT)  # (the script is running its loop)
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        with pytest.raises(_Interrupted):
            session.join()  # (it never finishes by itself)
        session.stop(timeout=SAFETY_TIMEOUT)
        assert session.finished and session.end.stopped
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        session.stop()


def test_max_steps_stops_after_that_many_updates():
    session = started(script_path("module_optimizer.py"), mode="continue", max_steps=2)
    session.join(SAFETY_TIMEOUT)
    assert session.finished
    assert session.end.steps == 2 and session.end.stopped and session.end.status == "ok"
    assert session.history[-1].phases == ("step",) and session.history[-1].step == 2
    assert len(session.history) == 10


def _torch_patch_points():
    import torch
    from torch.nn.modules import module
    from torch.optim import optimizer

    return (
        torch.autograd.backward,
        vars(torch.optim.Optimizer).get("zero_grad"),
        vars(torch.nn.Module).get("zero_grad"),
        vars(torch.Tensor).get("grad"),
        len(module._global_forward_pre_hooks),
        len(module._global_forward_hooks),
        len(optimizer._global_optimizer_post_hooks),
    )


def test_torch_is_left_as_it_was_after_a_run():
    # The TUI runs scripts in its own process: a finished run must not leave torch patched or hooked.
    before = _torch_patch_points()
    session = started(script_path("raw_tensors.py"), mode="continue")
    session.join(SAFETY_TIMEOUT)
    assert session.finished and session.history
    assert _torch_patch_points() == before


def test_two_quick_next_phase_commands_move_two_pauses():
    # A learner pressing "next" twice expects two phases, however fast the keys come.
    session = started(script_path("module_optimizer.py"))
    try:
        assert session.wait(SAFETY_TIMEOUT)
        session.next_phase()
        session.next_phase()
        assert session.wait(SAFETY_TIMEOUT)
        assert [s.phases for s in session.history] == [("forward",), ("loss",), ("zero_grad",)]
    finally:
        session.stop()


def test_commands_after_the_end_do_nothing():
    session = started(script_path("one_line_backward.py"), mode="continue")
    session.join(SAFETY_TIMEOUT)
    assert session.finished
    count = len(session.history)
    for command in (session.next_phase, session.next_step, session.continue_, session.pause, session.stop):
        command()
    assert session.wait(SAFETY_TIMEOUT)
    assert session.finished and len(session.history) == count
    assert not script_threads()


def test_a_command_sent_by_the_listener_the_moment_a_pause_is_announced_is_not_lost():
    # A front end may answer a pause at once, from the listener itself: every answer must count.
    session = Session(load_script(script_path("module_optimizer.py")), seed=0)
    answered = []

    def listener(event):
        if isinstance(event, Paused) and event.waiting and len(answered) < 12:
            answered.append(event.snapshot.index)
            session.next_phase()

    session.listener = listener
    session.start()
    try:
        # Twelve answers move twelve pauses; the thirteenth waits (a lost answer waits earlier).
        assert session.wait(SAFETY_TIMEOUT)
        while session.state != "paused" or len(session.history) < 13:
            assert session.wait(SAFETY_TIMEOUT)
            if session.state == "paused" and len(session.history) < 13:
                threading.Event().wait(0.2)  # a little time for a racing command, then look again
                if session.state == "paused" and len(session.history) < 13:
                    break
        assert len(session.history) == 13 and answered == list(range(12))
    finally:
        session.stop()


def test_without_a_seed_one_is_chosen_and_kept_so_a_rerun_is_identical():
    first = Session(load_script(script_path("raw_tensors.py")), mode="continue")
    assert first.seed is not None
    first.start()
    first.join(SAFETY_TIMEOUT)
    again = Session(load_script(script_path("raw_tensors.py")), seed=first.seed, mode="continue")
    again.start()
    again.join(SAFETY_TIMEOUT)
    assert [s.params for s in first.history] == [s.params for s in again.history]
