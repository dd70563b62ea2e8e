"""Scripts that train through torch.func's transforms: stepper must not fail inside them (their
tensors are wrappers that cannot be read), and must say plainly what it cannot follow."""

from __future__ import annotations

from engine_helpers import run_script


def test_per_example_gradients_from_vmap_of_grad_run_to_the_end_with_a_plain_message():
    session = run_script("per_example_gradients.py")
    assert "".join(text for _, text in session.output) == "epoch 0\nepoch 1\n"
    assert session.end.error is not None
    assert session.end.error.type == "NoTrainingPhase"
    assert "torch.func" in session.end.error.message
