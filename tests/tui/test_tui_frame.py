"""The app's plain logic, without a screen: what changed between pauses, plot sampling, code window."""

from __future__ import annotations

from stepper.engine import Snapshot, TensorStats
from stepper.tui.app import pause_after_step
from stepper.tui.frame import (
    GRAD_ADDED,
    GRAD_CLEARED,
    GRAD_FILLED,
    GRAD_SAME,
    GRAD_ZEROED,
    added_values,
    changed_elements,
    earlier_phases,
    grad_change,
)
from stepper.tui.widgets.code import first_visible_line
from stepper.tui.widgets.loss_plot import downsample, log_ticks, step_ticks


def stats(*values: float) -> TensorStats:
    return TensorStats(
        shape=(len(values),), dtype="float32", device="cpu", numel=len(values),
        mean=sum(values) / len(values), std=0.0, min=min(values), max=max(values), norm=0.0,
        zeros=all(v == 0 for v in values), values=tuple(values),
    )  # fmt: skip


def test_grad_changes_are_named_by_what_happened():
    assert grad_change(None, stats(1.0), ("backward",)) == GRAD_FILLED
    assert grad_change(stats(0.0), stats(1.0), ("backward",)) == GRAD_FILLED
    assert grad_change(stats(1.0), stats(3.0), ("backward",)) == GRAD_ADDED
    assert grad_change(stats(1.0), None, ("zero_grad",)) == GRAD_CLEARED
    assert grad_change(stats(1.0), stats(0.0), ("zero_grad",)) == GRAD_ZEROED
    assert grad_change(None, None, ("zero_grad",)) == GRAD_SAME  # zero_grad with nothing to clear
    assert grad_change(stats(1.0), stats(1.0), ("step",)) == GRAD_SAME


def test_an_accumulating_backward_is_shown_as_a_sum():
    assert added_values(stats(1.0, 2.0), stats(1.5, 1.0)) == (0.5, -1.0)
    assert changed_elements(stats(1.0, 2.0), stats(1.0, 2.5)) == [False, True]
    assert changed_elements(stats(float("nan")), stats(float("nan"))) == [False]


def test_downsample_keeps_the_first_and_last_points_and_fits_the_width():
    points = downsample(list(range(1000)), 50)
    assert len(points) <= 50
    assert points[0] == (1, 0) and points[-1] == (1000, 999)
    assert downsample([3.0, 2.0], 50) == [(1, 3.0), (2, 2.0)]


def test_log_and_step_ticks_are_labelled_in_real_values():
    positions, labels = log_ticks(-2.0, 0.0)
    assert positions[0] == -2.0 and labels[0] == "0.01" and labels[-1] == "1"
    assert step_ticks(1, 100)[1] == ["1", "26", "50", "75", "100"]
    assert step_ticks(1, 2)[0] == [1, 2]


def test_code_window_keeps_the_current_line_in_view():
    assert first_visible_line(20, 30, 15) == 1  # everything fits
    top = first_visible_line(200, 20, 150)
    assert top <= 150 < top + 20
    assert first_visible_line(200, 20, 199) == 181  # never scrolls past the end


def test_go_to_step_finds_the_pause_just_after_that_update():
    def pause(index: int, step: int, *phases: str) -> Snapshot:
        return Snapshot(index, step, phases, "f.py", 1, "", None, {}, {}, None, False)

    history = [pause(0, 0, "forward"), pause(1, 0, "loss"), pause(2, 1, "step"), pause(3, 1, "forward")]
    assert pause_after_step(history, 0) == 0
    assert pause_after_step(history, 1) == 2


def test_the_phase_strip_ticks_only_phases_that_ran_in_this_iteration():
    def pause(index: int, step: int, *phases: str) -> Snapshot:
        return Snapshot(index, step, phases, "f.py", 1, "", None, {}, {}, None, False)

    # A loop that forgot zero_grad: forward, loss, backward, step, forward, loss, backward.
    names = [("forward",), ("loss",), ("backward",), ("step",), ("forward",), ("loss",), ("backward",)]
    history = [pause(i, 1 if i >= 3 else 0, *p) for i, p in enumerate(names)]
    assert earlier_phases(history, 6) == ("forward", "loss")
    assert earlier_phases(history, 3) == ("forward", "loss", "backward")
    assert earlier_phases(history, 0) == ()
