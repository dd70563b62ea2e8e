"""The teaching views (e, d, a, m), the live knobs (] [ z) and the warnings bar, driven with Pilot.

Each view is checked for the numbers of the pause on screen, not just for being there.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from tui_helpers import drive, press, screen_text, settle

from stepper.engine import Session, load_script
from stepper.format import num, shape_text
from stepper.lessons import find_lesson
from stepper.teach.explain import update_checks
from stepper.tui.widgets.fit_plot import accuracy

TEST_SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"


def lesson(name: str) -> Session:
    return Session(load_script(find_lesson(name).path, lesson=name), seed=0)


def script(name: str) -> Session:
    return Session(load_script(str(TEST_SCRIPTS / name)), seed=0)


def shown(app):
    return app.session.history[app.shown_index]


def test_e_explains_the_pause_on_screen_with_its_numbers_and_hides_the_code():
    async def body(pilot):
        app = pilot.app
        assert "lesson linear" in screen_text(app)  # the code panel
        await press(pilot, "e")
        text = screen_text(app)
        assert "what just happened" in text and "lesson linear" not in text
        preds = shown(app).preds
        assert "forward:" in text and num(preds.min) in text and num(preds.max) in text
        # Run to the end of an update: the worked arithmetic, checked against the real new values.
        await press(pilot, "s")
        text = screen_text(app)
        checks = update_checks(shown(app), app.session.history[app.shown_index - 1])
        assert checks and all(check.ok for check in checks)
        assert "step:" in text and "✓" in text
        for check in checks:
            assert num(check.actual, 6) in text
        # Looking back shows that pause's own explanation.
        await press(pilot, "b")
        assert "backward:" in screen_text(app)
        await press(pilot, "e")
        text = screen_text(app)
        assert "what just happened" not in text and "lesson linear" in text

    drive(body, session=lesson("linear"))


def test_a_sentence_in_a_step_explanation_wraps_as_text_and_the_worked_lines_line_up():
    # "model.bias did not change: …" has a colon like the worked lines (`model.weight[0]: …`) and
    # was laid out as one of them: its first words as a column 60 wide, cut at 80×24.
    from rich.table import Table

    from stepper.tui.widgets.explain import paragraph_renderables

    paragraph = (
        "step: SGD updated 1 of the 2 parameters (model.weight), moving against the gradient:\n"
        "  model.bias did not change: its gradient is so close to zero (at most 5e-07) that it rounds away.\n"
        "  model.weight[0]: 1.99776 − 0.1 × -0.001433 = 1.997904 ✓"
    )
    first, sentence, table = paragraph_renderables(paragraph)
    assert not isinstance(sentence, Table) and sentence.plain.strip().startswith("model.bias did not change:")
    assert isinstance(table, Table) and table.row_count == 1


def test_d_plots_the_data_and_the_fitted_line():
    async def body(pilot):
        app = pilot.app
        await press(pilot, "d")
        # The very first forward: the targets are not known until the loss uses them.
        assert "data & fit · step 0" in screen_text(app) and "─ model's predictions" in screen_text(app)
        await press(pilot, "s")  # the step: the line drawn is still the forward's, before the update
        assert "data & fit · before update 1" in screen_text(app)
        await press(pilot, "space")  # the next forward
        text = screen_text(app)
        assert "data & fit · step 1" in text and "• data  ─ model" in text
        fit = shown(app).fit
        canvas = app.query_one("#view-fit").canvas
        assert canvas is not None and canvas.fit is fit and fit.kind == "regression"
        assert fit.ys is not None and text.count("•") > 20  # the points themselves
        await press(pilot, "d")
        assert "data & fit" not in screen_text(app)

    drive(body, session=lesson("linear"))


def test_d_shows_class_regions_with_a_marker_per_class():
    async def body(pilot):
        app = pilot.app
        await press(pilot, "s", "d")
        text = screen_text(app)
        fit = shown(app).fit
        right, total = accuracy(fit)
        assert f"{right}/{total} right" in text
        assert "●0 ▲1 ■2 · regions ·-'" in text
        plot = "\n".join(line[:44] for line in text.splitlines()[2:20])
        for mark in "●▲■·-'":
            assert mark in plot

    drive(body, session=lesson("classification"))


def test_d_says_when_the_model_cannot_be_plotted():
    async def body(pilot):
        await press(pilot, "d")
        assert "No plot for this model's shapes" in screen_text(pilot.app)

    drive(body, session=script("module_optimizer.py"))


def test_a_draws_the_autograd_graph_with_parameter_leaves():
    async def body(pilot):
        app = pilot.app
        await press(pilot, "space", "a")  # just after the loss
        lines = screen_text(app).splitlines()
        text = "\n".join(lines)
        assert "autograd graph" in text
        assert any(line.startswith("│ MseLoss") for line in lines)
        assert "└─ Addmm" in text and "└─ T" in text
        assert "◆ AccumulateGrad" in text  # the legend
        assert "├─ ◆ model.bias [1]" in text and "└─ ◆ model.weight [1, 1]" in text

    drive(body, session=lesson("linear"))


def test_m_shows_the_optimizer_settings_and_adams_state():
    async def body(pilot):
        app = pilot.app
        await press(pilot, "m")
        text = screen_text(app)
        assert "optimizer state" in text and "Adam" in text and "lr 0.02" in text
        assert "betas (0.9, 0.999)" in text and "No state yet" in text
        await press(pilot, "s")
        text = screen_text(app)
        name, entry = next(iter(shown(app).optimizer.state.items()))
        assert f"{name} {shape_text(entry['exp_avg'].shape)}  step 1" in text
        assert f"x∈[{num(entry['exp_avg'].min)}, {num(entry['exp_avg'].max)}]" in text
        assert "exp_avg_sq" in text

    drive(body, session=lesson("mlp-adam"), size=(100, 40))


def test_m_shows_momentum_buffers():
    async def body(pilot):
        app = pilot.app
        await press(pilot, "s", "m")
        text = screen_text(app)
        assert "momentum 0.9" in text and "momentum_buffer" in text
        weight, bias = (entry["momentum_buffer"] for entry in shown(app).optimizer.state.values())
        assert f"x∈[{num(weight.min)}, {num(weight.max)}]" in text  # a summary for 12 values
        assert "[" + ", ".join(num(v) for v in bias.values) + "]" in text  # every value of 3

    drive(body, session=script("functional_momentum.py"), size=(100, 40))


def test_lr_knobs_change_the_learning_rate_of_the_next_step():
    async def body(pilot):
        app = pilot.app
        await press(pilot, "right_square_bracket")
        assert "lr ×10" in screen_text(app).splitlines()[-2]  # the status bar
        await press(pilot, "s")
        after, before = shown(app), app.session.history[app.shown_index - 1]
        assert after.optimizer.lr == pytest.approx(1.0) and "lr ×10" in after.knobs
        assert all(check.ok for check in update_checks(after, before))
        await press(pilot, "left_square_bracket", "left_square_bracket", "s")
        assert shown(app).optimizer.lr == pytest.approx(0.01)
        assert "lr ×0.1" in screen_text(app).splitlines()[-2]
        await press(pilot, "right_square_bracket", "s")
        assert shown(app).optimizer.lr == pytest.approx(0.1) and not shown(app).knobs
        assert "⚙" not in screen_text(app).splitlines()[-2]

    drive(body, session=lesson("linear"))


def test_z_skips_zero_grad_so_gradients_pile_up_and_z_again_restores_it():
    async def body(pilot):
        app = pilot.app
        await press(pilot, "s", "z")  # after the first update: .grad holds that iteration's gradient
        assert "zero_grad skipped" in screen_text(app).splitlines()[-2]
        old = shown(app).grads["model.weight"].values[0]
        await press(pilot, "space", "space", "space")  # forward, loss, the (skipped) zero_grad
        assert shown(app).phases == ("zero_grad",)
        assert shown(app).grads["model.weight"].values[0] == old  # nothing was cleared
        await press(pilot, "space")  # backward adds onto the old gradient
        assert shown(app).phases == ("backward",)
        assert "ADDED onto the old .grad" in screen_text(app)
        assert abs(shown(app).grads["model.weight"].values[0]) > abs(old)
        await press(pilot, "space", "z")
        assert "zero_grad skipped" not in screen_text(app).splitlines()[-2]
        await press(pilot, "space", "space", "space")
        assert shown(app).phases == ("zero_grad",) and shown(app).grads["model.weight"] is None

    drive(body, session=lesson("linear"))


def test_a_warning_shows_on_the_pause_where_shapes_broadcast():
    async def body(pilot):
        app = pilot.app
        assert "⚠" not in screen_text(app)
        await press(pilot, "space")  # the loss
        text = screen_text(app)
        assert "⚠ shape-broadcast:" in text and "[20, 20]" in text
        await press(pilot, "e")  # the explanation repeats it
        assert screen_text(app).count("⚠") == 2
        await press(pilot, "space")
        assert "⚠" not in screen_text(app)

    drive(body, session=script("shape_broadcast.py"))


def test_playing_stops_where_the_loss_first_becomes_nan_or_inf():
    async def body(pilot):
        app = pilot.app
        for _ in range(6):
            await pilot.press("plus")  # 64 phases a second
        await pilot.press("greater_than_sign")  # play
        while app.playing:
            await asyncio.sleep(0.02)
            await pilot.pause()
        await settle(pilot)
        assert any(w.code == "nonfinite" for w in shown(app).warnings)
        assert not app.session.finished
        text = screen_text(app)
        assert "⚠ nonfinite:" in text and "Stopped where NaN/Inf first appeared" in text

    drive(body, session=lesson("lr-too-high"))


def test_running_to_a_step_stops_where_the_loss_first_becomes_nan_or_inf():
    async def body(pilot):
        app = pilot.app
        await pilot.press("g", "9", "0", "enter")
        while app.target_step is not None:
            await asyncio.sleep(0.02)
            await pilot.pause()
        await settle(pilot)
        assert any(w.code == "nonfinite" for w in shown(app).warnings)
        assert shown(app).step < 90

    drive(body, session=lesson("lr-too-high"))


def test_views_and_knobs_do_not_stop_playing():
    async def body(pilot):
        app = pilot.app
        await pilot.press("greater_than_sign", "e", "right_square_bracket", "z")
        assert app.playing  # any other key would have paused
        await pilot.pause()
        assert "what just happened" in screen_text(app)
        assert app.session.knobs == ("lr ×10", "zero_grad skipped")
        await pilot.press("p")
        await settle(pilot)
        assert not app.playing

    drive(body, session=lesson("linear"))
