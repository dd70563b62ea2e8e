"""Bugs found by using the app as a learner and a teacher would, each pinned by a test."""

from __future__ import annotations

import re
from pathlib import Path

from tui_helpers import drive, press, screen_lines, screen_text, settle

from stepper.engine import Session, load_script
from stepper.engine.breakpoints import Breakpoints
from stepper.format import num
from stepper.lessons import find_lesson
from stepper.tui.app import SPEEDS

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"


def lesson(name: str, **options) -> Session:
    return Session(load_script(find_lesson(name).path, lesson=name), seed=0, **options)


def test_a_wide_old_to_new_value_keeps_the_new_value_on_screen():
    # lr-too-high at 80x24: after step 5 the bias goes from -598.1158 to a number that no longer fit
    # on the line, and the panel cut it off: the learner saw "model.bias  -598.1158 →" and nothing.
    async def body(pilot):
        app = pilot.app
        await press(pilot, *["s"] * 5)
        snapshot = app.session.history[app.shown_index]
        before = app.session.history[app.shown_index - 1]
        old, new = before.params["model.bias"].values[0], snapshot.params["model.bias"].values[0]
        assert old != new
        text = screen_text(app)
        assert num(old) in text and num(new) in text

    drive(body, session=lesson("lr-too-high"))


def test_the_loss_plot_labels_huge_losses_briefly_and_still_draws_them():
    # lr-too-high: plotext labelled the y axis "334292560186551147929010176.0", which took the whole
    # panel's width at 80x24, and by step 26 the plot (and its latest-point marker) had vanished.
    async def body(pilot):
        app = pilot.app
        app.go_to_step(26)
        await settle(pilot)
        assert app.session.history[app.shown_index].step == 26
        right = [line[43:] for line in screen_lines(app)]
        plot = right[right.index(next(line for line in right if "loss per step" in line)) :]
        assert any("●" in line for line in plot)
        assert not any(re.search(r"[0-9.]{11}", line) for line in plot), "\n".join(plot)

    drive(body, session=lesson("lr-too-high"))


def test_a_breakpoint_from_the_command_line_says_why_the_run_stopped():
    # `stepper run --until-step 5` (or --until-loss, --break) ran and stopped, but the screen still
    # showed the lesson's description: nothing said a breakpoint had stopped it.
    for breakpoints, expected in [
        (Breakpoints(until_step=5), "reached step 5"),
        (Breakpoints(lines={23}), "breakpoint on line 23"),
        (Breakpoints(loss=("<", 0.5)), "loss < 0.5"),
    ]:

        async def body(pilot, expected=expected):
            text = screen_text(pilot.app)
            assert expected in text, text

        drive(body, session=lesson("linear", breakpoints=breakpoints, mode="continue"))


def test_every_gradient_note_fits_its_line_so_none_is_pushed_off_the_panel():
    # d2l_sgd at 80x24 (param.grad.zero_() in a hand-written sgd): w's note "↑ zeroed: .grad is a
    # tensor of zeros" was wider than the panel and wrapped, which pushed b's note out of sight.
    async def body(pilot):
        await press(pilot, "s")
        text = screen_text(pilot.app)
        assert text.count("↑ zeroed") == 2, text

    drive(body, session=Session(load_script(str(SCRIPTS / "d2l_sgd.py")), seed=0))


def test_with_both_knobs_on_the_status_bar_still_shows_loss_and_lr_at_80_columns():
    # At 80x24, "⚙ lr ×10, zero_grad skipped" pushed the loss and the lr off the status bar, just
    # when the learner wants to see what the lr knob did.
    async def body(pilot):
        app = pilot.app
        await press(pilot, "z", "right_square_bracket", "s", "s")
        snapshot = app.session.history[app.shown_index]
        status = screen_lines(app)[-2]
        assert "lr ×10" in status and "zero_grad" in status, status
        assert f"loss {num(snapshot.loss)}" in status and f"lr {num(snapshot.optimizer.lr)}" in status, status

    drive(body)


def test_the_worked_step_says_when_it_leaves_parameters_out():
    # mlp-adam: the step's explanation worked out model.0.* and model.2.bias and stopped there, without
    # a word about model.2.weight (too big to list) or model.4.* — as if they had not moved.
    async def body(pilot):
        app = pilot.app
        await press(pilot, "s", "e")
        text = screen_text(app)
        assert "✓" in text
        assert "(and 3 more parameters, by the same rule)" in text, text

    drive(body, session=lesson("mlp-adam"), size=(120, 40))


def test_the_optimizer_view_does_not_promise_state_plain_sgd_never_keeps():
    # After a step of plain SGD the view said "No state yet: it appears at the first step."
    async def body(pilot):
        await press(pilot, "s", "m")
        text = screen_text(pilot.app)
        assert "optimizer state" in text and "SGD" in text
        assert "No state yet" not in text and "keeps no state" in text, text

    drive(body)


def test_the_optimizer_view_before_adams_first_step_says_state_comes_then():
    async def body(pilot):
        await press(pilot, "m")
        text = screen_text(pilot.app)
        assert "No state yet: it appears at the first step." in text, text

    drive(body, session=lesson("mlp-adam"), size=(120, 40))


def test_going_to_a_step_past_the_end_says_the_run_ended():
    # g 999 on the default lesson (100 steps): the run finished, but the screen kept saying
    # "Running to step 999… (any key stops)".
    async def body(pilot):
        app = pilot.app
        app.go_to_step(999)
        await settle(pilot)
        text = screen_text(app)
        assert app.session.finished
        assert "Running to step" not in text
        assert "The run ended at step 100, before step 999." in text, text

    drive(body)


def test_a_forward_under_no_grad_is_not_explained_as_recorded():
    # no-grad lesson, the prediction inside `with torch.no_grad():`: the explanation said
    # "PyTorch did record how each prediction was computed" and the graph view "No graph yet: PyTorch
    # records it while the forward runs" — the opposite of what the lesson is there to show.
    async def body(pilot):
        app = pilot.app
        app.go_to_step(50)
        await settle(pilot)
        await press(pilot, "n", "e")
        assert "did record" in screen_text(app)  # the prediction without no_grad
        await press(pilot, "n")
        shown = app.session.history[app.shown_index]
        assert shown.code == "pred = model(x_new)" and shown.mode == "no_grad"
        text = screen_text(app)
        assert "did record" not in text and "recorded nothing" in text, text
        await press(pilot, "a")
        text = screen_text(app)
        assert "No graph yet" not in text and "no grad_fn" in text, text

    drive(body, session=lesson("no-grad"), size=(120, 40))


def test_playing_stops_at_the_line_breakpoint_again():
    # `stepper run --break 23`: the run stopped at line 23, but `c` then played past line 23 in every
    # later iteration, where a learner (and a debugger's "continue") expects it to stop again.
    async def body(pilot):
        app = pilot.app
        assert app.session.history[app.shown_index].line == 23
        app.speed = len(SPEEDS) - 1  # 64 phases a second: the next line 23 is 5 phases on
        await pilot.press("greater_than_sign")  # play
        await settle(pilot)
        shown = app.session.history[app.shown_index]
        assert (shown.line, shown.step) == (23, 1), (shown.line, shown.step)
        assert "Stopped: breakpoint on line 23" in screen_text(app)

    drive(body, session=lesson("linear", breakpoints=Breakpoints(lines={23}), mode="continue"))


def test_a_script_that_trains_nothing_says_so_whole_at_80x24():
    # The panel said "the script raised an error" (it raised nothing), cut its advice off mid-sentence
    # and pointed at pauses to look back on; the side panels still waited for a first pause.
    path = Path(__file__).resolve().parent / "scripts" / "trains_nothing.py"

    async def body(pilot):
        text = screen_text(pilot.app)
        assert "nothing to step through" in text and "raised" not in text
        assert "dataset?)." in text and "r restarts · q quits" in text  # (the end of the advice)
        assert "the run ended before any pause" in text and "waiting for the first pause" not in text

    drive(body, session=Session(load_script(str(path)), seed=0))


def test_a_run_no_breakpoint_line_stopped_says_so_at_its_end():
    # `stepper run --break 19`: the `for` line runs every epoch but completes no phase, so no pause
    # happens there and the run went to its end; the notice said only "The run ended at step 100."
    async def body(pilot):
        app = pilot.app
        for _ in range(100):
            await settle(pilot)
            if app.session.finished and not app.running:
                break
        text = " ".join(screen_text(app).split())
        assert "The run ended at step 100; line 19 never paused, so no breakpoint stopped it." in text, text

    drive(body, session=lesson("linear", breakpoints=Breakpoints(lines={19}), mode="continue"))


def test_gradients_cleared_and_refilled_on_one_line_are_not_called_added():
    # `opt.zero_grad(); loss.backward(); opt.step()` on one line: the gradients panel said the new
    # .grad was "ADDED onto the old .grad" (old + part = new), when zero_grad had cleared it first.
    async def body(pilot):
        app = pilot.app
        await press(pilot, "space", "space", "space")
        snapshot = app.session.history[app.shown_index]
        assert snapshot.phases == ("zero_grad", "backward", "step") and snapshot.step == 2
        text = screen_text(app)
        assert "ADDED" not in text and "filled by backward" in text

    drive(body, session=Session(load_script(str(SCRIPTS / "one_line_iteration.py")), seed=0))


def test_a_long_warning_leaves_each_panel_of_the_right_column_whole():
    # forgot-zero-grad's stale-grad warning (4 rows) and wrong-loss's mse-on-labels (8 rows) took
    # their rows from the right column, whose panels kept their heights: the loss plot lost its
    # bottom border, or went off the screen.
    cases = [
        ("forgot-zero-grad", ("s", "space", "space", "space"), (80, 24)),
        ("wrong-loss", ("space",), (80, 24)),
        ("wrong-loss", ("space",), (80, 22)),
    ]
    for name, keys, size in cases:

        async def body(pilot, keys=keys):
            await press(pilot, *keys)
            lines = screen_lines(pilot.app)
            assert pilot.app.session.history[pilot.app.shown_index].warnings
            warning = next(i for i, line in enumerate(lines) if line.startswith(" ⚠"))
            right = [line[44:] for line in lines[:warning]]  # (the right column, 36 wide at 80)
            assert sum(line.startswith("╭") for line in right) == 3, "\n".join(lines)
            assert sum(line.startswith("╰") for line in right) == 3, "\n".join(lines)
            assert right[-1].startswith("╰") and any("loss per step" in line for line in right)

        drive(body, session=lesson(name), size=size)
