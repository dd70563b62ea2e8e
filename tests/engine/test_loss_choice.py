"""The wrong loss for the task: MSE (or L1, Huber, Smooth L1) on class labels, and a functional MSE whose
targets were repeated across each row of predictions."""

import warnings

import pytest
import torch
import torch.nn.functional as F
from engine_helpers import run_script, run_session
from torch import nn

from stepper.engine.detect import loss_function_notices
from stepper.lessons import find_lesson

# (the functional losses below broadcast on purpose; torch's own UserWarning is not the point here)
pytestmark = pytest.mark.filterwarnings("ignore:Using a target size:UserWarning")


def warned(session):
    """(the pause's line of code, the warning's code) for every warning of a finished session."""
    return [(s.code.strip(), w.code) for s in session.history for w in s.warnings]


def only_message(session):
    (message,) = [w.message for s in session.history for w in s.warnings]
    return message


# --- whole scripts ------------------------------------------------------------------------------------


def test_a_learners_mse_on_class_labels_is_named_once_at_its_loss_line():
    session = run_script("mse_on_class_labels.py")
    assert warned(session) == [("loss = criterion(outputs.squeeze(1), batch_y.float())", "mse-on-labels")]
    message = only_message(session)
    # the shapes and labels seen, and what to change
    assert "([32])" in message and "0, 1, 2, 3" in message and "stored as floats" in message
    assert "[32, 4]" in message and "nn.CrossEntropyLoss" in message and "`y.long()`" in message
    # right for integer amounts too
    assert "If they are class labels" in message and "If they are amounts" in message


def test_the_wrong_loss_lesson_warns_at_its_mse_line_and_not_at_its_cross_entropy():
    session = run_session(find_lesson("wrong-loss").path)
    assert warned(session) == [("loss = nn.functional.mse_loss(preds, targets)  # stalls", "mse-on-labels")]
    message = only_message(session)
    assert "([150, 1])" in message and "0, 1, 2," in message and "[150, 3]" in message
    assert "`y.squeeze(1).long()`" in message  # (its targets are [150, 1])


def test_whole_number_amounts_and_yes_no_labels_stay_quiet():
    session = run_script("integer_regression.py")
    losses = [s.code.strip() for s in session.history if "loss" in s.phases]
    assert len(losses) == 4  # each loss was seen (and checked) ...
    assert warned(session) == []  # ... and none looked like class labels


def test_cross_entropy_and_one_hot_mse_classifiers_stay_quiet():
    session = run_script("classifiers_done_right.py")
    assert len({s.code.strip() for s in session.history if "loss" in s.phases}) == 2
    assert warned(session) == []


def test_functional_mse_with_targets_repeated_across_a_row_is_named_like_the_loss_module():
    session = run_script("repeated_targets_functional.py")
    assert warned(session) == [("loss = F.mse_loss(scores, labels)", "shape-broadcast")]
    # word for word what nn.MSELoss on the same shapes draws
    assert only_message(session) == only_message(run_script("repeated_targets.py"))


# --- the detector on single losses ------------------------------------------------------------------

N = 30
LABELS = torch.arange(3).repeat(N // 3)  # 0, 1, 2, 0, 1, 2, ...


def one_output(*shape):
    return torch.randn(*shape, requires_grad=True) * 1  # (a non-leaf, like a model's output)


def codes(loss, given=None, code=""):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [notice.code for notice in loss_function_notices(loss, given, code)]


LABEL_LOSSES = {
    "F.mse_loss, float labels [N, 1]": lambda: F.mse_loss(one_output(N, 1), LABELS.float().unsqueeze(1)),
    "F.mse_loss, long labels [N]": lambda: F.mse_loss(one_output(N), LABELS),
    "F.huber_loss": lambda: F.huber_loss(one_output(N, 1), LABELS.float().unsqueeze(1)),
    "F.smooth_l1_loss": lambda: F.smooth_l1_loss(one_output(N), LABELS.float()),
    "mse plus a weight penalty": lambda: (
        F.mse_loss(one_output(N), LABELS.float()) + 0.1 * one_output(3).sum()
    ),
    "ten classes, some missing": lambda: F.mse_loss(
        one_output(N), torch.tensor([0, 1, 2, 4, 5, 7, 9] * 4 + [0, 1])
    ),
}


@pytest.mark.parametrize("build", LABEL_LOSSES.values(), ids=LABEL_LOSSES.keys())
def test_regression_losses_on_class_labels_are_named(build):
    assert codes(build()) == ["mse-on-labels"]


def test_the_l1_loss_module_which_leaves_no_node_of_its_own_is_named_from_its_target():
    target = LABELS.float().unsqueeze(1)
    assert codes(nn.L1Loss()(one_output(N, 1), target), target) == ["mse-on-labels"]


def test_a_big_target_is_read_from_a_sample():
    labels = torch.randint(0, 5, (1_000_000,))
    assert codes(F.mse_loss(one_output(1_000_000), labels)) == ["mse-on-labels"]


QUIET_LOSSES = {
    "real-valued targets": lambda: F.mse_loss(one_output(N, 1), torch.randn(N, 1)),
    "yes/no labels": lambda: F.mse_loss(one_output(N), (LABELS > 0).float()),
    "ratings from 1": lambda: F.mse_loss(one_output(N), LABELS.float() + 1),
    "a line y = 2x": lambda: F.mse_loss(one_output(N), 2 * LABELS.float()),
    "few values far apart": lambda: F.mse_loss(one_output(N), (LABELS * LABELS * 5).float()),
    "more than 20 values": lambda: F.mse_loss(one_output(N), torch.arange(N).float()),
    "halves": lambda: F.mse_loss(one_output(N), LABELS.float() / 2),
    "one-hot targets, an output per class": lambda: F.mse_loss(
        one_output(N, 3), F.one_hot(LABELS, 3).float()
    ),
    "sequences [N, T]": lambda: F.mse_loss(one_output(N, 5), LABELS.float().unsqueeze(1).repeat(1, 5)),
}


@pytest.mark.parametrize("build", QUIET_LOSSES.values(), ids=QUIET_LOSSES.keys())
def test_targets_that_are_not_class_labels_stay_quiet(build):
    assert codes(build()) == []


def test_a_loss_already_backpropagated_is_skipped_not_an_error():
    loss = F.mse_loss(one_output(N), LABELS.float())
    loss.backward()  # (its saved tensors are freed: `F.mse_loss(...).backward()` on one line)
    assert codes(loss) == []


def test_functional_targets_repeated_across_a_row_are_read_from_their_strides():
    assert codes(F.mse_loss(one_output(N, 3), torch.randn(N, 1))) == ["shape-broadcast"]
    assert codes(F.huber_loss(one_output(N, 3), torch.randn(3))) == ["shape-broadcast"]
    (notice,) = loss_function_notices(F.mse_loss(one_output(N, 3), torch.randn(3)))
    assert "targets of shape [3]" in notice.message and "repeated each target 30 times" in notice.message


def test_repeats_that_are_no_mistake_or_someone_elses_stay_quiet():
    # a scalar target (every prediction against 0), as for loss modules
    assert codes(F.mse_loss(one_output(N, 3), torch.tensor(0.0))) == []
    # predictions repeated instead of targets: not this case (a module's [N, 1] against [N, 3] is quiet too)
    assert codes(F.mse_loss(one_output(N, 1), torch.randn(N, 3))) == []
    # [N, 1] against [N] grows both to [N, N]: graph_broadcast's notice, not this one
    assert codes(F.mse_loss(one_output(N, 1), torch.randn(N))) == []
    # targets the loss's own line expands (an ensemble's heads, each against the same target): the
    # same strides as torch's broadcast, but repeated on purpose
    target = torch.randn(N, 1)
    code = "loss = F.mse_loss(heads, y.expand_as(heads))"
    assert codes(F.mse_loss(one_output(N, 3), target.expand(N, 3)), None, code) == []
    assert codes(F.mse_loss(one_output(N, 3), target.expand(N, 3)), None, "loss = F.mse_loss(heads, y)") == [
        "shape-broadcast"
    ]
    # a loss module's arguments are checked as given (loss_inputs_broadcast), not here
    target = torch.randn(N, 1)
    assert codes(nn.MSELoss()(one_output(N, 3), target), target) == []


PROJECT_SCRIPT = """\
import torch
from torch import nn
from steps import train_with_mse
torch.manual_seed(0)
x = torch.randn(32, 2)
labels = torch.randint(0, 4, (32,))
net = nn.Linear(2, 4)
optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
for _ in range(2):
    loss = nn.functional.cross_entropy(net(x), labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
train_with_mse(x, labels)
"""

PROJECT_MODULE = """\
import torch
from torch import nn


def train_with_mse(x, labels):
    net = nn.Linear(2, 1)
    criterion = nn.MSELoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    for _ in range(2):
        loss = criterion(net(x).squeeze(1), labels.float())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
"""


def test_a_modules_loss_is_checked_though_the_script_made_one_on_the_same_line_number(tmp_path):
    # Both losses are on line 10, one of train.py and one of steps.py: each line is its own.
    (tmp_path / "train.py").write_text(PROJECT_SCRIPT, encoding="utf-8")
    (tmp_path / "steps.py").write_text(PROJECT_MODULE, encoding="utf-8")
    session = run_session(str(tmp_path / "train.py"))
    assert session.end.status == "ok", session.end
    found = [(s.file, s.line, w.code) for s in session.history for w in s.warnings]
    assert found == [(str(tmp_path / "steps.py"), 10, "mse-on-labels")]
