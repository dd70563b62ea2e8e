"""The engine's work per iteration does not grow with the script's size.

Looking at the script's source (its syntax tree) is done once per line or once per run, never again at
every pause or step: a walk over the whole tree at each step made the toy loop's `--jsonl` run 40%
slower (the seq2seq grouping's lookup of the next statement). Counted in tree walks, not seconds.

Nor does the garbage collector's: what a pause adds to history is few objects, and torch's own are
frozen out of the collector's walks once a process. Counted in objects, not seconds.
"""

from __future__ import annotations

import ast
import re

from engine_helpers import run_session

from stepper.lessons import find_lesson


def _lesson_with_epochs(tmp_path, epochs: int) -> str:
    text = open(find_lesson("linear").path, encoding="utf-8").read()
    text, count = re.subn(r"range\(100\)", f"range({epochs})", text)
    assert count == 1
    path = tmp_path / f"linear_{epochs}.py"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _tree_walks(monkeypatch, path: str) -> int:
    walks = 0
    walk, parse = ast.walk, ast.parse

    def counted_walk(node):
        nonlocal walks
        walks += 1
        return walk(node)

    def counted_parse(*args, **kwargs):
        nonlocal walks
        walks += 1
        return parse(*args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(ast, "walk", counted_walk)
        patch.setattr(ast, "parse", counted_parse)
        session = run_session(path)
    assert session.end is not None and session.end.status == "ok"
    return walks


def test_the_script_source_is_not_walked_again_at_every_step(monkeypatch, tmp_path):
    _tree_walks(monkeypatch, _lesson_with_epochs(tmp_path, 2))  # (what is kept between runs)
    short = _tree_walks(monkeypatch, _lesson_with_epochs(tmp_path, 3))
    long = _tree_walks(monkeypatch, _lesson_with_epochs(tmp_path, 30))
    assert short > 0  # (the count does see the engine's walks)
    assert long == short


DATASET_LOOP = """\
import torch
from torch.utils.data import DataLoader, Dataset


class Points(Dataset):
    def __init__(self, n):
        self.x = torch.randn(n, 4)
        self.y = self.x.sum(1, keepdim=True)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        x = self.x[i]
        y = self.y[i]
        return x, y


torch.manual_seed(0)
loader = DataLoader(Points({samples}), batch_size={batch})
model = torch.nn.Linear(4, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
for xb, yb in loader:
    loss = torch.nn.functional.mse_loss(model(xb), yb)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""


def test_a_datasets_getitem_is_not_followed_line_by_line(monkeypatch, tmp_path):
    # The DataLoader calls __getitem__ once per example: its lines are no phase of the loop, and
    # following them cost more than the loop's own lines. Four batches of 16 or of 64 examples: the
    # same number of line boundaries.
    from stepper.engine.tracer import PhaseTracer

    def boundaries(samples: int) -> int:
        path = tmp_path / f"points_{samples}.py"
        path.write_text(DATASET_LOOP.format(samples=samples, batch=samples // 4), encoding="utf-8")
        calls = 0
        boundary = PhaseTracer._boundary

        def counted(self, *args, **kwargs):
            nonlocal calls
            calls += 1
            return boundary(self, *args, **kwargs)

        with monkeypatch.context() as patch:
            patch.setattr(PhaseTracer, "_boundary", counted)
            session = run_session(str(path))
        assert session.end.status == "ok" and session.end.steps == 4
        return calls

    assert boundaries(64) == boundaries(256)


def test_the_pauses_between_two_updates_share_one_loss_curve(tmp_path):
    # (A pause is a handful of objects the garbage collector walks again and again as history grows:
    # the loss curve, which changes once an update, is one object for all of that update's pauses.)
    session = run_session(_lesson_with_epochs(tmp_path, 3))
    curves = {id(snapshot.loss_history) for snapshot in session.history}
    steps = {snapshot.step for snapshot in session.history}
    assert len(session.history) > len(steps)
    assert len(curves) == len(steps)
    assert all(len(snapshot.loss_history) == snapshot.step for snapshot in session.history)


FREEZE_CHECK = """\
import gc, sys
from stepper.engine import Session, load_script
before = gc.get_freeze_count()
session = Session(load_script(sys.argv[1]), seed=0, mode="continue", views=False)
session.start()
session.join()
assert session.end.status == "ok", session.end
print(before, gc.get_freeze_count())
"""


def test_a_run_parks_what_its_first_pause_finds_out_of_the_collectors_way(tmp_path):
    # Torch's own objects, walked by every full collection a growing history brings on, are frozen
    # once, at the process's first pause (in a process of its own: freezing is once per process).
    import subprocess
    import sys

    script = tmp_path / "check.py"
    script.write_text(FREEZE_CHECK, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script), _lesson_with_epochs(tmp_path, 2)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    before, after = map(int, done.stdout.split()[-2:])
    # (torch alone is hundreds of thousands of objects; an interpreter may have frozen a few of its
    # own before: 375 on a lent machine's Python 3.12 with torch 2.11)
    assert after - before > 50_000
