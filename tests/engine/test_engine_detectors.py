"""Detectors: each fires on its case, once, with a stable code, and stays silent on a clean loop."""

import json
import math

import pytest
from engine_helpers import line_of, run_cli_many, run_script, run_session, script_path

from stepper.lessons import find_lesson


def codes(session):
    return [(s.index, s.phases, w.code) for s in session.history for w in s.warnings]


def test_the_clean_default_lesson_raises_no_warning():
    session = run_session(find_lesson("linear").path)
    assert codes(session) == []


def test_shape_broadcast_fires_at_the_loss_for_module_and_hand_written_losses():
    found = codes(run_script("shape_broadcast.py"))
    assert found == [(1, ("loss",), "shape-broadcast")]
    snapshot = run_script("shape_broadcast.py").history[1]
    assert "[20, 1]" in snapshot.warnings[0].message and "[20, 20]" in snapshot.warnings[0].message


def test_forgetting_zero_grad_is_called_stale_gradients_at_the_second_backward():
    found = codes(run_script("no_zero_grad.py"))
    assert found == [(6, ("backward",), "stale-grad")]


def test_two_backwards_before_a_step_may_be_intended_accumulation():
    found = codes(run_script("accumulation_scheduler.py"))
    assert found and {code for _, _, code in found} == {"grad-accumulate"}
    assert all(phases == ("backward",) for _, phases, _ in found)


def test_nonfinite_fires_when_the_loss_blows_up_and_again_when_nan_appears():
    session = run_script("diverging.py")
    found = codes(session)
    assert [code for _, _, code in found] == ["nonfinite", "nonfinite"]
    first, then = found[0][0], found[1][0]
    assert session.history[first].nonfinite and not session.history[first - 1].nonfinite
    assert not any(_has_nan(s) for s in session.history[:then]) and _has_nan(session.history[then])


def _has_nan(snapshot) -> bool:
    tensors = [*snapshot.params.values(), *(g for g in snapshot.grads.values() if g is not None)]
    return (snapshot.loss is not None and math.isnan(snapshot.loss)) or any(t.nan for t in tensors)


def test_warnings_appear_in_the_plain_transcript_and_the_jsonl_pause():
    path = script_path("shape_broadcast.py")
    results = run_cli_many({"plain": ["run", path, "--plain"], "jsonl": ["run", path, "--jsonl"]})
    assert "warning [shape-broadcast]" in results["plain"].stdout
    jsonl = results["jsonl"]
    pauses = [json.loads(line) for line in jsonl.stdout.splitlines()][:-1]
    assert [p["warnings"][0]["code"] for p in pauses if p["warnings"]] == ["shape-broadcast"]
    assert all(set(w) == {"code", "message"} for p in pauses for w in p["warnings"])


def test_grad_scaler_scaled_gradients_and_skipped_steps_are_explained():
    session = run_script("grad_scaler.py")
    found = codes(session)
    # The first backward is scaled by 2^127: its gradients overflow, and the step skips the update.
    assert found[:2] == [(3, ("backward",), "scaled-grads"), (3, ("backward",), "nonfinite")]
    skipped = [(index, phases) for index, phases, code in found if code == "skipped-step"]
    assert skipped == [(4, ("forward",)), (8, ("forward",))]  # reported at the next pause
    first, second = (session.history[index].warnings[-1].message for index, _ in skipped)
    assert "at scale 2^127" in first and "at scale 2^126" in second and "by 0.5" in first
    # The overflow is explained as the scaler's doing, not as a learning rate blowing up.
    overflow = session.history[3].warnings[1].message
    assert "GradScaler multiplied the loss by 2^127" in overflow and "learning rate" not in overflow
    assert "2^127 times the true gradient" in session.history[3].warnings[0].message
    # Every scaled backward says so (each one's gradients are scaled), not only the first.
    scaled = [index for index, _, code in found if code == "scaled-grads"]
    assert scaled == [i for i, s in enumerate(session.history) if s.phases == ("backward",)]
    # No step pause until an update happened: two iterations skipped theirs, six of eight applied.
    assert [s.phases for s in session.history[:12]].count(("step",)) == 0
    assert session.end.steps == 6 and session.history[12].phases == ("step",)


def test_grad_scaler_notices_are_not_raised_without_a_scaler():
    # The same loop's scaler notices need a GradScaler: an ordinary loop with an overflow keeps
    # the learning-rate explanation.
    session = run_script("diverging.py")
    messages = [w.message for s in session.history for w in s.warnings]
    assert messages and all("GradScaler" not in m for m in messages)
    assert "learning rate" in messages[0]


def test_no_shape_warning_from_a_penalty_term_that_never_meets_the_predictions():
    # An L2 penalty over weights bigger than the predictions, and a gradient penalty's own tensors:
    # only operations between the loss and the predictions can show a broadcast.
    assert codes(run_script("weight_decay_by_hand.py")) == []
    assert codes(run_script("gradient_penalty.py")) == []


def test_clipping_is_reported_at_the_step_with_the_factor_it_applied():
    session = run_script("clip_grad.py")
    assert codes(session) == [(4, ("step",), "grad-clipped")]  # once per line: the first time
    step = session.history[4]
    message = step.warnings[0].message
    total = float(message.split("total norm was ")[1].split(",")[0])
    assert total > 0.5 and "max_norm 0.5" in message
    # The gradients shown at the step are the clipped ones: their total norm is the limit.
    clipped = math.sqrt(sum(g.norm**2 for g in step.grads.values()))
    assert clipped == pytest.approx(0.5, rel=1e-3)
    backward = session.history[3]
    assert math.sqrt(sum(g.norm**2 for g in backward.grads.values())) == pytest.approx(total, rel=1e-3)


def test_value_clipping_is_reported_with_how_many_values_it_cut():
    session = run_session(script_path("clip_grad.py"), argv=["value"])
    assert codes(session) == [(4, ("step",), "grad-clipped")]
    message = session.history[4].warnings[0].message
    backward = session.history[3].grads
    beyond = sum(1 for g in backward.values() for v in g.values if abs(v) > 0.5)
    assert beyond > 0 and f"cut {beyond} of the 4 gradient values to ±0.5" in message
    assert all(abs(v) <= 0.5 for g in session.history[4].grads.values() for v in g.values)


def test_an_edit_after_the_step_is_reported_and_shown():
    session = run_script("weight_clipping.py")
    assert codes(session) == [(4, ("forward", "loss"), "edited-after-step")]  # once per line
    assert "Line 18 changed parameters in place after the step" in session.history[4].warnings[0].message
    # The step pause shows the step's own values; the pause after it, the clamped ones.
    stepped = [v for stats in session.history[3].params.values() for v in stats.values]
    after = [v for stats in session.history[4].params.values() for v in stats.values]
    assert max(map(abs, stepped)) > 0.31 and max(map(abs, after)) <= 0.3 + 1e-6  # (a float32 0.3)


def _warned(name):
    """(the pause's line of code, the warning's code) for every warning of a script in tests/scripts."""
    session = run_script(name)
    return [(s.code.strip(), w.code) for s in session.history for w in s.warnings], session


def test_an_evaluation_in_eval_mode_with_gradients_on_is_named_when_training_resumes():
    found, session = _warned("eval_with_grad.py")
    # said once, when the model is next called in train mode: that output was never trained on
    assert found == [("preds = model(x)", "eval-with-grad")]
    assert "line 21" in next(w.message for s in session.history for w in s.warnings)


def test_losses_from_a_line_that_no_backward_used_twice_running_are_named_there():
    found, _ = _warned("val_loss_mid_step.py")  # (the third validation loss: two went unused)
    assert found == [("val_loss = loss_fn(model(x_val), y_val)", "eval-with-grad")]


def test_evaluating_under_no_grad_in_train_mode_is_named_when_the_model_runs_again():
    found, session = _warned("eval_in_train_mode.py")
    # (not at once: a no-grad forward whose output fed another model was data, a GAN's fakes)
    assert found == [("loss = loss_fn(model(x), y)", "eval-in-train-mode")]
    message = next(w.message for s in session.history for w in s.warnings)
    line = line_of("eval_in_train_mode.py", "return (model(x).argmax(1) == y).float().mean().item()")
    assert f"line {line}" in message
    assert "dropout" in message and "batch-norm" in message and "model.eval()" in message


def test_training_on_after_an_evaluation_left_the_model_in_eval_mode_is_named_at_the_update():
    found, _ = _warned("train_in_eval_mode.py")  # (once its optimizer steps with those gradients)
    assert found == [("optimizer.step()", "train-in-eval-mode")]


def test_an_evaluation_done_right_raises_no_mode_warning():
    found, _ = _warned("evaluate_properly.py")
    assert found == []


def test_classification_losses_given_the_wrong_inputs_are_named_at_their_loss():
    found, session = _warned("loss_input_mistakes.py")
    assert [code for _, code in found] == [
        "single-class-ce", "softmax-into-ce", "sigmoid-into-logits-loss", "nll-not-log-probs",
    ]  # fmt: skip
    assert [line.split("(")[0] for line, _ in found] == [
        "loss = nn.CrossEntropyLoss", "loss = F.cross_entropy",
        "loss = nn.BCEWithLogitsLoss", "loss = F.nll_loss",
    ]  # fmt: skip
    # the first is why nothing learns: its loss is exactly 0
    assert session.history[0].loss == 0


def test_zero_grad_between_backward_and_step_is_named_at_the_step_that_found_no_gradients():
    found, session = _warned("zero_grad_after_backward.py")
    assert found == [("optimizer.step()", "zero-grad-before-step")]
    assert session.history[0].params == session.history[-1].params  # and indeed nothing moved


def test_a_loss_doubling_update_after_update_is_named_before_it_overflows():
    session = run_session(find_lesson("lr-too-high").path)
    found = [(s.index, s.phases, w.code) for s in session.history for w in s.warnings]
    rising = [index for index, phases, code in found if code == "loss-rising"]
    first_nonfinite = min(index for index, _, code in found if code == "nonfinite")
    assert len(rising) == 1 and rising[0] < first_nonfinite
    snapshot = session.history[rising[0]]
    assert "step" in snapshot.phases
    curve = list(snapshot.loss_history)[-4:]
    assert all(2 * a < b for a, b in zip(curve, curve[1:], strict=False))


def test_a_running_total_of_loss_tensors_is_named_once_at_its_line():
    found, session = _warned("weight_penalty.py")  # `running = running + loss` after backward
    assert found == [("optimizer.step()", "loss-graph-kept")]  # (said at the next pause, naming the line)
    line = line_of("weight_penalty.py", "running = running + loss")
    assert f"Line {line} adds up losses" in next(w.message for s in session.history for w in s.warnings)


def test_correct_patterns_that_look_like_the_mode_and_loss_mistakes_raise_no_warning():
    # a GAN's no-grad fakes, two losses for two optimizers, an eval-mode adversarial attack through
    # autograd.grad before training in train mode, a target network no optimizer trains, Monte Carlo
    # dropout
    found, _ = _warned("evaluation_patterns_done_right.py")
    assert found == []


def test_loss_rising_needs_the_loss_to_pass_everything_before_the_rise():
    from stepper.engine import Session, load_script

    said = []

    class Tracer:
        def notice(self, notice):
            said.append(notice.code)

    session = Session(load_script(find_lesson("linear").path))
    session._tracer = Tracer()
    session._loss_history = [2.0, 0.5, 0.01, 0.03, 0.07, 0.2]  # batch-size-1 noise near the minimum
    session._check_rising()
    assert said == []
    session._loss_history = [2.0, 2.5, 5.1, 11.0, 25.0]  # diverging
    session._check_rising()
    assert said == ["loss-rising"]


def test_minibatch_losses_rising_with_the_data_are_no_divergence_but_a_diverging_run_still_is():
    # Batches of sorted data: each batch's loss doubles over the first epoch while the model learns.
    session = run_script("sorted_minibatches.py")
    assert [w.code for s in session.history for w in s.warnings] == []
    assert session.end.steps == 12
    # Minibatches and a learning rate far too high: said before the loss overflows.
    session = run_script("minibatches_diverging.py")
    found = [(s.index, w.code) for s in session.history for w in s.warnings]
    rising = [index for index, code in found if code == "loss-rising"]
    assert len(rising) == 1 and rising[0] < min(index for index, code in found if code == "nonfinite")


def test_an_embedding_that_renormalises_its_rows_is_named_as_the_models_own_edit():
    found, session = _warned("embedding_max_norm.py")
    assert found == [("preds = model(tokens)", "edited-after-step")]  # (said once)
    message = next(w.message for s in session.history for w in s.warnings)
    assert "max_norm" in message and "model's forward on line 15" in message


def test_targets_repeated_across_a_row_of_predictions_are_named_at_the_loss():
    found, session = _warned("repeated_targets.py")
    assert found == [("loss = loss_fn(model(x), labels)", "shape-broadcast")]
    message = next(w.message for s in session.history for w in s.warnings)
    assert "[24, 3]" in message and "[24, 1]" in message and "repeated each target 3 times" in message
