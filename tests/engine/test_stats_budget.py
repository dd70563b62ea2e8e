"""A pause may spend only a share of its phase's compute on summaries (Session.stats_budget): a big
tensor it cannot afford to read whole is summarised from a sample, and says so (`approx`)."""

from __future__ import annotations

import json
import math

import torch
from engine_helpers import SAFETY_TIMEOUT, run_session, script_path

from stepper.engine import Breakpoints, Session, load_script
from stepper.engine.capture import SAMPLE_FROM, SAMPLE_UNSEEN_FROM
from stepper.engine.stats import STATS_SAMPLE, summarize, summarize_sample
from stepper.frontends.transcript import JsonlWriter


def test_a_sampled_summary_is_the_samples_statistics_scaled_to_the_whole_tensor():
    torch.manual_seed(0)
    t = torch.randn(500, 1000) * 2 + 0.5
    t[0, 0] = math.nan  # in the sample (every k-th value from the first)
    summary = summarize_sample(t)
    step = -(-t.numel() // STATS_SAMPLE)
    sample = t.reshape(-1)[::step]
    finite = sample[sample.isfinite()].double()
    assert summary.approx and summary.values is None
    assert summary.shape == (500, 1000) and summary.numel == 500_000
    assert summary.min == finite.min().item() and summary.max == finite.max().item()
    assert math.isclose(summary.mean, finite.mean().item(), rel_tol=1e-4)
    assert math.isclose(summary.std, finite.std(correction=0).item(), rel_tol=1e-4)
    # ‖x‖ of the whole tensor, estimated: the sample's norm times √(n / sample size)
    want_norm = torch.linalg.vector_norm(finite).item() * math.sqrt(t.numel() / sample.numel())
    assert math.isclose(summary.norm, want_norm, rel_tol=1e-4)
    assert summary.nan == round(t.numel() / sample.numel())  # one NaN in the sample, scaled
    assert summary.nonfinite


def test_an_exact_summary_is_not_marked():
    assert not summarize(torch.randn(300_000)).approx


def big_weights(session) -> list:
    return [s.params["model.weight"] for s in session.history]


def test_without_a_budget_every_summary_reads_every_value():
    session = run_session(script_path("big_linear.py"), stats_budget=None)
    assert session.end.status == "ok"
    assert not any(stats.approx for stats in big_weights(session))


def test_past_its_budget_a_pause_summarises_big_tensors_from_a_sample():
    # A budget no pause can meet: once a big summary's cost is known, big tensors are sampled.
    session = run_session(script_path("big_linear.py"), stats_budget=1e-12)
    weights = big_weights(session)
    assert not weights[0].approx  # the first pause has no phase to measure: it reads everything
    steps = [s for s in session.history if "step" in s.phases]
    assert steps and all(s.params["model.weight"].approx for s in steps)
    grads = [s.grads["model.weight"] for s in session.history if "backward" in s.phases]
    assert grads and all(g.approx for g in grads[1:])
    # Small tensors are always read whole.
    assert not any(snapshot.params["model.bias"].approx for snapshot in session.history)
    # The JSONL says which summaries are approximate.
    writer = JsonlWriter()
    line = writer.line(steps[-1])
    assert line == json.dumps(steps[-1].to_json())
    assert json.loads(line)["params"]["model.weight"]["approx"] is True


def test_a_transcript_reads_mid_size_tensors_whole_whatever_the_budget():
    # Below a million values a summary is exact wherever someone may read it, so a transcript of a
    # mid-size model is the same from run to run.
    session = run_session(script_path("mid_linear.py"), stats_budget=1e-12)
    assert not any(stats.approx for stats in big_weights(session))


def test_pauses_a_run_passes_unseen_may_sample_mid_size_tensors_but_where_it_stops_is_exact():
    # The screen's continue mode: pauses nobody sees are on a smaller budget, and may sample tensors
    # from SAMPLE_UNSEEN_FROM values; the pause the run stops at (here --until-step 4) is read whole.
    assert SAMPLE_UNSEEN_FROM <= 256 * 512 < SAMPLE_FROM
    session = Session(load_script(script_path("mid_linear.py")), seed=0, mode="continue",
                      stats_budget=1e-12, breakpoints=Breakpoints(until_step=4))  # fmt: skip
    session.skip_unseen_views = True
    session.start()
    assert session.wait(SAFETY_TIMEOUT) and not session.finished
    stopped = session.history[-1]
    assert stopped.step == 4 and "step" in stopped.phases and not stopped.skipped_views
    assert not stopped.params["model.weight"].approx and not stopped.grads["model.weight"].approx
    passed = [s for s in session.history[1:-1] if "step" in s.phases]
    assert passed and all(s.skipped_views and s.params["model.weight"].approx for s in passed)
    session.stop()
