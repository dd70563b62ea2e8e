"""Tensor summaries equal torch's own reductions: min/max, mean, std (divides by n), L2 norm, the
NaN/Inf counts and the histogram (torch.histc over the finite values' [min, max]), for every path a
tensor can take (kept whole, summarised on its device, its histogram from a sample)."""

from __future__ import annotations

import math

import pytest
import torch

from stepper.engine.stats import HIST_BINS, HIST_SAMPLE, SMALL_TENSOR, summarize, summarize_many

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
# Sizes past each boundary: just too big to keep every value, mid-size, a histogram from a sample.
SIZES = [SMALL_TENSOR + 1, 2048, HIST_SAMPLE + 1, 300_000]


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-4, abs_tol=1e-6)


def expected(t: torch.Tensor) -> dict:
    """What the summary should say, worked out with torch over the finite values in float64."""
    flat = t.detach().reshape(-1)
    finite = flat[torch.isfinite(flat)].double()
    lo, hi = finite.min().item(), finite.max().item()
    # The histogram of a big tensor counts every k-th value (k = n / HIST_SAMPLE, rounded up).
    sample = flat[:: -(-flat.numel() // HIST_SAMPLE)]
    return {
        "nan": int(torch.isnan(flat).sum()),
        "inf": int(torch.isinf(flat).sum()),
        "min": lo,
        "max": hi,
        "mean": finite.mean().item(),
        "std": finite.std(correction=0).item(),
        "norm": math.inf if torch.isinf(flat).any() else torch.linalg.vector_norm(finite).item(),
        "hist": [int(c) for c in torch.histc(sample.float(), bins=HIST_BINS, min=lo, max=hi).tolist()],
        "finite": finite.numel(),
        "finite_in_sample": int(torch.isfinite(sample).sum()),
    }


def check(t: torch.Tensor) -> None:
    summary, want = summarize(t), expected(t)
    assert summary.shape == tuple(t.shape) and summary.numel == t.numel()
    assert (summary.nan, summary.inf) == (want["nan"], want["inf"])
    for key in ("min", "max", "mean", "std", "norm"):
        assert close(getattr(summary, key), want[key]), (key, getattr(summary, key), want[key])
    assert summary.values is None
    assert list(summary.hist) == want["hist"]
    assert sum(summary.hist) == want["finite_in_sample"]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("size", SIZES)
def test_big_tensor_summary_equals_torch(device, size):
    torch.manual_seed(size)
    check(torch.randn(size, device=device) * 3 + 1)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("size", SIZES)
def test_a_small_spread_around_a_big_mean_keeps_its_std(device, size):
    # A layer norm's weights: all near 1. σ² = ‖x‖²/n − μ² must not lose σ to the subtraction.
    torch.manual_seed(size)
    check(1 + 1e-3 * torch.randn(size, device=device))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("size", SIZES)
def test_nan_and_inf_are_counted_and_left_out_of_the_statistics(device, size):
    torch.manual_seed(size)
    t = torch.randn(size, device=device)
    t[3] = math.nan
    t[5] = math.inf
    t[8] = -math.inf
    t[13] = math.nan
    check(t)
    summary = summarize(t)
    assert (summary.nan, summary.inf) == (2, 2)
    if size <= HIST_SAMPLE:  # (check() has compared a big one's histogram with its sample's)
        assert sum(summary.hist) == size - 4


@pytest.mark.parametrize("device", DEVICES)
def test_values_whose_squares_overflow_float32_keep_their_norm(device):
    # x·x of values near 1e20 is past float32's 3.4e38: the norm is then read again in float64.
    torch.manual_seed(2)
    check(torch.randn(1000, device=device) * 1e20)


@pytest.mark.parametrize("device", DEVICES)
def test_a_tensor_of_only_nan_has_no_histogram(device):
    summary = summarize(torch.full((1000,), math.nan, device=device))
    assert summary.nan == 1000 and summary.hist is None and math.isnan(summary.mean)
    assert math.isnan(summary.norm)  # not 0, which would read as a zero gradient


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("size", [100, 5000])
def test_all_zeros_and_constant_tensors(device, size):
    zeros = summarize(torch.zeros(size, device=device))
    assert zeros.zeros and zeros.min == zeros.max == zeros.norm == 0
    # torch.histc puts a constant tensor's values all in the middle bin; so does the summary (over
    # the strided sample past HIST_SAMPLE values).
    counted = len(range(0, size, -(-size // HIST_SAMPLE)))
    assert list(zeros.hist) == torch.histc(torch.zeros(counted), bins=HIST_BINS, min=0, max=0).int().tolist()
    ones = summarize(torch.ones(size, device=device))
    assert not ones.zeros and close(ones.norm, math.sqrt(size)) and sum(ones.hist) == counted


def test_small_tensors_keep_every_value_and_no_histogram():
    t = torch.randn(SMALL_TENSOR)
    summary = summarize(t)
    assert summary.values == tuple(t.tolist()) and summary.hist is None


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float64, torch.int64])
def test_other_dtypes_are_summarised_as_floats(dtype):
    torch.manual_seed(0)
    t = (torch.randn(4000) * 10).to(dtype)
    summary = summarize(t)
    assert summary.dtype == str(dtype).removeprefix("torch.")
    want = expected(t.double())
    assert close(summary.mean, want["mean"]) and close(summary.std, want["std"])
    assert list(summary.hist) == want["hist"]


def test_a_big_tensors_histogram_has_the_shape_of_the_whole_one():
    # Counted over a strided sample, the share of values in each bin is the whole tensor's, closely
    # (within three standard deviations of a random sample's share: 3·√(¼/HIST_SAMPLE) < 0.035).
    torch.manual_seed(1)
    t = torch.randn(1_000_000) * 2 - 1
    summary = summarize(t)
    whole = torch.histc(t, bins=HIST_BINS, min=summary.min, max=summary.max)
    share = [c / sum(summary.hist) for c in summary.hist]
    step = -(-t.numel() // HIST_SAMPLE)  # every step-th value, rounded up
    assert sum(summary.hist) == len(range(0, t.numel(), step)) <= HIST_SAMPLE
    for got, want in zip(share, (whole / t.numel()).tolist(), strict=True):
        assert abs(got - want) < 0.035


def test_json_has_the_histogram():
    big = summarize(torch.randn(500)).to_json()
    assert len(big["hist"]) == HIST_BINS and sum(big["hist"]) == 500
    assert summarize(torch.randn(3)).to_json()["hist"] is None


@pytest.mark.parametrize("device", DEVICES)
def test_summaries_taken_together_are_those_taken_one_at_a_time(device):
    """`summarize_many` waits for the device twice for all its tensors: every kind of tensor still comes
    out exactly as `summarize` gives it (small, one number, big, a histogram from a sample, constant,
    with NaN and Inf, near-constant big μ, integers, half precision, float64 beside float32, empty)."""
    torch.manual_seed(1)
    nan_inf = torch.randn(400, device=device)
    nan_inf[::7] = math.nan
    nan_inf[3] = math.inf
    tensors = [
        torch.randn(5, device=device),
        torch.tensor(2.5, device=device),
        torch.randn(700, device=device) * 3 + 1,
        torch.randn(HIST_SAMPLE * 3, device=device),
        torch.full((300,), 4.0, device=device),
        nan_inf,
        1000 + 0.01 * torch.randn(500, device=device),
        torch.randint(0, 9, (200,), device=device),
        torch.randn(129, device=device).half(),
        torch.randn(90, device=device, dtype=torch.float64),
        torch.zeros(0, device=device),
    ]
    assert summarize_many(tensors) == [summarize(t) for t in tensors]
