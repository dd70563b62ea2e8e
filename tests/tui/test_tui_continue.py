"""`c` runs at full speed to a breakpoint (or NaN/Inf, or the end) while the screen follows at a few
frames a second; `x` sets a line breakpoint on the code panel's cursor line."""

from __future__ import annotations

import asyncio
import threading

from tui_helpers import (
    HERE,
    SAFETY_TIMEOUT,
    drive,
    lesson_session,
    press,
    screen_lines,
    screen_text,
    script_session,
    settle,
)

from stepper.engine import Breakpoints, Session, load_script
from stepper.tui.messages import SessionChanged
from stepper.tui.widgets.code import CodeView

LINEAR_BACKWARD = 23  # loss.backward() in the default lesson
DIVERGING = str(HERE.parent / "scripts" / "diverging.py")


def shown(app):
    return app.session.history[app.shown_index]


def code_line(app, lineno: int) -> str:
    """The default lesson's row `lineno` in the code panel: breakpoint column, number, arrow, code."""
    for line in screen_lines(app):
        if line.startswith("│") and line[2:4] == f"{lineno:>2}":
            return line[1:42]
    raise AssertionError(f"line {lineno} is not on screen:\n{screen_text(app)}")


async def run_to_stop(pilot) -> None:
    await pilot.press("c")
    await settle(pilot)


def test_c_runs_the_default_lesson_to_the_end_and_every_pause_stays_in_history():
    async def body(pilot):
        app = pilot.app
        await run_to_stop(pilot)
        session = app.session
        assert session.finished and session.end.steps == 100
        assert len(session.history) == 500  # five pauses an iteration, none left out
        assert [s.index for s in session.history] == list(range(500))
        text = screen_text(app)
        assert "finished after 100 steps" in text and "The run ended at step 100" in text
        await pilot.press("b", "b")  # every pause is there to look back at
        await pilot.pause()
        assert app.cursor == 497 and "◀ history 498/500" in screen_text(app)
        await pilot.press("g", "4", "2", "enter")
        await pilot.pause()
        assert shown(app).step == 42 and "step" in shown(app).phases

    drive(body)


def test_the_screen_is_redrawn_a_few_times_a_second_not_at_every_pause():
    redraws, posted = [], []

    async def body(pilot):
        app = pilot.app
        draw, post = app.update_view, app.post_message
        app.update_view = lambda: (redraws.append(1), draw())[1]
        app.post_message = lambda m: (posted.append(1) if isinstance(m, SessionChanged) else None, post(m))[1]
        await run_to_stop(pilot)
        assert app.session.history[-1].step == 3000

    drive(body, session=script_session("long_loop.py", breakpoints=Breakpoints(until_step=3000)))
    pauses = 3000 * 5
    assert len(redraws) < pauses / 10, len(redraws)
    assert len(posted) < pauses / 10, len(posted)  # the engine does not post a message per pause either


def test_c_stops_at_until_step_and_says_so():
    async def body(pilot):
        app = pilot.app
        await run_to_stop(pilot)
        assert shown(app).step == 30 and shown(app).phases == ("step",)
        assert app.session.state == "paused" and not app.continuing
        assert "Stopped: reached step 30" in screen_text(app)
        assert not shown(app).skipped_views  # the pause it stops at has every view
        assert any(s.skipped_views for s in app.session.history)  # the ones it ran past, not

    drive(body, session=lesson_session(breakpoints=Breakpoints(until_step=30)))


def test_starting_with_until_step_runs_straight_to_it():
    # `stepper run --until-step 12`: the session starts in continue mode and the app follows it.
    async def body(pilot):
        app = pilot.app
        assert shown(app).step == 12 and "Stopped: reached step 12" in screen_text(app)

    drive(body, session=lesson_session(breakpoints=Breakpoints(until_step=12), mode="continue"))


def test_c_stops_where_the_loss_first_crosses_the_value():
    async def body(pilot):
        app = pilot.app
        await run_to_stop(pilot)
        assert shown(app).loss < 0.5
        earlier = [s.loss for s in app.session.history[:-1] if s.loss is not None]
        assert earlier and min(earlier) >= 0.5
        assert "Stopped: loss < 0.5" in screen_text(app)

    drive(body, session=lesson_session(breakpoints=Breakpoints(loss=("<", 0.5))))


def test_c_stops_at_nan_and_the_views_are_there():
    async def body(pilot):
        app = pilot.app
        await run_to_stop(pilot)
        assert shown(app).nonfinite and not app.session.finished
        assert "Stopped: the loss or a value became NaN/Inf" in screen_text(app)
        await pilot.press("a")  # the autograd graph of the pause it stopped at
        await pilot.pause()
        assert "Not captured" not in screen_text(app)

    drive(body, session=Session(load_script(DIVERGING), seed=0))


def test_x_sets_a_breakpoint_on_the_cursor_line_and_c_stops_there_until_x_removes_it():
    async def body(pilot):
        app = pilot.app
        code = app.query_one(CodeView)
        assert app.focused is code and code.cursor_line == shown(app).line == 20
        await pilot.press("down", "down", "down")  # the cursor to loss.backward()
        assert code.cursor_line == LINEAR_BACKWARD
        assert code_line(app, LINEAR_BACKWARD).startswith(" 23▸     loss.backward()")  # the cursor, marked
        await pilot.press("x")
        await pilot.pause()
        assert app.session.breakpoints.lines == {LINEAR_BACKWARD}
        assert code_line(app, LINEAR_BACKWARD).startswith("●23▸     loss.backward()")
        assert code_line(app, 22).startswith(" 22      optimizer.zero_grad()")
        await run_to_stop(pilot)
        assert (shown(app).line, shown(app).step) == (LINEAR_BACKWARD, 0)
        assert "Stopped: breakpoint on line 23" in screen_text(app)
        assert code_line(app, LINEAR_BACKWARD).startswith("●23▶")  # breakpoint and line just run, both
        await run_to_stop(pilot)  # and again at the next iteration
        assert (shown(app).line, shown(app).step) == (LINEAR_BACKWARD, 1)
        await pilot.press("x")  # the cursor is on the line just run: x removes it
        await pilot.pause()
        assert app.session.breakpoints.lines == set()
        assert code_line(app, LINEAR_BACKWARD).startswith(" 23▶")
        await run_to_stop(pilot)
        assert app.session.finished

    drive(body)


def test_x_refuses_a_blank_line_and_restart_keeps_the_breakpoints():
    async def body(pilot):
        app = pilot.app
        await pilot.press("up", "up", "x")  # line 18: blank
        await pilot.pause()
        assert app.session.breakpoints.lines == set() and "Line 18 has no code" in screen_text(app)
        await pilot.press("down", "down", "down", "down", "down", "x")
        assert app.session.breakpoints.lines == {LINEAR_BACKWARD}
        await press(pilot, "r")  # a restart runs to the breakpoint again, as at the first start
        assert (shown(app).line, shown(app).step) == (LINEAR_BACKWARD, 0)
        assert code_line(app, LINEAR_BACKWARD).startswith("●23▶")

    drive(body)


def test_any_key_pauses_a_run_and_the_pause_it_stops_at_has_its_views():
    async def body(pilot):
        app = pilot.app
        await pilot.press("c")
        assert app.continuing and "running" in screen_text(app)
        while len(app.session.history) < 200:
            await asyncio.sleep(0.01)
        await pilot.press("p")
        await settle(pilot)
        assert not app.continuing and app.session.state == "paused"
        assert not shown(app).skipped_views
        assert "Paused" in screen_text(app)
        count = len(app.session.history)
        await asyncio.sleep(0.2)
        assert len(app.session.history) == count  # it stays paused

    drive(body, session=script_session("long_loop.py"))


def test_a_pause_run_past_says_its_views_were_not_captured():
    async def body(pilot):
        app = pilot.app
        await run_to_stop(pilot)
        await pilot.press("d")  # the data & fit view of the pause on screen (where it stopped): drawn
        await pilot.pause()
        assert "Not captured" not in screen_text(app)
        await pilot.press("b")  # a pause it ran past: no views were taken there
        await pilot.pause()
        assert shown(app).skipped_views
        assert "Not captured while running at full speed" in screen_text(app)
        await pilot.press("e")  # ...but the explanation needs only what every pause has
        await pilot.pause()
        text = screen_text(app)
        assert "Not captured" not in text and "what just happened" in text
        assert any(f"{phase}:" in text for phase in shown(app).phases)

    drive(body, session=lesson_session(breakpoints=Breakpoints(until_step=20)))


def test_a_run_to_the_end_has_the_views_of_its_last_pause():
    # The run never stopped before its end, so every pause was passed at full speed, the last one
    # too: the views said "Not captured" at the pause where the run stopped, by ending.
    async def body(pilot):
        app = pilot.app
        await run_to_stop(pilot)
        assert app.session.finished and app.shown_index == len(app.session.history) - 1
        last = shown(app)
        assert not last.skipped_views and last.fit is not None and last.graph is not None
        assert last.optimizer is not None and last.preds is not None
        for key in ("d", "a", "m"):
            await pilot.press(key)
            await pilot.pause()
            assert "Not captured" not in screen_text(app), key
        await pilot.press("b")  # (the pause before it was run past, as before)
        await pilot.pause()
        assert shown(app).skipped_views and "Not captured while running at full speed" in screen_text(app)

    drive(body)


def test_a_line_breakpoint_set_from_another_thread_stops_a_running_script():
    # The engine reads the breakpoints in the script's thread while a front end toggles them.
    session = script_session("long_loop.py", mode="continue")
    stopped = threading.Event()
    session.listener = lambda event: stopped.set() if getattr(event, "waiting", False) else None
    session.start()
    try:
        while len(session.history) < 100:
            assert session.state != "finished"
            threading.Event().wait(0.01)
        assert session.breakpoints.toggle_line(11)  # loss.backward()
        assert stopped.wait(SAFETY_TIMEOUT)
        assert session.history[-1].line == 11 and session.state == "paused"
        assert not session.breakpoints.toggle_line(11) and session.breakpoints.lines == set()
    finally:
        session.stop()


def test_the_code_panel_takes_the_arrow_keys_again_after_a_teaching_view():
    async def body(pilot):
        app = pilot.app
        code = app.query_one(CodeView)
        await pilot.press("e", "e", "down")  # the explanation hid the code panel (and took its focus)
        await pilot.pause()
        assert app.focused is code and code.cursor_line == 21
        assert "▸ line 21 · x: breakpoint" in screen_text(app)

    drive(body)


def test_x_removes_a_command_line_breakpoint_even_on_a_line_with_no_code():
    async def body(pilot):
        app = pilot.app
        assert code_line(app, 18).startswith("●18")  # `--break 18`: drawn like any other
        await pilot.press("up", "up", "x")
        await pilot.pause()
        assert app.session.breakpoints.lines == set() and "line 18 removed" in screen_text(app)
        assert code_line(app, 18).startswith(" 18")

    drive(body, session=lesson_session(breakpoints=Breakpoints(lines={18})))
