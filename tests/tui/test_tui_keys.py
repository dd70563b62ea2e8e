"""Every key of the app, driven with Pilot, checked against what the learner would see."""

from __future__ import annotations

import asyncio

from tui_helpers import drive, press, screen_text, script_session, settle

from stepper.engine import PHASES, Session, load_script
from stepper.tui.app import RUNNING_FPS
from stepper.tui.screens.goto import GoToStepScreen
from stepper.tui.screens.help import HelpScreen
from stepper.tui.screens.output import OutputScreen, output_text


def test_first_pause_is_after_the_first_forward():
    async def body(pilot):
        app = pilot.app
        assert app.shown_index == 0
        assert app.session.history[0].phases == ("forward",)
        text = screen_text(app)
        assert "▶ forward" in text.replace("▶forward", "▶ forward") or "▶forward" in text
        assert "paused" in text and "pause 1/1" in text
        assert "model.weight" in text and "None  (no tensor)" in text

    drive(body)


def test_space_and_n_run_one_phase_each():
    seen = []

    async def body(pilot):
        app = pilot.app
        for key in ["space", "n", "space", "n"]:
            await press(pilot, key)
            seen.append(app.session.history[app.shown_index].phases)
        assert app.shown_index == 4
        assert "◀ step" in screen_text(app)

    drive(body)
    assert seen == [(p,) for p in PHASES[1:]]


def test_s_and_enter_run_to_just_after_the_next_update():
    async def body(pilot):
        app = pilot.app
        await press(pilot, "s")
        shown = app.session.history[app.shown_index]
        assert shown.step == 1 and "step" in shown.phases
        await press(pilot, "enter")
        shown = app.session.history[app.shown_index]
        assert shown.step == 2 and "step" in shown.phases
        # after an update the parameters panel shows old → new
        assert "→" in screen_text(app).split("parameters")[1].split("gradients")[0]

    drive(body)


def test_greater_than_plays_and_any_key_pauses():
    async def body(pilot):
        app = pilot.app
        await pilot.press("plus", "plus", "plus")  # 32 phases a second
        await pilot.press("greater_than_sign")
        assert app.playing
        while len(app.session.history) < 8:
            await asyncio.sleep(0.02)
            await pilot.pause()
        assert "playing" in screen_text(app)
        await pilot.press("u")  # not bound to anything: still pauses
        assert not app.playing
        await settle(pilot)
        count = len(app.session.history)
        await asyncio.sleep(0.3)
        await pilot.pause()
        assert len(app.session.history) == count  # nothing runs on its own any more
        assert "Paused" in screen_text(app)

    drive(body)


def test_ctrl_z_while_playing_suspends_at_once_and_the_run_plays_on_after_fg():
    suspended = []

    async def body(pilot):
        app = pilot.app
        app.action_suspend_process = lambda: suspended.append(app.playing)  # (Pilot has no shell)
        await pilot.press("greater_than_sign")
        assert app.playing
        await pilot.press("ctrl+z")  # the first press, not a second after it paused the run
        assert suspended == [True] and app.playing
        await pilot.press("p")
        await settle(pilot)

    drive(body)


def test_plus_and_minus_change_the_speed_while_playing():
    async def body(pilot):
        app = pilot.app
        speed = app.speed
        await pilot.press("greater_than_sign", "plus")
        assert app.playing and app.speed == speed + 1
        await pilot.press("minus", "minus")
        assert app.playing and app.speed == speed - 1
        await pilot.press("p")
        assert not app.playing
        await settle(pilot)

    drive(body)


def test_fast_play_draws_the_latest_pause_at_most_running_fps_times_a_second():
    """At 32 or 64 phases a second, a frame per pause is more than anyone reads and more bytes than a
    slow SSH link carries: pauses closer together than a frame interval are drawn once, the latest
    one, when the interval is up (the clock here is a stand-in, so no timing is measured)."""

    async def body(pilot):
        app = pilot.app
        await settle(pilot)
        now = [1000.0]
        app._clock = lambda: now[0]
        drawn = []
        draw = app.update_view
        app.update_view = lambda: (drawn.append(now[0]), draw())
        app._draw_playing()  # the first pause since the last frame: drawn at once
        now[0] += 0.01
        app._draw_playing()  # two more within 1/RUNNING_FPS s: not drawn yet...
        now[0] += 0.01
        app._draw_playing()
        assert drawn == [1000.0]
        assert app._play_draw_timer is not None  # ...but the latest is, when the interval is up
        now[0] += 1 / RUNNING_FPS
        await asyncio.sleep(2 / RUNNING_FPS)
        await pilot.pause()
        assert len(drawn) == 2 and app._play_draw_timer is None

    drive(body)


def test_p_pauses_a_run_and_is_greyed_out_when_nothing_runs():
    async def body(pilot):
        app = pilot.app
        assert app.check_action("pause", ()) is None  # greyed out: nothing is running
        await pilot.press("greater_than_sign")
        assert app.check_action("pause", ()) is True
        await pilot.press("p")
        assert not app.playing
        await settle(pilot)
        assert app.session.state == "paused"

    drive(body)


def test_back_and_forward_browse_history_and_show_what_was_shown_live():
    live_screens = {}

    def panels(text: str) -> str:
        # Everything but the notice, status and footer lines at the bottom.
        return "\n".join(text.splitlines()[:-3])

    async def body(pilot):
        app = pilot.app
        live_screens[0] = panels(screen_text(app))
        for _ in range(6):
            await press(pilot, "space")
            live_screens[app.shown_index] = panels(screen_text(app))
        assert app.check_action("forward", ()) is None
        for key in ["b", "left", "b"]:
            await pilot.press(key)
        await pilot.pause()
        assert app.cursor == 3 and not app.live
        assert "◀ history 4/7" in screen_text(app)
        assert panels(screen_text(app)) == live_screens[3]
        for _ in range(3):
            await pilot.press("b")
        await pilot.pause()
        assert app.cursor == 0
        assert panels(screen_text(app)) == live_screens[0]
        await pilot.press("b")  # already at the first pause
        assert app.cursor == 0
        await pilot.press("f", "right")
        await pilot.pause()
        assert app.cursor == 2 and panels(screen_text(app)) == live_screens[2]
        for _ in range(4):
            await pilot.press("f")
        await pilot.pause()
        assert app.live and "Back at the live pause" in screen_text(app)

    drive(body)


def test_stepping_from_a_past_pause_first_returns_to_the_live_one():
    async def body(pilot):
        app = pilot.app
        await press(pilot, "space", "space")
        await pilot.press("b", "b")
        assert app.cursor == 0
        await pilot.press("space")
        await settle(pilot)
        assert app.live and len(app.session.history) == 3  # returned, did not run anything yet
        assert "Back at the live pause" in screen_text(app)
        await press(pilot, "space")
        assert len(app.session.history) == 4

    drive(body)


def test_r_restarts_the_script_from_the_start():
    async def body(pilot):
        app = pilot.app
        await press(pilot, "s", "s")
        first = app.session
        weight = first.history[0].params["model.weight"].values
        await pilot.press("r")
        await settle(pilot)
        assert app.session is not first and app.generation == 1
        assert first.finished  # the old script thread ended
        assert len(app.session.history) == 1 and app.shown_index == 0
        assert app.session.history[0].params["model.weight"].values == weight  # same seed, same start
        assert "Restarted" in screen_text(app)

    drive(body)


def test_g_goes_forward_to_a_step_and_back_to_an_earlier_one():
    async def body(pilot):
        app = pilot.app
        await pilot.press("g")
        assert isinstance(app.screen, GoToStepScreen)
        await pilot.press("3", "enter")
        await settle(pilot)
        shown = app.session.history[app.shown_index]
        assert app.live and shown.step == 3 and "step" in shown.phases
        await pilot.press("g", "1", "enter")
        await pilot.pause()
        shown = app.session.history[app.shown_index]
        assert not app.live and shown.step == 1 and "step" in shown.phases
        await pilot.press("g", "escape")
        assert not isinstance(app.screen, GoToStepScreen)

    drive(body)


def test_o_shows_the_scripts_output():
    async def body(pilot):
        app = pilot.app
        await pilot.press("g", "9", "9", "9", "enter")
        await settle(pilot)
        assert app.session.finished
        await pilot.press("o")
        assert isinstance(app.screen, OutputScreen)
        assert "weight" in screen_text(app) and "loss" in screen_text(app)
        await pilot.press("escape")
        assert not isinstance(app.screen, OutputScreen)
        assert "finished after 100 steps" in screen_text(app)
        await pilot.press("b")
        assert app.cursor is not None  # a finished run stays browsable

    drive(body)


def test_the_output_page_opens_at_the_newest_line():
    # With hundreds of lines, it opened at the oldest: what the script printed last was out of sight.
    async def body(pilot):
        app = pilot.app
        await pilot.press("g", "9", "enter")
        await settle(pilot)
        assert app.session.finished
        await pilot.press("o")
        await pilot.pause()
        text = screen_text(app)
        assert "THE LAST LINE" in text and "log line 0\n" not in text

    drive(body, session=script_session("prints_many_lines.py"))


def test_question_mark_opens_help_with_keys_and_phases():
    async def body(pilot):
        app = pilot.app
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        assert "next phase" in text and "zero_grad" in text and "quit" in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)

    drive(body, size=(120, 40))


def test_l_toggles_the_loss_plot_between_linear_and_log():
    async def body(pilot):
        app = pilot.app
        await press(pilot, "s", "s", "s")
        await pilot.press("l")
        await pilot.pause()
        assert app.log_scale and "loss per step · log" in screen_text(app)
        await pilot.resize_terminal(100, 30)  # a re-render in log scale must not crash
        await pilot.pause()
        await pilot.press("l")
        await pilot.pause()
        assert not app.log_scale and "· log" not in screen_text(app)

    drive(body)


def test_a_log_scale_of_losses_below_zero_says_why_it_draws_nothing():
    # NLLLoss on raw scores: every loss is negative, and the log plot said "no finite loss to plot".
    async def body(pilot):
        app = pilot.app
        await press(pilot, "s", "s", "s")
        assert all(v < 0 for v in app.session.history[app.shown_index].loss_history)
        await pilot.press("l")
        await pilot.pause()
        text = screen_text(app)
        assert "a log scale shows losses above 0" in text and "no finite loss" not in text

    drive(body, session=script_session("negative_loss.py"))


def test_q_quits_with_status_0_and_stops_the_script():
    async def body(pilot):
        await pilot.press("q")

    app = drive(body)
    assert app.return_code == 0
    app.session.join(2)
    assert app.session.finished


def test_ctrl_c_quits():
    async def body(pilot):
        await pilot.press("ctrl+c")

    app = drive(body)
    assert app.return_code == 0


def test_an_error_shows_the_panel_keeps_history_and_exits_1():
    async def body(pilot):
        app = pilot.app
        await press(pilot, "s", "s", "s")
        assert app.session.end is not None and app.session.end.status == "error"
        text = screen_text(app)
        assert "fails_at_step_2.py:18" in text and "ValueError" in text
        assert "the learning rate schedule ran out of" in text
        assert "18▶" in text  # the code panel is on the failing line
        assert app.check_action("next_phase", ()) is None
        await pilot.press("b")
        assert app.cursor is not None and "ValueError" not in screen_text(app).split("\n")[2]
        await pilot.press("q")

    app = drive(body, session=script_session("fails_at_step_2.py"))
    assert app.return_code == 1


def test_q_after_the_scripts_own_sys_exit_quits_with_its_status(tmp_path):
    # As python would end, and as the transcripts do: sys.exit(3) gives 3, not 1.
    script = tmp_path / "exits.py"
    script.write_text(
        "import sys\nimport torch\n\nw = torch.ones(2, requires_grad=True)\n"
        "loss = (w * 3.0).sum()\nloss.backward()\nsys.exit(3)\n"
    )

    async def body(pilot):
        await press(pilot, "c")
        assert pilot.app.session.end is not None and pilot.app.session.end.exit_code == 3
        await pilot.press("q")

    app = drive(body, session=Session(load_script(str(script)), seed=0))
    assert app.return_code == 3


def test_restart_pressed_twice_quickly_leaves_one_running_script():
    async def body(pilot):
        app = pilot.app
        await pilot.press("s", "r", "r")
        await settle(pilot)
        assert app.generation == 2
        assert len(app.session.history) == 1 and app.session.state == "paused"

    drive(body)


def test_any_key_stops_a_run_to_a_far_step():
    async def body(pilot):
        app = pilot.app
        await pilot.press("g", "5", "0", "0", "0", "enter")
        assert app.target_step == 5000
        await pilot.press("u")  # not bound to anything
        await settle(pilot)
        assert app.target_step is None and app.session.state == "paused"
        assert app.session.history[-1].step < 5000
        assert "Paused" in screen_text(app)

    drive(body, session=script_session("long_loop.py"))


def test_the_first_frame_needs_no_torch():
    # Drawn before the session starts (the app starts it after this frame), so nothing waits on torch.
    from tui_helpers import lesson_session

    from stepper.tui import StepperApp

    app = StepperApp(lesson_session(), autostart=False)

    async def run() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            text = screen_text(app)
            assert "loading PyTorch" in text and "import torch" in text
            assert app.check_action("next_phase", ()) is None

    asyncio.run(run())
    assert app.session.state == "idle"


def test_the_output_page_shows_a_progress_line_as_a_terminal_would():
    # A progress bar redraws its line after \r: only its latest text stays; stderr keeps its style.
    printed = [
        ("stdout", "\rprogress 1/3"),
        ("stdout", "\rprogress 2/3"),
        ("stdout", " (halfway)\n"),
        ("stderr", "a warning\r\n"),
        ("stdout", "last line\r"),
    ]
    text = output_text(printed)
    assert text.plain == "progress 2/3 (halfway)\na warning\nlast line"
    assert [text.plain[span.start : span.end] for span in text.spans if span.style] == ["a warning"]


def test_a_pause_in_a_module_of_the_project_shows_that_file():
    # The training step lives in train_step_module.py: the code panel shows that file, titled with
    # its name, at its line; `x` there says breakpoints are the script's lines.
    from pathlib import Path

    from stepper.engine import Session, load_script
    from stepper.tui.widgets.code import CodeView

    scripts = Path(__file__).resolve().parents[1] / "scripts"
    session = Session(load_script(str(scripts / "step_in_module.py")), seed=0)

    async def body(pilot):
        app = pilot.app
        snapshot = app.session.history[-1]
        assert snapshot.file == str(scripts / "train_step_module.py") and snapshot.phases == ("zero_grad",)
        code = app.query_one(CodeView)
        assert code.source.path == snapshot.file
        text = screen_text(app)
        assert "train_step_module.py" in text and "7▶     optimizer.zero_grad" in text
        assert "from train_step_module import train_step" not in text  # (the script's line: not shown)
        await pilot.press("x")
        await pilot.pause()
        assert (
            "Breakpoints are lines of step_in_module.py only; this is train_step_module.py."
            in screen_text(app)
        )
        assert app.session.breakpoints.lines == frozenset()

    drive(body, session)  # (80×24: the whole message fits)


def test_stepping_onto_an_evaluation_under_inference_mode_shows_it():
    # Its predictions are inference tensors: reading their version counter raised, and the screen
    # ended the run with an internal error at that pause.
    async def body(pilot):
        await press(pilot, "n", "n", "n", "n")
        snapshot = pilot.app.session.history[-1]
        assert snapshot.code == "out = model(x)" and snapshot.mode == "inference_mode"
        assert snapshot.preds is not None and snapshot.preds.shape == (8, 1)
        await press(pilot, "n", "n")
        assert pilot.app.session.end is None or pilot.app.session.end.error is None

    drive(body, script_session("evaluates_in_inference_mode.py"))


def test_the_slowest_speed_is_said_in_the_singular():
    async def body(pilot):
        app = pilot.app
        await pilot.press("minus", "minus")  # from 4 phases a second to 1
        await pilot.pause()
        assert app.speed == 0 and "Speed: 1 phase a second." in screen_text(app)
        await pilot.press("plus")
        await pilot.pause()
        assert "Speed: 2 phases a second." in screen_text(app)

    drive(body)
