"""The built-in lessons: each runs to the end under the engine and shows what its description promises.

Every lesson runs once, in this process, through the engine (seed 0, continue mode) and the finished
session is cached; the checks then read its pauses. Importing torch costs seconds, so the plain-python
check runs all the lessons in a single fresh interpreter.
"""

from __future__ import annotations

import ast
import functools
import json
import math
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from stepper.engine import PHASES, Session, Snapshot, load_script
from stepper.lessons import DEFAULT_LESSON, all_lessons, find_lesson

LESSONS = [
    "linear",
    "forgot-zero-grad",
    "wrong-loss",
    "lr-too-high",
    "lr-too-low",
    "shape-mismatch",
    "train-eval",
    "no-grad",
    "classification",
    "mlp-adam",
    "minibatches",
]

# shape-mismatch is meant to trigger PyTorch's broadcasting warning; it is not a problem of the suite.
pytestmark = pytest.mark.filterwarnings("ignore:Using a target size:UserWarning")

# A lesson that never ends would hang the suite; this is a safety net, not a speed requirement.
SAFETY_TIMEOUT = 60


@functools.cache
def run(name: str) -> Session:
    """The finished engine session of one lesson (run once, then cached)."""
    lesson = find_lesson(name)
    assert lesson is not None, f"no lesson called {name!r}"
    session = Session(load_script(lesson.path, lesson=name), seed=0, mode="continue")
    session.start()
    deadline = time.monotonic() + SAFETY_TIMEOUT
    while not session.finished and time.monotonic() < deadline:
        # Continue mode runs straight through; should the engine ever hold a pause (say at a first
        # NaN), go on past it: these tests want the whole run.
        session.wait(1)
        if session.state == "paused":
            session.continue_()
    session.join(5)
    assert session.finished, f"lesson {name} did not finish within {SAFETY_TIMEOUT}s"
    return session


def printed(name: str) -> str:
    return "".join(text for stream, text in run(name).output if stream == "stdout")


def pauses(name: str, phase: str) -> list[Snapshot]:
    return [snapshot for snapshot in run(name).history if phase in snapshot.phases]


def value(snapshot: Snapshot, param: str) -> float:
    values = snapshot.params[param].values
    assert values is not None and len(values) == 1
    return values[0]


def grad(snapshot: Snapshot, param: str) -> float:
    stats = snapshot.grads[param]
    assert stats is not None and stats.values is not None and len(stats.values) == 1
    return stats.values[0]


def step_losses(name: str) -> list[float]:
    """The loss of every update, in order."""
    return [snapshot.loss for snapshot in pauses(name, "step")]


# --- every lesson ------------------------------------------------------------------------------------


def test_stepper_lessons_lists_all_eleven_one_per_line_name_first():
    result = subprocess.run(
        [sys.executable, "-m", "stepper", "lessons"], capture_output=True, text=True, timeout=SAFETY_TIMEOUT
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    names = [line.split()[0] for line in lines]
    assert sorted(names) == sorted(LESSONS)
    assert names[0] == DEFAULT_LESSON
    for line, lesson in zip(lines, all_lessons(), strict=True):
        assert line.split(None, 1)[1].strip() == lesson.title


@pytest.mark.parametrize("name", LESSONS)
def test_docstring_has_a_title_and_a_description(name):
    lesson = find_lesson(name)
    assert lesson is not None
    # Short enough that `stepper lessons` fits an 80-column terminal beside the longest name.
    assert 10 <= len(lesson.title) <= 62
    assert len(lesson.description) >= 150, "the description should explain what to watch for"
    assert lesson.description != lesson.title


@pytest.mark.parametrize("name", LESSONS)
def test_lesson_is_seeded_and_short_enough_to_read_in_the_code_panel(name):
    # (Seeded: a class sees the same numbers on every screen, without --seed.)
    source = Path(find_lesson(name).path).read_text()
    docstring_end = ast.parse(source).body[0].end_lineno
    code = [line for line in source.splitlines()[docstring_end:] if line.strip()]
    assert any(line.startswith("torch.manual_seed(0)") for line in code[:6])
    assert len(code) <= 40


@pytest.mark.parametrize("name", LESSONS)
def test_lesson_runs_to_the_end_through_the_engine(name):
    session = run(name)
    assert session.end is not None and session.end.status == "ok", session.end
    assert session.end.steps > 0
    seen = {phase for snapshot in session.history for phase in snapshot.phases}
    expected = set(PHASES) - ({"zero_grad"} if name == "forgot-zero-grad" else set())
    assert seen == expected


# The gotcha each lesson shows is one stepper's detectors point out; the clean lessons stay quiet.
EXPECTED_WARNINGS = {
    "forgot-zero-grad": {"stale-grad"},
    "lr-too-high": {"loss-rising", "nonfinite"},
    "lr-too-low": {"lr-too-low"},
    "shape-mismatch": {"shape-broadcast"},
    "train-eval": {"eval-in-train-mode"},  # its first evaluation, before model.eval()
    "wrong-loss": {"mse-on-labels"},  # part 1: one output, MSE against the labels 0., 1., 2.
}


@pytest.mark.parametrize("name", LESSONS)
def test_lesson_warnings_are_its_gotcha_and_nothing_else(name):
    codes = {warning.code for snapshot in run(name).history for warning in snapshot.warnings}
    assert codes == EXPECTED_WARNINGS.get(name, set())


RUN_ALL = """
import contextlib, io, json, runpy, sys, traceback
results = {}
for path in sys.argv[1:]:
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            runpy.run_path(path, run_name="__main__")
        results[path] = {"error": None, "stdout": out.getvalue()}
    except BaseException as exc:
        error = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        results[path] = {"error": error, "stdout": out.getvalue()}
print(json.dumps(results))
sys.exit(1 if any(result["error"] for result in results.values()) else 0)
"""


@functools.cache
def plain_python_runs() -> tuple[int, dict[str, dict]]:
    """Every lesson run as `__main__` in one fresh interpreter: its exit status and, per lesson file,
    the traceback (or None) and what it printed."""
    paths = [find_lesson(name).path for name in LESSONS]
    result = subprocess.run(
        [sys.executable, "-c", RUN_ALL, *paths], capture_output=True, text=True, timeout=SAFETY_TIMEOUT * 2
    )
    assert result.stdout.strip(), result.stderr
    return result.returncode, json.loads(result.stdout.splitlines()[-1])


def test_every_lesson_runs_with_plain_python():
    returncode, results = plain_python_runs()
    assert {path: result["error"] for path, result in results.items() if result["error"]} == {}
    assert returncode == 0


@pytest.mark.parametrize("name", [name for name in LESSONS if name != DEFAULT_LESSON])
def test_lesson_prints_the_same_under_stepper_as_under_python(name):
    # Each of these lessons seeds torch itself, so stepper must not change a single number.
    _, results = plain_python_runs()
    assert printed(name) == results[find_lesson(name).path]["stdout"]


# --- what each lesson shows --------------------------------------------------------------------------


def test_linear_fits_the_line():
    last = pauses("linear", "step")[-1]
    assert value(last, "model.weight") == pytest.approx(2, abs=0.05)
    assert value(last, "model.bias") == pytest.approx(1, abs=0.05)
    assert last.loss == pytest.approx(0.01, abs=0.005)


def test_forgot_zero_grad_gradients_pile_up_and_training_never_settles():
    backward = pauses("forgot-zero-grad", "backward")
    bias_grads = [abs(grad(snapshot, "model.bias")) for snapshot in backward[:3]]
    assert bias_grads == sorted(bias_grads) and bias_grads[2] > 2 * bias_grads[0]
    # The loss keeps bouncing instead of settling near the noise level (0.01) as in `linear`.
    later = step_losses("forgot-zero-grad")[20:]
    assert sum(later) / len(later) > 0.5 and sum(loss > 2 for loss in later) >= 3


def test_lr_too_high_explodes_to_inf_then_nan():
    losses = step_losses("lr-too-high")
    assert math.isfinite(losses[0])
    assert all(later > earlier for earlier, later in zip(losses[:9], losses[1:10], strict=True))
    first_bad = next(i for i, loss in enumerate(losses) if not math.isfinite(loss))
    assert first_bad < 40 and losses[first_bad] == math.inf
    last = run("lr-too-high").history[-1]
    assert last.nonfinite and math.isnan(last.loss) and math.isnan(value(last, "model.weight"))
    assert any(snapshot.nonfinite for snapshot in pauses("lr-too-high", "loss"))


def test_lr_too_low_barely_moves():
    losses = step_losses("lr-too-low")
    assert len(losses) == 100
    assert losses[-1] < losses[0]  # it does learn...
    assert losses[-1] > 0.75 * losses[0] and losses[-1] > 2  # ...but hardly at all
    last = pauses("lr-too-low", "step")[-1]
    assert abs(value(last, "model.weight") - 2) > 1.5


def test_shape_mismatch_stalls_at_predicting_the_mean():
    last = pauses("shape-mismatch", "step")[-1]
    assert last.loss > 1.2  # linear reaches 0.01 on the same points
    assert value(last, "model.weight") == pytest.approx(0, abs=0.1)
    assert value(last, "model.bias") == pytest.approx(1, abs=0.1)
    assert "broadcast [100, 100]" in printed("shape-mismatch")


def test_wrong_loss_mse_on_labels_fails_where_cross_entropy_succeeds():
    text = printed("wrong-loss")
    mse = re.search(r"MSE: loss ([\d.]+), accuracy (\d+)%", text)
    cross_entropy = re.search(r"cross-entropy: loss ([\d.]+), accuracy (\d+)%", text)
    assert mse and cross_entropy, text
    assert int(mse.group(2)) < 50 and int(cross_entropy.group(2)) > 90
    losses = step_losses("wrong-loss")
    mse_losses, cross_entropy_losses = losses[:50], losses[50:]
    assert mse_losses[-1] == pytest.approx(mse_losses[10], abs=0.01)  # stalled
    assert cross_entropy_losses[0] == pytest.approx(math.log(3), abs=0.2)
    assert cross_entropy_losses[-1] < 0.5 * cross_entropy_losses[0]


def test_train_eval_dropout_is_random_in_train_mode_and_steady_in_eval_mode():
    text = printed("train-eval")
    pattern = r"{} mode: +([\d.]+) then ([\d.]+); loss ([\d.]+)"
    train = re.search(pattern.format("train"), text)
    evaluate = re.search(pattern.format("eval"), text)
    assert train and evaluate, text
    assert train.group(1) != train.group(2)
    assert evaluate.group(1) == evaluate.group(2)
    assert float(train.group(3)) > 2 * float(evaluate.group(3))


def test_no_grad_output_has_no_graph():
    lines = printed("no-grad").splitlines()
    without = next(line for line in lines if line.startswith("without no_grad:"))
    with_ = next(line for line in lines if line.startswith("with no_grad:"))
    assert "requires_grad=True" in without and "grad_fn=AddmmBackward0" in without
    assert "requires_grad=False" in with_ and "grad_fn=None" in with_
    numbers = re.compile(r"\[[^\]]*\]")
    assert numbers.search(without).group() == numbers.search(with_).group()


def test_classification_learns_the_three_classes():
    losses = step_losses("classification")
    assert 0.5 < losses[0] < math.log(3)
    assert losses[-1] < 0.05
    accuracy = re.search(r"accuracy (\d+)%", printed("classification"))
    assert accuracy and int(accuracy.group(1)) >= 95
    # Cross-entropy's gradient for the class biases always sums to zero.
    for snapshot in pauses("classification", "backward")[:5]:
        assert sum(snapshot.grads["model.bias"].values) == pytest.approx(0, abs=1e-5)


def test_mlp_adam_fits_the_wave_and_its_first_step_is_lr_sized():
    losses = step_losses("mlp-adam")
    assert losses[0] > 0.3 and losses[-1] < 0.02
    assert pauses("mlp-adam", "step")[-1].optimizer.type == "Adam"
    before = pauses("mlp-adam", "backward")[0].params["model.0.weight"].values
    after = pauses("mlp-adam", "step")[0].params["model.0.weight"].values
    assert before is not None and after is not None
    for old, new in zip(before, after, strict=True):
        assert abs(new - old) == pytest.approx(0.02, abs=1e-4)


def test_minibatches_take_five_noisy_steps_per_epoch():
    losses = step_losses("minibatches")
    assert len(losses) == 100  # 20 epochs of 5 batches
    assert sum(later > earlier for earlier, later in zip(losses[:-1], losses[1:], strict=True)) >= 10  # noisy
    last = pauses("minibatches", "step")[-1]
    assert value(last, "model.weight") == pytest.approx(2, abs=0.1)
    assert value(last, "model.bias") == pytest.approx(1, abs=0.1)
