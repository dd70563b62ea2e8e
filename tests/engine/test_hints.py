"""Each hint matches the message torch really raises for that mistake (made here, live), so a torch
that words its message differently fails this test rather than losing the hint silently."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from stepper.engine.hints import hint_for


def bce_on_scores():
    nn.BCELoss()(torch.tensor([[2.0], [-1.0]]), torch.tensor([[1.0], [0.0]]))


def wrong_layer_size():
    nn.Linear(3, 2)(torch.randn(4, 5))


def loss_without_graph():
    with torch.no_grad():
        loss = nn.Linear(2, 1)(torch.randn(3, 2)).sum()
    loss.backward()


def second_backward():
    loss = (nn.Linear(2, 1)(torch.randn(3, 2)).exp()).sum()
    loss.backward()
    loss.backward()


def changed_in_place():
    w = torch.randn(3, requires_grad=True)
    y = w.exp()
    y += 1
    y.sum().backward()


def float_labels():
    F.cross_entropy(torch.randn(4, 3), torch.tensor([0.0, 1.0, 2.0, 1.0]))


def label_out_of_range():
    F.cross_entropy(torch.randn(4, 3), torch.tensor([0, 1, 3, 1]))


def batch_mismatch():
    F.cross_entropy(torch.randn(4, 3), torch.tensor([0, 1, 2]))


@pytest.mark.parametrize(
    "mistake, says",
    [
        (bce_on_scores, "BCEWithLogitsLoss"),
        (wrong_layer_size, "in_features"),
        (loss_without_graph, "torch.no_grad()"),
        (second_backward, "detach"),
        (changed_in_place, "in place"),
        (float_labels, "labels.long()"),
        (label_out_of_range, "out_features"),
        (batch_mismatch, "numbers of examples"),
    ],
)
def test_a_usual_mistake_gets_its_hint(mistake, says):
    with pytest.raises(Exception) as raised:
        mistake()
    assert says in hint_for(str(raised.value)), str(raised.value)


def test_float_class_labels_get_their_hint_in_the_words_of_older_torch():
    # torch 2.11's cross_entropy said only this for float class labels (seen on a lent GPU machine).
    assert "labels.long()" in hint_for("expected scalar type Long but found Float")


def bce_bad_labels():
    nn.BCELoss()(torch.tensor([[0.2], [0.7]]), torch.tensor([[2.0], [0.0]]))


def test_other_errors_get_no_hint_or_their_own():
    assert hint_for("division by zero") == ""
    with pytest.raises(IndexError) as raised:
        torch.zeros(100)[100]  # an off-by-one in the data, not a class index
    assert hint_for(str(raised.value)) == ""
    with pytest.raises(Exception) as raised:
        bce_bad_labels()  # the labels are wrong, not the scores
    assert "labels" in hint_for(str(raised.value)) and "BCEWithLogitsLoss" not in hint_for(str(raised.value))
