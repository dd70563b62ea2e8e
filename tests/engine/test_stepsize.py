"""`lr-too-low`: the step-size ratio on its own, the watch fed pauses by hand, and whole scripts.

The ratio R of an update is how many times as long its step could have been and still reach the
bottom along its own direction (engine/stepsize.py). On a quadratic loss ½ Σ λᵢ pᵢ² an SGD step with
lr η gives exactly R = (g·g) / (η g·Hg), which the hand-made cases check against.
"""

from __future__ import annotations

import pytest
import torch
from engine_helpers import run_cli_many, run_script, script_path

from stepper.engine import detect
from stepper.engine.stats import summarize
from stepper.engine.stepsize import REACHED, STREAK, TOO_SHORT, Reading, StepSizeWatch, step_ratio


def expected_ratio(curvatures: list[float], point: list[float], lr: float) -> float:
    g = [c * p for c, p in zip(curvatures, point, strict=True)]
    return sum(x * x for x in g) / (lr * sum(c * x * x for c, x in zip(curvatures, g, strict=True)))


def sgd_readings(curvatures: list[float], point: list[float], lr: float) -> tuple[Reading, ...]:
    """(gradient, parameters before, after, next gradient) of one SGD step on the quadratic."""
    grad = tuple(c * p for c, p in zip(curvatures, point, strict=True))
    after = tuple(p - lr * g for p, g in zip(point, grad, strict=True))
    next_grad = tuple(c * p for c, p in zip(curvatures, after, strict=True))
    return tuple(Reading({"w": values}) for values in (grad, tuple(point), after, next_grad))


@pytest.mark.parametrize("lr", [0.5, 0.01, 1e-4])
def test_the_ratio_is_how_far_the_bottom_of_the_parabola_lies_along_the_step(lr):
    curvatures, point = [2.0, 0.5, 1.0], [1.0, -2.0, 0.5]
    ratio = step_ratio(*sgd_readings(curvatures, point, lr))
    assert ratio == pytest.approx(expected_ratio(curvatures, point, lr), rel=1e-9)


def test_the_ratio_is_zero_for_an_overshoot_and_unknown_without_a_bottom():
    grad, before, after, next_grad = sgd_readings([1.0, 1.0], [1.0, 1.0], 0.1)
    uphill = Reading({"w": tuple(-v for v in grad.small["w"])})  # the step went against it
    assert step_ratio(uphill, before, after, next_grad) == 0.0
    assert step_ratio(grad, before, before, next_grad) is None  # nothing moved
    steeper = Reading({"w": tuple(2 * v for v in grad.small["w"])})  # bending down along the step
    assert step_ratio(grad, before, after, steeper) is None
    other = Reading({"v": next_grad.small["w"]})  # not the same tensors
    assert step_ratio(grad, before, after, other) is None


# --- the watch, fed pauses by hand -------------------------------------------------------------------


class QuadraticRun:
    """A canonical loop (forward, loss, zero_grad, backward, step: one pause each) minimising
    ½ Σ λᵢ pᵢ² by SGD, its pauses fed to a StepSizeWatch as the session does."""

    def __init__(self, curvatures, point, lr, lr_after=None):
        self.curvatures = torch.tensor(curvatures, dtype=torch.float32)
        self.p = torch.tensor(point, dtype=torch.float32)
        self.lr = lr
        self.lr_after = lr_after or (lambda step: lr)  # the lr at each update (a schedule)
        self.watch = StepSizeWatch()
        self.losses: list[float] = []
        self.notices = []
        self.step = 0
        self.shown, self.shown_from = None, None

    def live(self):
        return [("w", self.p)]

    def pause(self, phases, grads, line=10):
        params = {"w": summarize(self.p)}
        # As a snapshot does, the same dict while the gradients are the same unchanged tensors.
        if grads is None or self.shown is None or grads is not self.shown_from:
            self.shown, self.shown_from = {"w": None if grads is None else summarize(grads)}, grads
        shown = self.shown
        notice = self.watch.pause(
            phases, params, shown, self.live, line=line, lr=self.lr_after(self.step), losses=self.losses
        )
        if notice is not None:
            self.notices.append((self.step, notice))

    def iterate(self, backwards=1, edit_grads=False):
        self.pause(["zero_grad"], None)
        self.p.grad = None
        grad = torch.zeros_like(self.p)
        for _ in range(backwards):  # several: accumulated before one step
            grad = grad + self.curvatures * self.p
            self.p.grad = grad
            self.pause(["backward"], grad)
        if edit_grads:  # clipped in place between backward and step: summarised anew
            grad = grad * 0.5
            self.p.grad = grad
        self.losses.append(float((0.5 * self.curvatures * self.p * self.p).sum()))
        self.p = self.p - self.lr_after(self.step) * grad
        self.step += 1
        self.pause(["step"], grad)

    def run(self, iterations, **options):
        for _ in range(iterations):
            self.iterate(**options)
        return self


def test_a_run_far_too_slow_is_told_once_after_a_streak_of_short_updates():
    run = QuadraticRun([2.0, 0.5], [1.0, 2.0], lr=1e-3).run(40)
    assert min(run.watch.ratios) > TOO_SHORT
    # Update k is measured at the backward after it. At the backward that follows update STREAK, the
    # streak is complete and the loss has been seen to fall at each of the STREAK updates before.
    assert [step for step, _ in run.notices] == [STREAK + 1]
    message = run.notices[0][1].message
    assert run.notices[0][1].code == detect.LR_TOO_LOW
    assert "(0.001)" in message and "`]`" in message and "10×" in message


def test_a_sound_learning_rate_is_left_alone_even_where_later_updates_look_short():
    # Curvatures 100 and 0.01: at lr 0.009 the stiff direction settles at once (R ≈ 1), then only the
    # flat one is left, and every later update looks ~100× too short.
    run = QuadraticRun([100.0, 0.01], [1.0, 100.0], lr=0.009).run(60)
    assert run.watch.ratios[0] < REACHED
    assert run.watch.done and run.notices == []


def test_accumulated_or_edited_gradients_and_a_rising_lr_are_not_measured():
    slow = dict(curvatures=[2.0, 0.5], point=[1.0, 2.0], lr=1e-3)
    assert not QuadraticRun(**slow).run(40, backwards=2).watch.ratios
    assert not QuadraticRun(**slow).run(40, edit_grads=True).watch.ratios
    # A warm-up: the lr grows at each update (×1.1, still far too small at the end): every streak is
    # cut short by the next rise.
    warm_up = QuadraticRun(**slow, lr_after=lambda step: 1e-4 * 1.1**step).run(40)
    assert min(warm_up.watch.ratios) > TOO_SHORT and warm_up.notices == []


def test_nothing_is_said_while_the_loss_does_not_fall():
    run = QuadraticRun([2.0, 0.5], [1.0, 2.0], lr=1e-3)
    for _ in range(40):
        run.iterate()
        run.losses[-1] = 1.0  # as if the loss (another quantity than the one minimised) stayed put
    assert min(run.watch.ratios) > TOO_SHORT and run.notices == []


def test_big_tensors_are_read_from_a_sample_of_the_live_tensor():
    torch.manual_seed(0)
    curvatures = (torch.rand(5000) + 0.5).tolist()
    point = torch.randn(5000).tolist()
    run = QuadraticRun(curvatures, point, lr=1e-3).run(3)
    exact = expected_ratio(curvatures, point, 1e-3)
    assert run.watch.ratios[0] == pytest.approx(exact, rel=0.05)


def test_small_tensors_are_read_from_the_snapshot_values_alone():
    run = QuadraticRun([2.0, 0.5], [1.0, 2.0], lr=1e-3)

    def no_live():
        raise AssertionError("a tensor of at most 64 values has them all in the snapshot")

    run.live = no_live
    run.run(3)
    assert list(run.watch.ratios) == pytest.approx(
        [expected_ratio([2.0, 0.5], [1.0, 2.0], 1e-3)] * 2, rel=0.01
    )


# --- whole scripts -----------------------------------------------------------------------------------


def lr_warnings(session):
    return [(s.step, s.phases, w) for s in session.history for w in s.warnings if w.code == detect.LR_TOO_LOW]


@pytest.mark.parametrize(
    "name, lr_text",
    [("lr_too_low_own.py", "(0.0001)"), ("adam_lr_too_low.py", "(1e-05)"), ("lr_too_low_by_hand.py", None)],
)
def test_a_far_too_small_lr_is_told_once_at_an_update(name, lr_text):
    session = run_script(name)
    assert {w.code for s in session.history for w in s.warnings} == {detect.LR_TOO_LOW}
    found = lr_warnings(session)
    assert len(found) == 1
    step, phases, warning = found[0]
    # Said at the update after the streak was complete (by hand, the gradients are zeroed there too).
    assert phases[0] == "step" and step == STREAK + 2
    if lr_text is None:  # a hand-written update: no lr to quote, no knob that could change it
        assert "learning rate looks far too small" in warning.message and "`]`" not in warning.message
    else:
        assert lr_text in warning.message and "`]`" in warning.message
    assert "times as long" in warning.message


@pytest.mark.parametrize(
    "name",
    [
        "minibatch_good_lr.py", "ill_conditioned_fine.py", "converged_full_batch.py", "lr_warmup_decay.py",
        "heavy_momentum.py",
    ],
)  # fmt: skip
def test_sound_runs_that_crawl_or_take_short_steps_stay_quiet(name):
    session = run_script(name)
    assert [w.code for s in session.history for w in s.warnings] == []
    assert session.end.status == "ok" and session.end.steps >= 80


def test_the_warning_is_in_the_jsonl_pause():
    result = run_cli_many({"jsonl": ["run", script_path("lr_too_low_own.py"), "--jsonl"]})["jsonl"]
    pauses = result.json_lines()[:-1]
    said = [(p["step"], p["phases"], w["code"]) for p in pauses for w in p["warnings"]]
    assert said == [(STREAK + 2, ["step"], "lr-too-low")]
