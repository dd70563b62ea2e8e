"""A NaN or Inf loss is explained by what can have caused it: before any update the learning rate
cannot be the cause (the computation itself made it: log of 0, a division by 0, a NaN in the data);
after updates, the usual cause is a learning rate that is too high."""

from __future__ import annotations

import math

from engine_helpers import run_session, script_path

from stepper.engine import detect

LOG_OF_ZERO = """\
import torch

X = torch.tensor([[-3.0], [2.0], [5.0]])
y = torch.tensor([0.0, 1.0, 1.0])
w = torch.tensor([[40.0]], requires_grad=True)
opt = torch.optim.SGD([w], lr=1e-4)
for i in range(2):
    p = torch.sigmoid(X @ w).squeeze(1)
    loss = -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
"""


def nonfinite_warnings(session):
    return [(s, w) for s in session.history for w in s.warnings if w.code == detect.NONFINITE]


def test_a_nan_before_any_update_is_blamed_on_the_computation_not_the_lr(tmp_path):
    path = tmp_path / "log_of_zero.py"
    path.write_text(LOG_OF_ZERO)
    session = run_session(str(path))
    (snapshot, warning), *_ = nonfinite_warnings(session)
    assert snapshot.step == 0 and "loss" in snapshot.phases and snapshot.line == 9
    assert not math.isfinite(snapshot.loss)
    assert "before any update" in warning.message
    assert "log of 0" in warning.message and "division by 0" in warning.message
    assert "too high" not in warning.message


def test_a_nan_after_updates_still_points_at_the_learning_rate():
    session = run_session(script_path("diverging.py"))
    (snapshot, warning), *_ = nonfinite_warnings(session)
    assert snapshot.step > 0
    assert "learning rate that is too high" in warning.message
    assert "before any update" not in warning.message


def test_the_notice_reads_the_number_of_updates_before_it():
    nan = float("nan")
    assert "before any update" in detect.nonfinite_notice(nan, [], updates=0).message
    assert "too high" in detect.nonfinite_notice(nan, [], updates=3).message
    assert "too high" in detect.nonfinite_notice(nan, []).message  # (no count given: as before)
    # Inf in a weight at the start: the same, named.
    before = detect.nonfinite_notice(1.0, ["model.weight"], updates=0).message
    assert before.startswith("Some values became NaN or Inf (in model.weight) before any update")


def test_the_notice_says_the_tensors_went_nan_not_the_loss_alone():
    # "The loss became NaN or Inf (model.bias, model.weight.grad)" read as if the names were the loss's.
    both = detect.nonfinite_notice(float("nan"), ["model.bias", "model.weight.grad"], updates=3).message
    assert both.startswith("The loss became NaN or Inf, and so did values in model.bias, model.weight.grad.")
    values = detect.nonfinite_notice(1.5, ["model.bias"], updates=3).message
    assert values.startswith("Some values became NaN or Inf (in model.bias).")
    alone = detect.nonfinite_notice(float("inf"), [], updates=3).message
    assert alone.startswith("The loss became NaN or Inf.")
