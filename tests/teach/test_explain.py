"""Explanations: every phase gets words, and the update worked out by hand equals the real one."""

import dataclasses
from pathlib import Path

import pytest

from stepper.engine import Session, load_script
from stepper.format import num
from stepper.lessons import find_lesson
from stepper.teach.explain import explain, update_checks

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


def script_path(name):
    return str(SCRIPTS / name)


def run_session(path, **options):
    session = Session(load_script(path), seed=0, mode="continue", **options)
    session.start()
    session.join(120)
    assert session.finished
    return session


def run_script(name):
    return run_session(script_path(name))


@pytest.fixture(scope="module")
def linear():
    return run_session(find_lesson("linear").path, max_steps=3)


def test_every_phase_of_the_default_lesson_is_explained_with_its_numbers(linear):
    history = linear.history
    for previous, snapshot in zip([None, *history], history, strict=False):
        text = "\n".join(explain(snapshot, previous))
        for phase in snapshot.phases:
            assert f"{phase}:" in text
    backward = next(s for s in history if s.phases == ("backward",))
    text = " ".join(explain(backward, None))
    grad = backward.grads["model.weight"].values[0]
    assert f"{grad:.4f}"[:6] in text and "raising model.weight would lower this loss" in text
    zero = next(s for s in history if s.phases == ("zero_grad",))
    assert "None" in " ".join(explain(zero, None)) and "nothing to clear yet" in " ".join(explain(zero, None))


@pytest.mark.parametrize(
    "path, kind",
    [
        (find_lesson("linear").path, "SGD"),
        (script_path("functional_momentum.py"), "momentum"),
        (script_path("dataloader_adam.py"), "Adam"),
        (script_path("raw_tensors.py"), "hand-written"),
        (script_path("weight_clipping.py"), "SGD before a clamp"),
    ],
)
def test_the_update_worked_out_by_hand_equals_the_real_one(path, kind):
    session = run_session(path, max_steps=3)
    history = session.history
    steps = [(history[i - 1], history[i]) for i in range(1, len(history)) if "step" in history[i].phases]
    assert steps, "no step pauses"
    for previous, snapshot in steps:
        checks = update_checks(snapshot, previous)
        assert checks, f"no worked update for {kind}"
        for check in checks:
            assert check.ok, check
            assert check.actual == snapshot.params[check.param].values[check.index]
        assert "✓" in explain(snapshot, previous)[-1]


ZOO = ["nesterov", "weight_decay", "dampening", "maximize", "adam_l2", "adamw", "rmsprop", "adagrad"]
ZOO += ["groups"]


@pytest.mark.parametrize("kind", ZOO)
def test_every_optimizers_own_rule_is_worked_out_and_checks(kind):
    # Weight decay (added to the gradient, or AdamW's shrinking), Nesterov, dampening, maximize,
    # RMSprop, Adagrad, and param groups with their own lr and decay: each element checks ✓.
    history = run_session(script_path("optimizer_zoo.py"), argv=[kind]).history
    steps = [(history[i - 1], history[i]) for i in range(1, len(history)) if "step" in history[i].phases]
    assert len(steps) == 3
    for previous, snapshot in steps:
        checks = update_checks(snapshot, previous)
        assert len(checks) == 3 and all(check.ok for check in checks), checks
        text = explain(snapshot, previous)[-1]
        assert "applied its own rule" not in text and "✗" not in text
    rule = explain(steps[0][1], steps[0][0])[-1]
    if kind in ("weight_decay", "adam_l2", "rmsprop"):
        assert "·old)" in rule  # the decay is part of the rule's text, not hidden in the numbers
    if kind == "maximize":
        assert "moving along the gradient" in rule
    if kind == "groups":
        assert "0.5 × " in rule and "0.01 × " in rule  # each parameter with its own group's lr


@pytest.mark.parametrize("how", ["norm", "value"])
def test_clipped_gradients_are_the_ones_the_worked_update_uses(how):
    history = run_session(script_path("clip_grad.py"), argv=[how]).history
    steps = [(history[i - 1], history[i]) for i in range(1, len(history)) if "step" in history[i].phases]
    for previous, snapshot in steps:
        checks = update_checks(snapshot, previous)
        assert checks and all(check.ok for check in checks), checks


def test_a_wrong_hand_computation_would_be_caught(linear):
    # The check compares with the real value: a tampered "actual" must fail it.
    history = linear.history
    i = next(i for i, s in enumerate(history) if "step" in s.phases)
    check = update_checks(history[i], history[i - 1])[0]
    tampered = type(check)(check.param, check.index, check.formula, check.expected, check.actual + 0.01)
    assert not tampered.ok


def test_warnings_are_part_of_the_explanation():
    snapshot = next(s for s in run_script("shape_broadcast.py").history if s.warnings)
    assert any(p.startswith("⚠") and "broadcast" in p for p in explain(snapshot, None))


def test_gradients_returned_by_autograd_grad_are_not_called_missing():
    snapshot = next(s for s in run_script("autograd_grad_update.py").history if s.phases == ("backward",))
    assert all(grad is None for grad in snapshot.grads.values())
    text = " ".join(explain(snapshot, None))
    assert "torch.autograd.grad" in text and "did not take part" not in text


def test_with_two_optimizers_each_step_is_explained_for_the_model_it_moved():
    history = run_script("gan_two_optimizers.py").history
    steps = [(history[i - 1], history[i]) for i in range(1, len(history)) if "step" in history[i].phases]
    firsts = [explain(snapshot, previous)[0] for previous, snapshot in steps]
    assert firsts[0].startswith("step: SGD updated 4 of the 8 parameters (D.0.weight, D.0.bias, D.2.weight")
    assert firsts[1].startswith("step: SGD updated 4 of the 8 parameters (G.0.weight, G.0.bias, G.2.weight")
    for previous, snapshot in steps:
        checks = update_checks(snapshot, previous)
        assert checks and all(check.ok for check in checks)
        model = "D." if snapshot.line == steps[0][1].line else "G."
        assert {check.param[:2] for check in checks} == {model}


def test_backward_explains_the_gradients_it_filled_first_and_names_the_rest():
    history = run_script("gan_two_optimizers.py").history
    text = explain(history[3], history[2])[0]  # loss_d.backward(): only D's gradients
    assert text.index("D.0.weight.grad") < text.index("G.0.weight")
    assert "G.0.weight, G.0.bias, G.2.weight, G.2.bias: .grad is None" in text
    assert "did not take part" not in text


def test_a_loss_is_compared_with_the_same_lines_loss_last_time():
    history = run_script("loss_over_lines.py").history
    found = [s for s in history if "loss" in s.phases]
    assert len(found) == 3 and all(s.code.startswith("mse = ") for s in found)
    assert "The last time" not in explain(found[0], None)[-1]  # nothing to compare with yet
    for before, now in zip(found, found[1:], strict=False):
        text = explain(now, None)[-1]
        assert f"The last time this line ran it was {num(before.loss)}" in text
    # The total (what the step optimised) is what the pauses after the loss line show.
    assert history[history.index(found[0]) + 1].loss != found[0].loss


def test_piled_up_gradients_are_read_from_what_this_backward_added():
    # forgot-zero-grad: .grad is the sum of every backward so far; the sign reading must be the new
    # gradient's (the difference), not the sum's.
    history = run_session(find_lesson("forgot-zero-grad").path, max_steps=4).history
    backwards = [i for i, s in enumerate(history) if s.phases == ("backward",)]
    i = backwards[-1]
    now, before = history[i].grads["model.weight"].values[0], history[i - 1].grads["model.weight"].values[0]
    text = explain(history[i], history[i - 1])[0]
    own = now - before
    sign = "negative" if own < 0 else "positive"
    assert f"This backward's own part of model.weight.grad = {num(own)} is {sign}" in text
    assert f"model.weight.grad now holds the sum, {num(now)}" in text


def test_a_clearing_before_a_backward_on_one_line_leaves_nothing_for_it_to_add_to():
    session = run_script("one_line_iteration.py")
    history = session.history
    second = [s for s in history if s.phases == ("zero_grad", "backward", "step")][1]
    previous = history[second.index - 1]
    text = " ".join(explain(second, previous))
    assert "It cleared the gradients, and the backward after it on the same line filled them" in text
    for wrong in ("own part", "added its gradient", "No gradient was cleared"):
        assert wrong not in text
    grad = second.grads["model.weight"].values[0]
    assert f"model.weight.grad = {num(grad)}" in text  # (the whole gradient is this backward's)


def test_zero_grad_says_what_it_really_did_when_the_knob_skips_it():
    session = Session(load_script(find_lesson("linear").path), seed=0, mode="continue", max_steps=2)
    session.skip_zero_grad(True)
    session.start()
    session.join(120)
    history = session.history
    second = [i for i, s in enumerate(history) if s.phases == ("zero_grad",)][1]
    text = explain(history[second], history[second - 1])[0]
    assert "knob (z) made this call do nothing" in text and "Every .grad is now None" not in text


def test_nan_and_inf_are_not_read_as_directions_and_nan_updates_check():
    history = run_session(find_lesson("lr-too-high").path).history
    bad = [i for i, s in enumerate(history) if "step" in s.phases and s.params["model.weight"].nan]
    assert bad, "the lesson never reached NaN"
    for i in bad[:3]:
        checks = update_checks(history[i], history[i - 1])
        assert checks and all(check.ok for check in checks)
    nan_backward = next(s for s in history if "backward" in s.phases and s.grads["model.weight"].nan)
    text = explain(nan_backward, history[nan_backward.index - 1])[0]
    assert "no direction can be read from it" in text and "is positive" not in text


def test_the_worked_update_shows_elements_the_gradient_moved():
    # train-eval: many of the first layer's units are dead ReLUs (zero gradient); the worked example
    # picks elements that moved, so it shows arithmetic that changes something.
    history = run_session(find_lesson("train-eval").path, max_steps=3).history
    i = next(i for i, s in enumerate(history) if "step" in s.phases)
    checks = update_checks(history[i], history[i - 1])
    grads = history[i].grads
    moved = [c for c in checks if grads[c.param].values[c.index] != 0]
    assert checks and all(c.ok for c in checks)
    for name in {c.param for c in checks}:  # per parameter: zero-gradient elements only if needed
        nonzero = sum(1 for g in grads[name].values if g != 0)
        shown = [c for c in moved if c.param == name]
        assert len(shown) == min(nonzero, sum(1 for c in checks if c.param == name))


def test_a_forward_in_eval_mode_says_what_eval_mode_changed():
    history = run_script("evaluate_properly.py").history
    evaluated = next(s for s in history if s.mode == "eval, no_grad")
    trained = next(s for s in history if "forward" in s.phases and s.mode is None)
    said, plain = " ".join(explain(evaluated, None)), " ".join(explain(trained, None))
    assert "eval mode" in said and "batch-norm" in said
    assert "eval mode" not in plain
    # A pause a run passed at full speed keeps no predictions, but still says how the model ran.
    passed = " ".join(explain(dataclasses.replace(evaluated, preds=None, skipped_views=True), None))
    assert "eval mode" in passed and "Gradients were off" in passed


def test_a_backward_whose_gradients_are_all_zero_says_nothing_will_move():
    history = run_script("loss_input_mistakes.py").history  # the first loss: one class, loss 0
    backward = next(s for s in history if s.phases == ("backward",))
    said = " ".join(explain(backward, history[backward.index - 1]))
    assert "Every gradient is exactly 0" in said
    later = [s for s in history if s.phases == ("backward",)][1]
    assert "Every gradient is exactly 0" not in " ".join(explain(later, history[later.index - 1]))


def test_a_parameter_that_has_settled_is_not_blamed_on_the_learning_rate():
    # The default lesson's bias stops moving from step 68 on: its gradient is all but zero, and
    # 0.1 × 5e-07 is below float32's step near 1.0. The lr (0.1) is fine.
    history = run_session(find_lesson("linear").path).history
    pairs = zip(history, history[1:], strict=False)
    said = ["\n".join(explain(b, a)) for a, b in pairs if "step" in b.phases]
    settled = [text for text in said if "model.bias did not change" in text]
    assert settled and all("It has settled" in text and "far too small" not in text for text in settled)


def test_a_parameter_whose_update_rounds_away_in_float32_is_explained_not_called_skipped():
    history = run_script("update_rounds_away.py").history
    previous, step = next((a, b) for a, b in zip(history, history[1:], strict=False) if "step" in b.phases)
    assert step.params["model.bias"] == previous.params["model.bias"]  # (it really did not move)
    text = "\n".join(explain(step, previous))
    assert "updated 1 of the 2 parameters (model.weight)" in text
    assert "model.bias did not change, though its gradient is not zero" in text and "rounds away" in text
    assert "The learning rate is far too small for it." in text  # (lr 1e-8)
    assert "model.weight did not change" not in text  # (the weight's update is well above its gap)
