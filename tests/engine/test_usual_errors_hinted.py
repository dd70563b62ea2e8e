"""Three errors learners meet all the time get a hint: class labels of shape [N, 1] given to
CrossEntropyLoss, float64 data (numpy's default) meeting a float32 model, and backward on a loss
that still holds one value per example. Each mistake is made here, live, so a torch that words its
message differently fails this test rather than losing the hint silently."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from engine_helpers import run_session
from torch import nn

from stepper.engine.hints import hint_for


def float_label_column():
    F.cross_entropy(torch.randn(6, 3), torch.randint(0, 3, (6, 1)).float())


def long_label_column():
    nn.CrossEntropyLoss()(torch.randn(6, 3), torch.randint(0, 3, (6, 1)))


def numpy_data_into_linear():
    nn.Linear(3, 1)(torch.from_numpy(np.zeros((4, 3))))


def numpy_data_into_conv():
    nn.Conv2d(1, 1, 3)(torch.from_numpy(np.zeros((1, 1, 5, 5))))


def float64_batch_matmul():  # (torch: "expected scalar type Float but found Double")
    torch.bmm(torch.zeros(2, 2, 2), torch.zeros(2, 2, 2, dtype=torch.float64))


def float64_targets_for_bce():  # (torch: "Found dtype Double but expected Float")
    nn.BCELoss()(torch.rand(4), torch.from_numpy(np.ones(4)))


def integer_data_into_linear():
    nn.Linear(3, 1)(torch.tensor([[1, 2, 3], [4, 5, 6]]))


def backward_per_example():
    losses = nn.MSELoss(reduction="none")(nn.Linear(3, 1)(torch.randn(5, 3)), torch.randn(5, 1))
    losses.backward()


@pytest.mark.parametrize(
    "mistake, says",
    [
        (float_label_column, "y.squeeze(1).long()"),
        (long_label_column, "y.squeeze(1).long()"),
        (numpy_data_into_linear, "torch.from_numpy(a).float()"),
        (numpy_data_into_conv, "x.to(torch.float32)"),
        (float64_batch_matmul, "float64 (Double)"),
        (float64_targets_for_bce, "torch.from_numpy(a).float()"),
        (integer_data_into_linear, "x.float()"),
        (backward_per_example, "loss.mean()"),
    ],
)
def test_a_common_mistake_gets_its_hint(mistake, says):
    with pytest.raises(Exception) as raised:
        mistake()
    assert says in hint_for(str(raised.value)), str(raised.value)


def test_types_that_differ_in_other_ways_get_no_float64_hint():
    # A model on the GPU fed a batch on the CPU: a device mismatch, not float64 data.
    device = "Input type (torch.cuda.FloatTensor) and weight type (torch.FloatTensor) should be the same"
    assert hint_for(device) == ""
    with pytest.raises(RuntimeError) as raised:  # float16 input on a float32 layer
        nn.Linear(3, 1)(torch.zeros(4, 3, dtype=torch.float16))
    assert "float64" not in hint_for(str(raised.value))


NUMPY_DATA = """\
import numpy as np
import torch
from torch import nn

rng = np.random.default_rng(0)
X = torch.from_numpy(rng.normal(size=(20, 3)))
y = torch.from_numpy(rng.normal(size=(20, 1)))
model = nn.Linear(3, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(2):
    opt.zero_grad()
    pred = model(X)
    loss = nn.MSELoss()(pred, y)
    loss.backward()
    opt.step()
"""

FORGOTTEN_MEAN = """\
import torch
from torch import nn

model = nn.Linear(3, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
criterion = nn.MSELoss(reduction="none")
X, y = torch.randn(10, 3), torch.randn(10, 1)
for epoch in range(2):
    opt.zero_grad()
    loss = criterion(model(X), y)
    loss.backward()
    opt.step()
"""

LABEL_COLUMN = """\
import torch
from torch import nn

X = torch.randn(30, 4)
y = torch.randint(0, 3, (30, 1)).float()
model = nn.Linear(4, 3)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(2):
    opt.zero_grad()
    loss = nn.CrossEntropyLoss()(model(X), y)
    loss.backward()
    opt.step()
"""


@pytest.mark.parametrize(
    "text, line, says",
    [
        (NUMPY_DATA, 12, "torch.from_numpy(a).float()"),
        (FORGOTTEN_MEAN, 11, "loss.mean()"),
        (LABEL_COLUMN, 10, "y.squeeze(1).long()"),
    ],
    ids=["numpy-data", "forgotten-mean", "label-column"],
)
def test_the_scripts_error_carries_the_hint_at_its_line(tmp_path, text, line, says):
    path = tmp_path / "train.py"
    path.write_text(text)
    error = run_session(str(path)).end.error
    assert error is not None and error.type == "RuntimeError"
    assert error.line == line
    assert says in error.hint
