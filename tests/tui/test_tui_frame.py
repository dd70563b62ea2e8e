"""The app's plain logic, without a screen: what changed between pauses, plot sampling, code window."""

from __future__ import annotations

import math

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
from stepper.tui.widgets.loss_plot import downsample, linear_ticks, log_ticks, step_ticks


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
    assert positions[0] == -2.0 and labels == ["0.01", "0.1", "1"]
    # less than two decades: 1-2-5 values, evenly spaced on a log axis
    assert log_ticks(math.log10(0.158), math.log10(2.5), most=5)[1] == ["0.2", "0.5", "1", "2"]
    assert step_ticks(1, 100)[1] == ["1", "26", "50", "75", "100"]
    assert step_ticks(1, 2)[0] == [1, 2]


def test_linear_ticks_are_round_evenly_spaced_values_that_tell_apart():
    # the default lesson's loss at step 1..21: plotext labelled 7.02, 6.24, 4.68, 3.90, 2.34
    assert linear_ticks(0.01, 7.02, most=4) == ([2.0, 4.0, 6.0], ["2", "4", "6"])
    values, labels = linear_ticks(0.25, 1.0, most=4)
    assert labels == ["0.4", "0.6", "0.8", "1.0"]
    assert all(math.isclose(b - a, 0.2) for a, b in zip(values, values[1:], strict=False))
    assert linear_ticks(1.0, 1.0001, most=3)[1] == ["1.00000", "1.00005", "1.00010"]
    assert linear_ticks(1e20, 3.3e26, most=4)[1] == ["1e+26", "2e+26", "3e+26"]  # short enough to fit
    assert linear_ticks(-2, 2, most=5)[1] == ["-2", "-1", "0", "1", "2"]


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


def test_the_right_column_gives_each_panel_what_it_wants_when_it_can():
    from stepper.tui.app import split_rows

    assert split_rows(20, 4, 9) == (4, 9)  # both fit
    assert split_rows(10, 4, 9) == (4, 6)  # the small one whole, the rest to the other
    assert split_rows(10, 9, 4) == (6, 4)
    assert split_rows(10, 9, 9) == (5, 5)  # half each
    assert split_rows(5, 9, 9) == (4, 4)  # never under a border and two lines


def test_two_ticks_on_one_row_of_a_short_plot_keep_one():
    # plotext wrote one of two labels asked for the same row, which one depending on the run.
    from stepper.tui.widgets.loss_canvas import apart

    assert apart([2.25, 2.5], ["2.25", "2.50"], 2.0, 3.0, 3) == ([2.25], ["2.25"])  # 0.5 rows apart
    assert apart([2.25, 2.75], ["2.25", "2.75"], 2.0, 3.0, 7) == ([2.25, 2.75], ["2.25", "2.75"])  # 3 rows
