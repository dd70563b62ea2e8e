"""Breakpoints: a running script stops by itself at the right pause, and says why."""

import pytest
from engine_helpers import SAFETY_TIMEOUT, assert_clear_message, run_cli_many, script_path

from stepper.engine import Breakpoints, Paused, Session, load_script, parse_loss_condition
from stepper.lessons import find_lesson


def run_until_break(path, breakpoints, **options):
    reasons = []
    session = Session(load_script(path), seed=0, mode="continue", breakpoints=breakpoints, **options)
    session.listener = lambda event: reasons.append(event.reason) if isinstance(event, Paused) else None
    session.start()
    try:
        assert session.wait(SAFETY_TIMEOUT)
        assert session.state == "paused", "the run went to the end without stopping"
        return session, session.history[-1], [r for r in reasons if r]
    finally:
        session.stop()


LINEAR = find_lesson("linear").path


def test_until_step_stops_just_after_that_update():
    _, snapshot, reasons = run_until_break(LINEAR, Breakpoints(until_step=7))
    assert snapshot.phases == ("step",) and snapshot.step == 7
    assert reasons == ["reached step 7"]


def test_until_loss_below_stops_at_the_first_loss_under_the_value():
    session, snapshot, reasons = run_until_break(LINEAR, Breakpoints(loss=("<", 0.5)))
    assert snapshot.loss < 0.5
    earlier = [s.loss for s in session.history[:-1] if s.loss is not None]
    assert earlier and all(loss >= 0.5 for loss in earlier)
    assert reasons[0].startswith("loss < 0.5")


def test_until_loss_above_stops_when_a_diverging_run_crosses_it():
    _, snapshot, _ = run_until_break(script_path("diverging.py"), Breakpoints(loss=(">", 1000.0)))
    assert snapshot.loss > 1000


def test_a_line_breakpoint_stops_at_the_pause_on_that_line():
    line = 23  # loss.backward() in the default lesson
    assert "loss.backward()" in open(LINEAR).read().splitlines()[line - 1]
    _, snapshot, reasons = run_until_break(LINEAR, Breakpoints(lines={line}))
    assert snapshot.line == line and snapshot.phases == ("backward",)
    assert reasons == [f"breakpoint on line {line}"]


def test_nan_always_stops_a_running_script():
    path = script_path("diverging.py")
    _, snapshot, reasons = run_until_break(path, Breakpoints(), pause_on_nonfinite=True)
    assert snapshot.nonfinite
    assert reasons == ["the loss or a value became NaN/Inf"]


def test_continuing_from_a_breakpoint_runs_on_to_the_end():
    session = Session(load_script(LINEAR), seed=0, mode="continue", breakpoints=Breakpoints(until_step=2))
    session.start()
    try:
        assert session.wait(SAFETY_TIMEOUT) and session.state == "paused"
        session.continue_()
        session.join(SAFETY_TIMEOUT)
        assert session.finished and session.end.steps == 100
    finally:
        session.stop()


@pytest.mark.parametrize(
    "text, expected", [("<0.02", ("<", 0.02)), ("> 10", (">", 10.0)), ("<1e-3", ("<", 1e-3))]
)
def test_loss_conditions_parse(text, expected):
    assert parse_loss_condition(text) == expected


@pytest.mark.parametrize("text", ["0.5", "<", "=0.1", "<abc"])
def test_bad_loss_conditions_are_refused_with_a_sentence(text):
    with pytest.raises(ValueError, match="looks like"):
        parse_loss_condition(text)


def test_command_line_breakpoints_end_a_transcript_there():
    results = run_cli_many(
        {
            "step": ["run", "--plain", "--until-step", "3", "--seed", "0"],
            "jsonl": ["run", "--jsonl", "--break", "23", "--seed", "0"],
            "bad": ["run", "--plain", "--until-loss", "0.5"],
        }
    )
    step = results["step"]
    assert step.returncode == 0 and "-- stopped here: reached step 3" in step.stdout
    assert "stopped after 3 updates" in step.stdout
    lines = results["jsonl"].json_lines()
    assert lines[-2]["line"] == 23 and lines[-1]["event"] == "end" and lines[-1]["steps"] == 0
    bad = results["bad"]
    assert bad.returncode == 2 and "looks like '<0.02'" in bad.stderr and "Traceback" not in bad.stderr


def test_a_line_breakpoint_is_a_line_of_the_script_not_of_its_modules():
    # step_in_module.py's loop runs in train_step_module.py, whose `loss.backward()` is on line 9 and
    # pauses there; the script's own line 9 makes data. A breakpoint on line 9 is the script's line.
    assert open(script_path("train_step_module.py")).read().splitlines()[8].strip() == "loss.backward()"
    session = Session(
        load_script(script_path("step_in_module.py")),
        seed=0,
        mode="continue",
        breakpoints=Breakpoints(lines={9}),
    )
    session.end_at_breakpoint = True  # (a stop ends the run, as in a transcript)
    session.start()
    session.join(SAFETY_TIMEOUT)
    assert session.end is not None and not session.end.stopped
    assert session.end.steps == 2
    assert 9 in {snapshot.line for snapshot in session.history}


# --- --break on a line where no pause happens ---------------------------------------------------------

LESSON_LINES = [line.strip() for line in open(LINEAR).read().splitlines()]


def lesson_line(start: str) -> int:
    """The number of the default lesson's first line whose stripped text starts with `start`."""
    return next(number for number, line in enumerate(LESSON_LINES, 1) if line.startswith(start))


BLANK = lesson_line("import torch") - 1
COMMENTED = "losses_inside_models.py"  # (the lesson has no line that is only a comment)
COMMENT = 1
DATA = lesson_line("x = torch.linspace")  # code that runs once, before the loop: never a phase
LOOP = lesson_line("for epoch in")  # runs every epoch but completes no phase
BACKWARD = lesson_line("loss.backward()")


@pytest.fixture(scope="module")
def unpaused():
    assert LESSON_LINES[BLANK - 1] == ""
    return run_cli_many(
        {
            "blank": ["run", "--plain", "--break", str(BLANK)],
            "comment": ["run", script_path(COMMENTED), "--plain", "--break", str(COMMENT)],
            "past_end": ["run", "--jsonl", "--break", "999"],
            "plain": ["run", "--plain", "--seed", "0", "--break", str(DATA)],
            "jsonl": ["run", "--jsonl", "--seed", "0", "--break", str(DATA), "--break", str(LOOP)],
            "one_hit": ["run", "--plain", "--seed", "0", "--break", str(DATA), "--break", str(BACKWARD)],
        }
    )


@pytest.mark.parametrize(
    "name, line, where", [("blank", BLANK, "lesson linear"), ("comment", COMMENT, COMMENTED)]
)
def test_a_break_on_a_line_without_code_is_refused_before_running(unpaused, name, line, where):
    result = unpaused[name]
    assert result.returncode == 2 and result.stdout == ""
    assert_clear_message(result.stderr)
    assert f"--break {line}: line {line} of {where} is blank or only a comment" in result.stderr
    assert "so no pause can happen there" in result.stderr


def test_a_break_past_the_end_is_refused_and_jsonl_still_ends_with_an_end_line(unpaused):
    result = unpaused["past_end"]
    assert result.returncode == 2
    assert_clear_message(result.stderr)
    assert f"lesson linear has only {len(LESSON_LINES)} lines" in result.stderr
    (end,) = result.json_lines()
    assert end["event"] == "end" and end["status"] == "error" and end["exit_code"] == 2
    assert "--break 999" in end["error"]["message"]


def test_a_plain_transcript_says_at_the_end_when_its_break_line_never_paused(unpaused):
    result = unpaused["plain"]
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "lesson linear finished after 100 updates."
    note = f"-- --break {DATA}: no pause happened on line {DATA}, so the run never stopped there."
    assert lines[-2].startswith(note)
    pauses = ", ".join(str(BACKWARD + n) for n in range(-3, 1))
    assert f"in this run those were lines {pauses} and {BACKWARD + 1}." in lines[-2]


def test_a_jsonl_transcript_says_it_on_stderr_and_keeps_stdout_json(unpaused):
    result = unpaused["jsonl"]
    assert result.returncode == 0, result.stderr
    lines = result.json_lines()  # (every line of stdout is JSON)
    assert lines[-1]["event"] == "end" and lines[-1]["steps"] == 100
    said = f"stepper: --break {DATA}, --break {LOOP}: no pause happened on lines {DATA} and {LOOP}"
    assert said in result.stderr


def test_nothing_is_said_when_another_break_line_stopped_the_run(unpaused):
    result = unpaused["one_hit"]
    assert result.returncode == 0, result.stderr
    assert f"-- stopped here: breakpoint on line {BACKWARD}" in result.stdout
    assert "no pause happened" not in result.stdout + result.stderr
