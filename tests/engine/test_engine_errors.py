"""Errors inside the script, seen through the engine: located in the learner's own code, named by the
script's real exception, with the pauses before them kept."""

from __future__ import annotations

import os

from engine_helpers import run_session

WRONG_GRAD_SIZE = """\
import torch

w = torch.randn(2, 1, requires_grad=True)
x = torch.randn(4, 2)
for epoch in range(2):
    preds = x @ w
    loss = preds.pow(2).mean()
    loss.backward()
    with torch.no_grad():
        w -= 0.1 * w.grad
    w.grad = torch.zeros(5)
"""

RAISES_IN_FORWARD = """\
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(2, 1)

    def forward(self, x):
        if x.shape[0] > 4:
            raise ValueError("batch too big for this toy")
        return self.lin(x)


model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for n in (4, 8):
    loss = model(torch.randn(n, 2)).pow(2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""

NO_TRAINING = """\
import torch

total = torch.arange(4.0).sum()
print(total.item())
"""


def run_text(tmp_path, text: str, name: str = "script.py"):
    path = tmp_path / name
    path.write_text(text)
    return run_session(str(path))


def test_a_mistake_on_a_line_stepper_listens_to_is_the_scripts_error(tmp_path):
    # `w.grad = ...` goes through stepper's listener for hand-written zero_grad; the wrong size is
    # still the learner's mistake, reported as torch reports it, at their line.
    session = run_text(tmp_path, WRONG_GRAD_SIZE)
    error = session.end.error
    assert session.end.status == "error"
    assert error.type == "RuntimeError", error
    assert "size" in error.message
    assert error.line == 11 and error.file == session.source.path
    assert [s.phases for s in session.history] == [("forward",), ("loss",), ("backward",), ("step",)]


def test_error_inside_the_models_own_forward_points_there(tmp_path):
    session = run_text(tmp_path, RAISES_IN_FORWARD)
    error = session.end.error
    assert error.type == "ValueError" and error.message == "batch too big for this toy"
    assert error.line == 12
    assert "model(torch.randn(n, 2))" in error.traceback  # the call site is shown too
    assert session.end.steps == 1 and session.history[-1].phases == ("step",)


def test_error_inside_a_model_defined_in_a_module_of_the_project_points_there(tmp_path):
    # The model lives in the project's net.py (imported by the script): the error is located at its
    # line there, and the script's call site is in the traceback too.
    model_text = RAISES_IN_FORWARD.split("model = Net()")[0]
    (tmp_path / "net.py").write_text(model_text)
    loop = "import torch\nfrom net import Net\n\nmodel = Net()" + RAISES_IN_FORWARD.split("model = Net()")[1]
    session = run_text(tmp_path, loop, "train.py")
    error = session.end.error
    assert error.type == "ValueError"
    assert (error.file, error.line) == (str(tmp_path / "net.py"), 12)
    assert "model(torch.randn(n, 2))" in error.traceback and "net.py" in error.traceback
    assert session.end.steps == 1


def test_no_training_phase_is_an_error_with_the_scripts_output_kept(tmp_path):
    session = run_text(tmp_path, NO_TRAINING)
    assert session.end.status == "error" and session.end.error.type == "NoTrainingPhase"
    assert session.history == []
    assert ("stdout", "6.0") in session.output


TRAINS_IN_A_THREAD = """\
import threading

import torch

model = torch.nn.Linear(2, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)


def train():
    for _ in range(3):
        loss = model(torch.randn(4, 2)).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


worker = threading.Thread(target=train)
worker.start()
worker.join()
"""


def test_training_in_a_thread_of_the_scripts_own_is_said_so(tmp_path):
    # Not "no training phase happened": the updates happened, where stepper does not follow.
    error = run_text(tmp_path, TRAINS_IN_A_THREAD).end.error
    assert error.type == "NoTrainingPhase"
    assert "stepped 3 times, but in a thread the script started" in error.message


def test_a_second_run_imports_the_projects_modules_afresh(tmp_path):
    # A restart (`r`) is a new run in the same process: a model built when its module is imported
    # starts again from its first weights, as under python (it kept the trained ones).
    (tmp_path / "state.py").write_text(
        "import torch\n\ntorch.manual_seed(0)\nmodel = torch.nn.Linear(2, 1)\n"
    )
    loop = (
        "import torch\nfrom state import model\n\n"
        "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "for i in range(2):\n"
        "    loss = torch.nn.functional.mse_loss(model(torch.ones(8, 2)), torch.zeros(8, 1))\n"
        "    optimizer.zero_grad()\n    loss.backward()\n    optimizer.step()\n"
    )
    first = run_text(tmp_path, loop, "train.py")
    again = run_text(tmp_path, loop, "train.py")
    assert first.end.steps == again.end.steps == 2
    assert [s.loss for s in again.history] == [s.loss for s in first.history]


def test_a_module_linked_into_the_project_is_followed(tmp_path):
    # `utils.py` shared between projects and linked into this one: its loop pauses on its lines.
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "fitlib.py").write_text(
        "def fit(model, optimizer, x, y):\n"
        "    loss = (model(x) - y).pow(2).mean()\n"
        "    optimizer.zero_grad()\n    loss.backward()\n    optimizer.step()\n"
    )
    project = tmp_path / "project"
    project.mkdir()
    (project / "fitlib.py").symlink_to(tmp_path / "shared" / "fitlib.py")
    script = (
        "import torch\nfrom fitlib import fit\n\nmodel = torch.nn.Linear(2, 1)\n"
        "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "for _ in range(2):\n    fit(model, optimizer, torch.randn(4, 2), torch.randn(4, 1))\n"
    )
    session = run_text(project, script, "train.py")
    assert session.end.steps == 2
    assert [(s.phases, os.path.basename(s.file)) for s in session.history][:4] == [
        (("forward", "loss"), "fitlib.py"), (("zero_grad",), "fitlib.py"),
        (("backward",), "fitlib.py"), (("step",), "fitlib.py"),
    ]  # fmt: skip


def test_a_module_in_a_subfolder_is_shown_by_its_path_from_the_script(tmp_path):
    # `core/train.py` beside the script `train.py`: the screen's panel title tells them apart.
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "__init__.py").write_text("")
    (tmp_path / "core" / "train.py").write_text(
        "def step(model, optimizer, x, y):\n"
        "    loss = (model(x) - y).pow(2).mean()\n"
        "    optimizer.zero_grad()\n    loss.backward()\n    optimizer.step()\n"
    )
    script = (
        "import torch\nfrom core.train import step\n\nmodel = torch.nn.Linear(2, 1)\n"
        "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "step(model, optimizer, torch.randn(4, 2), torch.randn(4, 1))\n"
    )
    session = run_text(tmp_path, script, "train.py")
    module = session.history[0].file
    assert module == str(tmp_path / "core" / "train.py")
    assert session.source_of(module).display_name == os.path.join("core", "train.py")
    assert session.source.display_name == "train.py"
