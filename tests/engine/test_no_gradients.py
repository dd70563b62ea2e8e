"""Steps that had no gradients to apply, and gradients no step applied: a learner's loop with a line
missing or out of order runs without an error and learns nothing. Each case is named at the pause
where it shows, with what went wrong."""

from __future__ import annotations

from engine_helpers import line_of, run_script

STEP, BACKWARD = ("step",), ("backward",)


def warnings_of(session) -> list[tuple[tuple[str, ...], int, str]]:
    return [(s.phases, s.line, w.code) for s in session.history for w in s.warnings]


def test_backward_without_parentheses_is_named_at_the_first_step_and_not_called_an_evaluation():
    name = "backward_without_parentheses.py"
    session = run_script(name)
    step_line = line_of(name, "optimizer.step()")
    assert warnings_of(session) == [(STEP, step_line, "step-without-backward")]
    notice = session.history[[s.phases for s in session.history].index(STEP)].warnings[0]
    assert f"line {line_of(name, 'loss = nn.functional.mse_loss(model(x), y)')}" in notice.message
    assert "`loss.backward`" in notice.message
    # The parameters never change: the steps had nothing to apply.
    first, last = session.history[0].params, session.history[-1].params
    assert all(first[name].values == last[name].values for name in first)


def test_a_step_before_the_backward_is_named_and_not_blamed_on_zero_grad():
    name = "step_before_backward.py"
    session = run_script(name)
    assert warnings_of(session) == [(STEP, line_of(name, "optimizer.step()"), "step-without-backward")]


def test_gradients_cleared_before_any_step_used_them_are_named_at_the_next_backward():
    name = "no_optimizer_step.py"
    session = run_script(name)
    assert session.end.steps == 0
    assert warnings_of(session) == [(BACKWARD, line_of(name, "loss.backward()"), "grads-unused")]
    message = next(s for s in session.history if s.warnings).warnings[0].message
    assert f"backward at line {line_of(name, 'loss.backward()')}" in message
    assert f"zero_grad at line {line_of(name, 'optimizer.zero_grad()')}" in message


def test_a_backward_that_reaches_no_parameter_of_the_optimizer_is_named_at_its_step():
    name = "loss_rebuilt_from_number.py"
    session = run_script(name)
    found = warnings_of(session)
    assert [w for w in found if w[2] != "eval-with-grad"] == [
        (STEP, line_of(name, "optimizer.step()"), "grads-not-reached")
    ]
    # (The real loss, `error`, is never backpropagated: that its graph was kept for nothing is true too.)
    assert [w[1] for w in found if w[2] == "eval-with-grad"] in (
        [],
        [line_of(name, "error = ((model(x) - y) ** 2).mean()")],
    )


def test_a_step_and_a_zero_grad_on_one_line_judge_the_gradients_the_step_found():
    # The zero_grad after the step on its line has cleared them by the time the line is over.
    session = run_script("step_and_zero_grad_on_one_line.py")
    assert [s.phases for s in session.history][-1] == ("step", "zero_grad")
    assert warnings_of(session) == []
    name = "unreached_step_and_zero_grad_on_one_line.py"
    step_line = line_of(name, "optimizer.step(); optimizer.zero_grad()  # noqa: E702")
    found = [w for w in warnings_of(run_script(name)) if w[2] != "eval-with-grad"]
    assert found == [(("step", "zero_grad"), step_line, "grads-not-reached")]


def test_correct_loops_say_none_of_this():
    for name in ("module_optimizer.py", "accumulation_scheduler.py", "gan_two_optimizers.py",
                 "fgsm_training.py", "lbfgs_closure.py", "raw_tensors.py",
                 "step_and_zero_grad_on_one_line.py"):  # fmt: skip
        codes = {code for _, _, code in warnings_of(run_script(name))}
        assert not codes & {"step-without-backward", "grads-not-reached", "grads-unused"}, name
