"""Copying a live tensor into a `TensorStats`: real values, taken at the moment of the pause."""

from __future__ import annotations

import math
from typing import Any

from .snapshot import TensorStats

# Tensors with at most this many elements are copied whole (every value is shown and kept).
SMALL_TENSOR = 64
# Bigger tensors also get a histogram of this many equal bins over [min, max]: the screen draws it as
# a sparkline, which tells a spread-out tensor from one with a few outliers.
HIST_BINS = 8
# Tensors bigger than this get their histogram from an evenly strided sample of this many values:
# plenty for eight bars (a bin holding an eighth of the values gets ~256 of them), and torch.histc is
# slow (~6 ns a value on a CPU: at 16,384 values it was a third of a 1024×784 weight's summary).
HIST_SAMPLE = 1 << 11
# A tensor summarised from a sample (when reading all of it would cost more than a pause may) is
# summarised from this many evenly strided values.
STATS_SAMPLE = 1 << 13


_SHARED: dict[Any, Any] = {}
_DTYPE_NAMES: dict[Any, str] = {}  # torch.float32 -> "float32"


def _shared(value: Any) -> Any:
    return _SHARED.setdefault(value, value)


def summarize(tensor: Any) -> TensorStats:
    """Summarise a torch tensor: statistics always, every value when it is small."""
    import torch

    # One shared object per shape, dtype and device name: history keeps millions of summaries.
    # (Looked up cheaply: a loop summarises a few tensors at every pause, most of them tiny.)
    shape = _shared(tuple(tensor.shape))
    numel = tensor.numel()
    dtype = _DTYPE_NAMES.get(tensor.dtype)
    if dtype is None:
        dtype = _DTYPE_NAMES[tensor.dtype] = str(tensor.dtype).removeprefix("torch.")
    device = "cpu" if tensor.is_cpu else _shared(str(tensor.device))
    if numel == 0:
        return TensorStats(shape, dtype, device, 0, None, None, None, None, 0.0, zeros=True, values=())
    if numel == 1 and tensor.is_floating_point():
        # One number (a bias, a loss, a slope): its statistics are itself, no arithmetic needed.
        v = tensor.item()
        if math.isfinite(v):
            return TensorStats(shape, dtype, device, 1, v, 0.0, v, v, abs(v), 0, 0, v == 0, (v,))
    t = tensor.detach()
    if t.is_complex():
        t = t.abs()
    if numel <= SMALL_TENSOR:
        # Every value is kept: one copy to the host, and the statistics of a few numbers in Python.
        values = t.reshape(-1).tolist()
        values = tuple(values if t.is_floating_point() else map(float, values))
        return _stats_from_values(shape, dtype, device, values)
    # Bigger tensors: four reductions on the tensor's own device, then one small copy of the results
    # (already faster than Python's loops at a hundred values on a CPU: 29 µs against 143 µs at 1024).
    f = t.float() if not t.is_floating_point() or t.dtype in (torch.float16, torch.bfloat16) else t
    flat = f.reshape(-1)
    # Usually every value is finite, and min/max tell us so (a NaN or Inf would show in them). Then
    # the sum and x·x give μ and σ (σ² = ‖x‖²/n − μ²), and a sample gives the histogram: three reads
    # of the tensor, no copy of it, and one wait for the device. (x·x is one BLAS call, 2.5× faster
    # than vector_norm on a CPU.) When μ is big against σ (a layer norm's weights, all near 1) the
    # subtraction would lose σ's digits: σ then comes from one more pass over the values less μ.
    # Only a NaN or Inf needs the careful pass further down.
    lo, hi = torch.aminmax(flat)
    # (tolist gives Python floats, float64, whatever the tensor's float dtype: no cast needed.)
    lo_v, hi_v, sum_v, square_v = torch.stack([lo, hi, flat.sum(), torch.dot(flat, flat)]).tolist()
    if math.isfinite(lo_v) and math.isfinite(hi_v):
        if not math.isfinite(square_v):  # x·x overflowed the dtype (values past ~1e19 in float32)
            square_v = torch.linalg.vector_norm(flat.double()).item() ** 2
        norm_v = math.sqrt(square_v)
        mean_v = sum_v / numel
        var = square_v / numel - mean_v * mean_v
        if lo_v == hi_v:
            var = 0.0
        elif var < 1e-2 * mean_v * mean_v:
            var = torch.linalg.vector_norm(flat - mean_v).item() ** 2 / numel
        return TensorStats(
            shape, dtype, device, numel, mean_v, math.sqrt(max(0.0, var)), lo_v, hi_v, norm_v,
            zeros=lo_v == 0 and hi_v == 0, values=None, hist=histogram(flat, lo_v, hi_v, numel),
        )  # fmt: skip
    finite = torch.isfinite(flat)
    nan = torch.isnan(flat).sum()
    n_finite = finite.sum()
    clean = torch.where(finite, flat, torch.zeros((), dtype=flat.dtype, device=flat.device))
    std, mean = torch.std_mean(clean, correction=0)
    lo = torch.where(finite, flat, torch.full((), math.inf, dtype=flat.dtype, device=flat.device)).min()
    hi = torch.where(finite, flat, torch.full((), -math.inf, dtype=flat.dtype, device=flat.device)).max()
    norm = torch.linalg.vector_norm(clean)
    nonzero = torch.count_nonzero(flat)
    packed = torch.stack([x.to(torch.float64) for x in (mean, std, lo, hi, norm, nan, n_finite, nonzero)])
    mean_v, std_v, lo_v, hi_v, norm_v, nan_v, finite_v, nonzero_v = packed.tolist()
    nan_count = int(nan_v)
    inf_count = numel - int(finite_v) - nan_count
    if int(finite_v) < numel:
        # Statistics over the finite values only, scaled back from the zero-filled pass.
        k = int(finite_v)
        if k == 0:  # (the zero-filled pass gave 0 for each: none of them is a statistic of anything)
            mean_v = std_v = lo_v = hi_v = norm_v = math.nan
        else:
            mean_v = mean_v * numel / k
            var = max(0.0, (std_v**2 + (mean_v * k / numel) ** 2) * numel / k - mean_v**2)
            std_v = math.sqrt(var)
        norm_v = math.inf if inf_count else norm_v
    hist = histogram(flat, lo_v, hi_v, int(finite_v))
    return TensorStats(
        shape, dtype, device, numel, mean_v, std_v, lo_v, hi_v, norm_v,
        nan=nan_count, inf=inf_count, zeros=int(nonzero_v) == 0, values=None, hist=hist,
    )  # fmt: skip


def summarize_sample(tensor: Any, size: int = STATS_SAMPLE) -> TensorStats:
    """Like `summarize`, from an evenly strided sample of about `size` values (marked `approx`):
    min/max, μ, σ and the histogram are the sample's, ‖x‖ and the NaN/Inf counts are scaled up to the
    whole tensor. For a tensor too big to read whole within a pause's budget."""
    numel = tensor.numel()
    sample = strided_sample(tensor.detach().reshape(-1), size).contiguous()  # (faster reductions after)
    stats = summarize(sample)
    scale = numel / sample.numel()
    return stats._replace(
        shape=_shared(tuple(tensor.shape)), numel=numel, values=None, approx=True,
        norm=None if stats.norm is None else stats.norm * math.sqrt(scale),
        nan=round(stats.nan * scale), inf=round(stats.inf * scale),
    )  # fmt: skip


def strided_sample(flat: Any, size: int) -> Any:
    """Every k-th value of a flat tensor, from the first, k rounded up so at most `size` remain
    (a view: nothing is copied)."""
    return flat[:: max(1, -(-flat.numel() // size))]


def histogram(flat: Any, lo: float, hi: float, finite: int) -> tuple[int, ...] | None:
    """Counts of the finite values of a flat float tensor in HIST_BINS equal bins over [lo, hi].

    One torch.histc kernel on the tensor's own device, where NaN and ±Inf fall outside the range and
    are not counted, then one copy of the eight counts. Past HIST_SAMPLE values the counts are over
    an evenly strided sample of at most that many: over every value, histc cost ten times all the
    other reductions together (4.3 ms for a 1024×784 weight on a CPU), and the sparkline it feeds
    shows the shape of the spread, which the sample has. A constant tensor needs no kernel: histc
    would put every value in the middle bin, and so does this.
    """
    if finite == 0 or not (math.isfinite(lo) and math.isfinite(hi)):
        return None
    if flat.numel() > HIST_SAMPLE:
        flat = strided_sample(flat, HIST_SAMPLE)
        if lo == hi:
            finite = int(flat.isfinite().sum())
    if lo == hi:
        return tuple(finite if i == HIST_BINS // 2 else 0 for i in range(HIST_BINS))
    counts = flat.histc(bins=HIST_BINS, min=lo, max=hi)
    return tuple(int(c) for c in counts.tolist())


def _stats_from_values(shape, dtype, device, values: tuple[float, ...]) -> TensorStats:
    n = len(values)
    total = sum(values)
    if math.isfinite(total):  # then every value is finite (a NaN or Inf would poison the sum)
        finite = values
        nan = inf = 0
    else:
        finite = tuple(v for v in values if math.isfinite(v))
        nan = sum(1 for v in values if v != v)
        inf = n - len(finite) - nan
        total = sum(finite)
    if finite:
        k = len(finite)
        mean = total / k
        std = math.sqrt(sum((v - mean) * (v - mean) for v in finite) / k)
        lo, hi = min(finite), max(finite)
        norm = math.inf if inf else math.sqrt(sum(v * v for v in finite))
    else:
        mean = std = lo = hi = math.nan
        norm = math.inf if inf else math.nan
    return TensorStats(shape, dtype, device, n, mean, std, lo, hi, norm, nan, inf, not any(values), values)
