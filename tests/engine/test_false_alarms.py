"""Correct training recipes stepper used to misreport: LBFGS's inner updates counted as steps, SAM's climb
and return counted as steps (and called an edit after the step), an FGSM attack's backward called
stale gradients, and a batch-norm recalibration called an evaluation that forgot `model.eval()`.

Each recipe is checked for what a learner sees (phases, step count, warnings, values), and each has a
variant with a real mistake that must still be named.
"""

from __future__ import annotations

import pytest
from engine_helpers import line_of, phases_of, run_script, run_session, script_path

F, L, Z, B, S = "forward", "loss", "zero_grad", "backward", "step"


def warnings_of(session) -> list[tuple[int, tuple[str, ...], str]]:
    return [(s.index, s.phases, w.code) for s in session.history for w in s.warnings]


def values(snapshot, which: str = "params") -> list[float]:
    return [v for stats in getattr(snapshot, which).values() for v in stats.values]


# --- LBFGS: one step per step(closure) call ---------------------------------------------------------


def test_lbfgs_iterating_inside_one_step_call_is_one_step():
    session = run_script("lbfgs_iterations.py")  # max_iter=3: the closure runs 3 times per step()
    closure = [(Z,), (F, L), (B,)]
    assert phases_of(session) == (closure * 3 + [(S,)]) * 2
    assert session.end.steps == 2  # two calls of optimizer.step(closure)
    step_line = line_of("lbfgs_iterations.py", "optimizer.step(closure)")
    assert [s.line for s in session.history if S in s.phases] == [step_line, step_line]
    # The closure's pauses show the parameters where LBFGS has got to: they move between its calls.
    first, second = (values(s) for s in session.history[0:4:3])
    assert first != second
    assert warnings_of(session) == []


def test_a_closure_that_raises_inside_step_leaves_later_updates_counted():
    session = run_script("lbfgs_closure_raises.py")
    assert session.end.status == "ok"
    updates = [s.code.strip() for s in session.history if S in s.phases]
    assert updates == ["w -= 0.1 * w.grad"] * 2


# --- SAM: the climb and the return are part of the one update ----------------------------------------


def test_sam_written_in_the_loop_is_one_update_per_iteration_with_no_warning():
    session = run_script("sam_by_hand.py")
    one = [
        ((Z,), ("optimizer.zero_grad()", 0)),
        ((F, L), "loss = loss_fn(model(x), y)"),
        ((B,), "loss.backward()"),
        ((Z,), ("optimizer.zero_grad()", 1)),
        ((F, L, B), "loss_fn(model(x), y).backward()"),
        ((S,), "optimizer.step()"),
    ]
    assert phases_of(session) == [phases for phases, _ in one] * 2
    expected_lines = [line_of("sam_by_hand.py", *(t if isinstance(t, tuple) else (t,))) for _, t in one]
    assert [s.line for s in session.history] == expected_lines * 2
    assert session.end.steps == 2
    assert warnings_of(session) == []


def test_sam_pauses_show_the_climb_and_the_update_made_from_where_it_started():
    session = run_script("sam_by_hand.py")
    start, climbed, stepped = session.history[2], session.history[4], session.history[5]
    # The second forward ran at the climbed point: its pause shows the parameters moved along the
    # first gradient (by rho = 0.05 in all).
    moved = [b - a for a, b in zip(values(start), values(climbed), strict=True)]
    assert sum(d * d for d in moved) ** 0.5 == pytest.approx(0.05, rel=1e-4)
    # The update starts from where the climb started, with the gradients taken at the climbed point.
    expected = [p - 0.1 * g for p, g in zip(values(start), values(climbed, "grads"), strict=True)]
    assert values(stepped) == pytest.approx(expected, abs=1e-6)


def test_sam_as_an_optimizer_class_is_one_update_per_iteration_with_no_warning():
    session = run_script("sam_optimizer.py")
    one = [(F, L), (B,), (Z,), (F, L, B), (S, Z)]  # first_step clears, second_step steps and clears
    assert phases_of(session) == one * 2
    codes = [s.code.strip() for s in session.history[:5]]
    assert codes[2] == "optimizer.first_step(zero_grad=True)"
    assert codes[4] == "optimizer.second_step(zero_grad=True)"
    assert session.end.steps == 2
    assert warnings_of(session) == []


def test_weight_decay_written_by_hand_before_the_step_is_part_of_that_step():
    session = run_script("weight_decay_decoupled.py")
    assert phases_of(session) == [(Z,), (F, L), (B,), (S,)] * 2
    assert [s.code.strip() for s in session.history if S in s.phases] == ["optimizer.step()"] * 2
    assert warnings_of(session) == []


def test_an_optimizer_used_only_to_clear_gradients_still_gets_its_hand_written_updates_counted():
    # The script never calls a step, and no optimizer is seen stepping: its updates by hand are its
    # updates, every one of them (the script makes four).
    session = run_script("optimizer_for_zero_grad_only.py")
    assert [s.code.strip() for s in session.history if S in s.phases] == ["p -= 0.1 * p.grad"] * 4
    assert session.end.steps == 4
    assert warnings_of(session) == []


def test_a_scheduler_stepping_an_optimizer_used_only_to_clear_gradients_leaves_every_update_counted():
    # `scheduler.step()` is the script's only `.step()`: it is looked up, found to be a scheduler, and
    # the hand-written updates stay updates from the first (the first two were taken for moves made
    # before an optimizer's step that never came).
    session = run_script("zero_grad_only_with_scheduler.py")
    assert [s.code.strip() for s in session.history if S in s.phases] == ["p -= lr * p.grad"] * 4
    assert session.end.steps == 4
    assert warnings_of(session) == []


def test_a_vae_returning_its_code_with_the_reconstruction_compares_no_broadcast_shapes():
    # mu and logvar ([16, 4]) came back with the reconstruction ([16, 20]): they are not the
    # predictions, and the reconstruction term's [16, 20] is no broadcast of them.
    session = run_script("vae.py")
    assert warnings_of(session) == []
    assert session.end.steps == 2


def test_weights_restored_with_load_state_dict_are_no_step_and_no_edit_after_one():
    session = run_script("restore_best_weights.py")
    assert session.end.steps == 4
    assert warnings_of(session) == []
    # The pause after the restore shows the weights loaded, which are those of some earlier step.
    stepped = [values(s) for s in session.history if S in s.phases]
    assert values(session.history[-1]) in stepped[:-1]


def test_a_helper_that_updates_each_parameter_on_its_own_line_is_one_update_without_a_warning():
    # d2l's `sgd(params, lr, batch_size)`: `for param in params: param -= ...` inside a function. Its
    # second parameter's change is more of the same update, not an edit after it.
    session = run_script("d2l_sgd.py")
    assert session.end.steps == 4
    assert warnings_of(session) == []


def test_an_average_kept_by_hand_in_a_copy_no_optimizer_holds_is_no_edit_of_the_trained_model():
    session = run_script("ema_by_hand.py")
    assert session.end.steps == 6
    assert warnings_of(session) == []


def test_an_update_by_hand_from_the_gradients_then_the_optimizers_step_is_named_as_a_double_update():
    # The update by hand is folded into the step (as SAM's moves are), but it used the gradients
    # themselves, and then the step used them again: two updates an iteration, said once.
    session = run_script("double_update.py")
    assert session.end.steps == 3
    step_line = line_of("double_update.py", "optimizer.step()")
    said = [(s.line, code) for s in session.history for w in s.warnings for code in [w.code]]
    assert said == [(step_line, "double-update")]
    (warning,) = [w for s in session.history for w in s.warnings]
    assert f"Line {line_of('double_update.py', 'p -= 0.05 * p.grad')}" in warning.message


def test_an_edit_after_the_step_is_still_named():
    # WGAN's clamp after the optimizer's step is an edit of its own (not a move before a step).
    assert [code for _, _, code in warnings_of(run_script("weight_clipping.py"))] == ["edited-after-step"]


# --- FGSM: an input's backward before zero_grad -------------------------------------------------------


def test_an_fgsm_attacks_backward_before_zero_grad_is_no_stale_gradient():
    session = run_script("fgsm_training.py")
    one = [(F, L), (B,), (Z,), (F, L), (B,), (S,)]
    assert phases_of(session) == one * 3  # (making the next x_adv is no update)
    assert session.end.steps == 3
    assert warnings_of(session) == []
    # The adversarial example is data whose gradient is taken, not a parameter.
    assert all("x_adv" not in s.params for s in session.history)


def test_an_fgsm_loop_without_its_zero_grad_is_still_named():
    session = run_session(script_path("fgsm_training.py"), argv=["no-zero-grad"])
    found = warnings_of(session)
    # The training backward adds to the attack's gradients; the next iteration's update uses the
    # old gradients: named at that step, since no zero_grad threw them away first.
    assert (3, (B,), "grad-accumulate") in found
    assert (9, (S,), "stale-grad") in found
    assert {code for _, _, code in found} == {"grad-accumulate", "stale-grad"}


def test_forgetting_zero_grad_is_still_named_at_the_second_backward():
    assert warnings_of(run_script("no_zero_grad.py")) == [(6, (B,), "stale-grad")]


def test_an_input_an_optimizer_trains_is_a_parameter():
    session = run_script("optimise_the_input.py")
    assert "image" in session.history[-1].params
    assert session.end.steps == 3


def test_an_input_optimised_by_hand_becomes_a_parameter_when_given_to_the_model_again():
    # Given to the model with a gradient a second time, the image is seen to be optimised: from then
    # on it is watched and each update is a step (the first, before that, goes unseen).
    session = run_session(script_path("optimise_the_input.py"), argv=["by-hand"])
    assert "image" in session.history[-1].params
    assert [s.code.strip() for s in session.history if S in s.phases] == ["image += 0.1 * image.grad"] * 2


@pytest.mark.parametrize("argv", [[], ["in-place"]], ids=["x + delta", "in place"])
def test_pgd_attack_steps_move_data_not_the_model(argv):
    # Three attack steps per batch, each a backward and an update of the input by hand: one training
    # step per batch, and the perturbation is no parameter (a model that trains too is not a frozen
    # model whose input is being optimised).
    session = run_session(script_path("pgd_training.py"), argv=argv)
    assert session.end.steps == 4
    assert all(name.startswith("model.") for name in session.history[-1].params)
    assert warnings_of(session) == []


# --- precise BN: train-mode forwards under no_grad after a reset -------------------------------------


@pytest.mark.parametrize("argv", [[], ["layer"]], ids=["model.apply", "reset_running_stats"])
def test_recomputing_batch_norm_statistics_after_a_reset_is_no_evaluation_in_train_mode(argv):
    session = run_session(script_path("precise_bn.py"), argv=argv)
    assert session.end.status == "ok"
    recalibration = line_of("precise_bn.py", "model(x[i : i + 16])")
    assert sum(s.line == recalibration for s in session.history) == 8  # 4 batches, 2 epochs
    assert warnings_of(session) == []


def test_an_evaluation_in_train_mode_after_a_recalibration_is_still_named():
    session = run_session(script_path("precise_bn.py"), argv=["forgot-eval"])
    found = [w for s in session.history for w in s.warnings]
    assert [w.code for w in found] == ["eval-in-train-mode"]
    evaluation = line_of("precise_bn.py", "accuracy = (model(x).argmax(1) == y).float().mean().item()")
    assert f"line {evaluation}" in found[0].message
