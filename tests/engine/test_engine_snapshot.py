"""What a pause reports: parameter names, .grad None vs values, real values copied at the moment of the
pause, the optimizer, the loss, non-finite flags, and the JSON form of all of it."""

from __future__ import annotations

import json
import math

import pytest
import torch
from engine_helpers import run_script
from torch import nn

TOLERANCE = 1e-5


def names(snapshot) -> list[str]:
    return list(snapshot.params)


def values(stats) -> list[float]:
    assert stats is not None and stats.values is not None
    return list(stats.values)


def close(a: list[float], b: list[float], tol: float = TOLERANCE) -> bool:
    return len(a) == len(b) and all(
        math.isclose(x, y, rel_tol=tol, abs_tol=tol) for x, y in zip(a, b, strict=True)
    )


def update_pairs(session):
    """(the backward pause just before an update, the update's pause), for every update."""
    history = session.history
    pairs = []
    for i, snapshot in enumerate(history):
        if "step" in snapshot.phases:
            before = next(s for s in reversed(history[:i]) if "backward" in s.phases)
            pairs.append((before, snapshot))
    return pairs


# --- names -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("module_optimizer.py", ["model.weight", "model.bias"]),
        ("raw_tensors.py", ["w", "b"]),
        ("sequential_manual.py", ["model.0.weight", "model.0.bias", "model.2.weight", "model.2.bias"]),
        ("functional_momentum.py", ["model.weight", "model.bias"]),
        # paused inside train(model, ...): the name the learner reads on the paused line
        ("train_function.py", ["model.weight", "model.bias"]),
        (
            "dataloader_adam.py",
            ["model.hidden.weight", "model.hidden.bias", "model.out.weight", "model.out.bias"],
        ),
        ("accumulation_scheduler.py", ["model.weight", "model.bias"]),
        ("data_attribute_update.py", ["w", "b"]),
        ("function_model.py", ["weights", "bias"]),
        # sgd() loops `for param in params`; the pause is at the call site, where they are w and b
        ("d2l_sgd.py", ["w", "b"]),
        ("autograd_backward.py", ["model.weight", "model.bias"]),
        ("inline_mlp.py", ["w1", "w2"]),
        ("helper_functions.py", ["model.weight", "model.bias"]),
        # the names follow the rebinding: `w` is whatever tensor w names now
        ("rebinding_update.py", ["w", "b"]),
        # reached only through self: named as the paused line spells it, in the module order
        ("trainer_class.py", ["self.model.weight", "self.model.bias"]),
        ("fastbook_style.py", ["weights", "bias"]),
    ],
)
def test_parameter_names_follow_the_scripts_variables(name, expected):
    session = run_script(name)
    assert session.history
    for snapshot in session.history:
        assert names(snapshot) == expected, snapshot.index
        assert list(snapshot.grads) == expected


# --- .grad: None until a backward fills it, None again after zero_grad (unless set_to_none=False) ----


def test_grads_are_none_until_backward_and_after_zero_grad():
    history = run_script("module_optimizer.py").history
    forward, loss, zero, backward, step = history[:5]
    for snapshot in (forward, loss, zero):
        assert all(g is None for g in snapshot.grads.values()), snapshot.phases
    for snapshot in (backward, step):
        for grad in snapshot.grads.values():
            assert grad is not None and not grad.zeros
    # second iteration: optimizer.zero_grad() sets every .grad back to None
    assert history[7].phases == ("zero_grad",)
    assert all(g is None for g in history[7].grads.values())
    # the forward and loss of the second iteration still show the first update's gradients
    assert values(history[5].grads["model.bias"]) == values(step.grads["model.bias"])


def test_first_zero_grad_pauses_with_nothing_to_clear():
    # model.zero_grad() before any backward: a pause of its own, every .grad still None, and the
    # model's parameters already on show (the learner is told which tensors the call touched).
    first = run_script("sequential_manual.py").history[0]
    assert first.phases == ("zero_grad",)
    assert first.code == "model.zero_grad()"
    assert names(first) == ["model.0.weight", "model.0.bias", "model.2.weight", "model.2.bias"]
    assert all(g is None for g in first.grads.values())


def test_zero_grad_set_to_none_false_leaves_zeros():
    history = run_script("functional_momentum.py").history
    clears = [s for s in history if s.phases == ("zero_grad",)]
    assert len(clears) == 3, [s.phases for s in history]
    assert all(g is None for g in clears[0].grads.values())  # nothing to clear yet
    for snapshot in clears[1:]:
        for grad in snapshot.grads.values():
            assert grad is not None, "set_to_none=False keeps the .grad tensors"
            assert grad.zeros and set(values(grad)) == {0.0}


def test_hand_written_grad_none_clears():
    history = run_script("raw_tensors.py").history
    clears = [s for s in history if "zero_grad" in s.phases]
    assert clears and all(all(g is None for g in s.grads.values()) for s in clears)


def test_grad_zero_in_place_clears_to_zeros():
    history = run_script("data_attribute_update.py").history
    clears = [s for s in history if "zero_grad" in s.phases]
    assert len(clears) == 3
    for snapshot in clears:
        for grad in snapshot.grads.values():
            assert grad is not None and grad.zeros


# --- values: real, and copied at the moment of the pause ------------------------------------------------


def _canonical_first_iteration():
    """Re-create the first iteration of module_optimizer.py here, independently of stepper."""
    torch.manual_seed(0)
    x = torch.randn(8, 3)
    y = torch.randn(8, 1)
    model = nn.Linear(3, 1)
    weight = model.weight.detach().reshape(-1).tolist()
    bias = model.bias.detach().reshape(-1).tolist()
    loss = nn.MSELoss()(model(x), y)
    loss.backward()
    return (
        weight,
        bias,
        loss.item(),
        model.weight.grad.reshape(-1).tolist(),
        model.bias.grad.reshape(-1).tolist(),
    )


def test_snapshot_holds_the_values_of_its_moment():
    history = run_script("module_optimizer.py").history
    weight, bias, loss, weight_grad, bias_grad = _canonical_first_iteration()
    first, loss_pause, backward = history[0], history[1], history[3]
    # The first pause still shows the untrained weights after the whole run changed them three times.
    assert close(values(first.params["model.weight"]), weight)
    assert close(values(first.params["model.bias"]), bias)
    assert not close(values(history[-1].params["model.weight"]), weight)
    assert first.loss is None  # no loss has been computed yet
    assert math.isclose(loss_pause.loss, loss, rel_tol=TOLERANCE)
    # ... and the first backward still shows the first gradients, though later backwards overwrote them.
    assert close(values(backward.grads["model.weight"]), weight_grad)
    assert close(values(backward.grads["model.bias"]), bias_grad)
    later_backward = [s for s in history if "backward" in s.phases][-1]
    assert not close(values(later_backward.grads["model.weight"]), weight_grad)


@pytest.mark.parametrize(
    ("name", "lr"),
    [
        ("module_optimizer.py", 0.1),
        ("raw_tensors.py", 0.1),
        ("sequential_manual.py", 0.05),
        ("train_function.py", 0.1),
        ("rebinding_update.py", 0.1),
    ],
)
def test_plain_sgd_step_is_old_minus_lr_times_grad(name, lr):
    pairs = update_pairs(run_script(name))
    assert len(pairs) == 3
    checked = 0
    for before, after in pairs:
        for param, stats in after.params.items():
            if stats.values is None:
                continue  # too big to be copied whole
            old, grad = values(before.params[param]), values(before.grads[param])
            assert close(values(stats), [p - lr * g for p, g in zip(old, grad, strict=True)]), param
            checked += 1
    assert checked >= 6


def test_sgd_momentum_step_uses_the_velocity():
    (b1, s1), (b2, s2), _ = update_pairs(run_script("functional_momentum.py"))
    lr, momentum = 0.1, 0.9
    for param in s1.params:
        g1, g2 = values(b1.grads[param]), values(b2.grads[param])
        p0, p1, p2 = values(b1.params[param]), values(s1.params[param]), values(s2.params[param])
        assert close(p1, [p - lr * g for p, g in zip(p0, g1, strict=True)])
        velocity = [momentum * a + b for a, b in zip(g1, g2, strict=True)]
        assert close(p2, [p - lr * v for p, v in zip(p1, velocity, strict=True)])


def test_small_tensors_carry_every_value_big_ones_only_statistics():
    snapshot = run_script("sequential_manual.py").history[-1]
    big = snapshot.params["model.0.weight"]  # 20 x 4 = 80 elements
    small = snapshot.params["model.0.bias"]  # 20 elements
    assert big.shape == (20, 4) and big.numel == 80 and big.values is None
    assert big.dtype == "float32" and big.device == "cpu"
    for stat in (big.mean, big.std, big.min, big.max, big.norm):
        assert isinstance(stat, float) and math.isfinite(stat)
    assert big.min <= big.mean <= big.max
    assert small.shape == (20,) and len(small.values) == 20
    assert math.isclose(small.norm, math.sqrt(sum(v * v for v in small.values)), rel_tol=1e-6)
    assert math.isclose(small.mean, sum(small.values) / 20, rel_tol=1e-6, abs_tol=1e-9)


# --- optimizer and loss ----------------------------------------------------------------------------------


def test_optimizer_type_and_hyper_parameters():
    sgd = run_script("functional_momentum.py").history[-1].optimizer
    assert sgd.type == "SGD" and sgd.lr == pytest.approx(0.1)
    assert sgd.hyper["momentum"] == pytest.approx(0.9)
    adam = run_script("dataloader_adam.py").history[-1].optimizer
    assert adam.type == "Adam" and adam.lr == pytest.approx(0.01)
    assert run_script("raw_tensors.py").history[-1].optimizer is None


def test_optimizer_is_reported_from_the_first_pause():
    # module_optimizer.py keeps it in a global, trainer_class.py on self: both exist before the loop
    for name in ("module_optimizer.py", "trainer_class.py"):
        for snapshot in run_script(name).history:
            assert snapshot.optimizer is not None, (name, snapshot.index)
            assert snapshot.optimizer.type == "SGD" and snapshot.optimizer.lr == pytest.approx(0.1)


def test_scheduler_changes_show_in_the_learning_rate():
    steps = [s for s in run_script("accumulation_scheduler.py").history if "step" in s.phases]
    assert [s.step for s in steps] == [1, 2, 3, 4]
    assert [s.optimizer.lr for s in steps] == pytest.approx([0.1, 0.1, 0.05, 0.05])


def test_accumulated_backward_sums_gradients():
    history = run_script("accumulation_scheduler.py").history
    backwards = [s for s in history if "backward" in s.phases]
    first, second = backwards[0], backwards[1]  # two backward passes before the first update
    g1, g2 = values(first.grads["model.bias"]), values(second.grads["model.bias"])
    assert not close(g1, g2), "the second backward adds to .grad"
    assert values(first.params["model.bias"]) == values(second.params["model.bias"])


# --- NaN / Inf --------------------------------------------------------------------------------------------


def test_diverging_loss_is_flagged_not_a_crash():
    session = run_script("diverging.py")
    assert session.end.status == "ok" and session.end.steps == 6
    history = session.history
    assert not history[0].nonfinite and not history[1].nonfinite
    losses = [s.loss for s in history if s.loss is not None]
    assert any(math.isinf(v) for v in losses) and math.isnan(losses[-1])
    for snapshot in history:
        if snapshot.loss is not None and not math.isfinite(snapshot.loss):
            assert snapshot.nonfinite, snapshot.index
    # The parameters blow up too: a NaN weight is flagged in its own summary.
    last = history[-1]
    assert last.nonfinite and last.params["model.weight"].nonfinite


def test_nonfinite_values_are_written_as_valid_json():
    last = run_script("diverging.py").history[-1]
    data = last.to_json()
    assert data["loss"] == "nan"
    text = json.dumps(data, allow_nan=False)  # raises if a bare NaN/Infinity would be written
    assert json.loads(text)["nonfinite"] is True


# --- the JSON form of a pause -------------------------------------------------------------------------

PAUSE_KEYS = {"event", "step", "phases", "file", "line", "code", "loss", "params", "grads", "optimizer",
              "nonfinite"}  # fmt: skip
TENSOR_KEYS = {"shape", "dtype", "device", "mean", "std", "min", "max", "norm", "values"}


def test_snapshot_json_has_every_key_of_the_issue():
    history = run_script("module_optimizer.py").history
    for snapshot in history:
        data = json.loads(json.dumps(snapshot.to_json(), allow_nan=False))
        assert PAUSE_KEYS <= set(data), PAUSE_KEYS - set(data)
        assert data["event"] == "pause"
        assert data["phases"] == list(snapshot.phases)
        for stats in data["params"].values():
            assert TENSOR_KEYS <= set(stats)
        for grad in data["grads"].values():
            assert grad is None or TENSOR_KEYS <= set(grad)
        assert {"type", "lr"} <= set(data["optimizer"])
    assert history[0].to_json()["grads"] == {"model.weight": None, "model.bias": None}
    assert history[3].to_json()["params"]["model.weight"]["shape"] == [1, 3]


def test_script_output_is_kept():
    session = run_script("module_optimizer.py")
    printed = "".join(text for stream, text in session.output if stream == "stdout")
    assert "final loss" in printed


def test_a_model_made_anew_under_the_same_name_takes_the_name_and_the_old_one_leaves():
    # train(Linear) twice through one function: the second model is `model.weight` too, and the
    # first model's parameters (dropped by the script) are no longer shown.
    session = run_script("two_models.py")
    names = [list(s.params) for s in session.history]
    assert all(n == ["model.weight", "model.bias"] for n in names[:4])
    assert names[4] == ["model.weight", "model.bias"]
    first_model_last = session.history[3].params["model.weight"].values
    second_model_first = session.history[4].params["model.weight"].values
    assert first_model_last != second_model_first
    # A model made later shows its parameters from its very first forward.
    later = [s for s in session.history if "second.weight" in s.params]
    assert later[0].phases == ("forward", "loss")


def test_a_sparse_gradient_is_shown_as_the_dense_values_it_stands_for():
    # nn.Embedding(sparse=True): .grad holds only the rows used; the rows left out are zeros.
    session = run_script("sparse_embedding.py")
    assert session.end.status == "ok", session.end
    assert session.end.steps == 2
    vectors = nn.Embedding(6, 2)
    with torch.no_grad():
        vectors.weight.copy_(torch.tensor(session.history[0].params["vectors.weight"].values).view(6, 2))
    vectors(torch.tensor([1, 3, 3])).pow(2).mean().backward()
    after_backward = next(s for s in session.history if s.phases == ("backward",))
    grad = after_backward.grads["vectors.weight"]
    assert grad.shape == (6, 2)
    assert grad.values == pytest.approx(vectors.weight.grad.view(-1).tolist())
    assert grad.min == pytest.approx(float(vectors.weight.grad.min()))
    assert grad.norm == pytest.approx(float(vectors.weight.grad.norm()))
