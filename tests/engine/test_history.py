"""The pause history within its memory budget: every pause stays, the oldest keep only summaries."""

from __future__ import annotations

import dataclasses
import gc
import tracemalloc

import pytest
from engine_helpers import SAFETY_TIMEOUT, run_session

from stepper.cli import main
from stepper.engine import Session, load_script
from stepper.engine.history import KEEP_FULL, History
from stepper.lessons import find_lesson

# Every tensor small enough to keep its values (≤ 64 elements), and 2000 points for the fit view: a
# history where values and views, which thinning drops, outweigh the summaries, which it keeps.
SMALL_MLP = """
import torch
from torch import nn

x = torch.linspace(-2, 2, 2000).unsqueeze(1)
y = torch.sin(2 * x) + 0.1 * torch.randn(2000, 1)
model = nn.Sequential(nn.Linear(1, 64), nn.Tanh(), nn.Linear(64, 1))
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
for epoch in range({epochs}):
    preds = model(x)
    loss = loss_fn(preds, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""


def stepped(path: str, history_mb: float, views: bool = True) -> Session:
    """Run phase by phase, as on the screen, so every pause takes the screen's views too."""
    session = Session(load_script(path), seed=0, views=views, history_mb=history_mb)
    session.start()
    assert session.wait(SAFETY_TIMEOUT)
    while not session.finished:
        session.next_phase()
        assert session.wait(SAFETY_TIMEOUT)
    return session


def small_mlp(tmp_path, epochs: int) -> str:
    path = tmp_path / "small_mlp.py"
    path.write_text(SMALL_MLP.format(epochs=epochs))
    return str(path)


def summaries(stats):
    return None if stats is None else stats._replace(values=None)


def traced_history_bytes(session_factory) -> tuple[list[bool], int, int]:
    """Run a session with tracemalloc on: which pauses were summaries, the bytes its history held as
    traced (with minus without), and the history's own estimate."""
    gc.collect()
    tracemalloc.start()
    try:
        session = session_factory()
        gc.collect()
        with_history = tracemalloc.get_traced_memory()[0]
        kept = list(session.history)
        summary_only = [snapshot.summary_only for snapshot in kept]
        estimate = session.history.bytes
        session.history.clear()
        del kept
        gc.collect()
        without = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return summary_only, with_history - without, estimate


def test_over_budget_the_oldest_pauses_keep_summaries_and_every_pause_stays():
    path = find_lesson("linear").path
    full = run_session(path)
    thin = run_session(path, history_mb=0.05)
    assert len(thin.history) == len(full.history) == 500
    assert full.history.thinned == 0 and not any(s.summary_only for s in full.history)
    old, new = thin.history[:-KEEP_FULL], thin.history[-KEEP_FULL:]
    assert all(s.summary_only for s in old if s.params["model.weight"].values is None)
    assert sum(s.summary_only for s in old) > 400
    assert not any(s.summary_only for s in new)
    assert new[-1].params["model.weight"].values is not None
    for a, b in zip(full.history, thin.history, strict=True):
        assert (a.index, a.step, a.phases, a.loss, a.line) == (b.index, b.step, b.phases, b.loss, b.line)
        for mine, theirs in ((a.params, b.params), (a.grads, b.grads), ({0: a.preds}, {0: b.preds})):
            assert {n: summaries(s) for n, s in mine.items()} == {n: summaries(s) for n, s in theirs.items()}
        if b.summary_only:
            assert all(s.values is None for s in b.params.values())
        else:
            assert a.params == b.params and a.grads == b.grads


def test_thinned_pauses_lose_the_fit_view_and_optimizer_values_but_keep_their_statistics(tmp_path):
    path = small_mlp(tmp_path, epochs=30)
    session = stepped(path, history_mb=0.2)
    history = session.history
    first, last = history[2], history[-1]
    assert first.summary_only and first.fit is None and first.graph is not None
    assert all(s.values is None and s.mean is not None for s in first.params.values())
    assert not last.summary_only and last.fit is not None
    assert all(s.values is not None for s in last.params.values())
    momentum = [s for s in history if s.summary_only and s.optimizer is not None and s.optimizer.state]
    assert momentum, "expected thinned pauses after the first step"
    buffer = momentum[0].optimizer.state["model.0.weight"]["momentum_buffer"]
    assert buffer.values is None and buffer.norm > 0


def test_the_estimate_is_close_to_what_tracemalloc_measures(tmp_path):
    path = small_mlp(tmp_path, epochs=40)
    summary_only, measured, estimate = traced_history_bytes(lambda: stepped(path, history_mb=1000))
    assert not any(summary_only)
    assert measured / 2 < estimate < measured * 2, (estimate, measured)


def test_the_history_holds_its_budget_measured(tmp_path):
    # Whole, this run's history takes about 4 MiB; its summaries alone about 1 MiB.
    path = small_mlp(tmp_path, epochs=100)
    budget_mb = 1.5
    summary_only, measured, _ = traced_history_bytes(lambda: stepped(path, history_mb=budget_mb))
    assert len(summary_only) == 500 and sum(summary_only) > 100
    # A generous bound: the estimate may be off, and the newest pauses are kept whole regardless.
    assert measured < (1.5 * budget_mb + 0.25) * 2**20, measured / 2**20


def test_history_mb_must_be_a_positive_number(capsys):
    for bad in ("0", "-5", "lots", "nan"):
        with pytest.raises(SystemExit) as exited:
            main(["run", "--history-mb", bad, "--plain"])
        assert exited.value.code == 2
        error = capsys.readouterr().err
        assert f"--history-mb: must be a positive number of MiB, like 256 or 0.5 (not '{bad}')" in error
        assert "Traceback" not in error


def test_replacing_the_last_pause_keeps_the_estimate_of_a_history_built_with_it():
    # The views a run at full speed skipped at its last pause are taken once it has ended there.
    session = stepped(find_lesson("linear").path, history_mb=256)
    full = list(session.history)
    bare = dataclasses.replace(full[-1], fit=None, graph=None, skipped_views=True)
    history = History(full[:-1] + [bare])
    history.replace_last(full[-1])
    assert list(history) == full and history.bytes == History(full).bytes
