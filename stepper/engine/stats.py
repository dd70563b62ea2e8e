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
    tensor = _strided(tensor)
    head = _head(tensor)
    quick = _quick(tensor, head)
    if quick is not None:
        return quick
    flat = _flat(tensor)
    # Bigger tensors: four reductions on the tensor's own device, then one small copy of the results
    # (already faster than Python's loops at a hundred values on a CPU: 29 µs against 143 µs at 1024).
    stats = _from_moments(head, flat, _moments(flat).tolist())
    if stats is None:
        return _careful(head, flat)
    counts = _hist_counts(flat, stats.min, stats.max, head[3])
    hist = counts if counts is None or isinstance(counts, tuple) else tuple(int(c) for c in counts.tolist())
    return stats._replace(hist=hist)


def summarize_many(tensors: list[Any]) -> list[TensorStats]:
    """`[summarize(t) for t in tensors]`, the same numbers, waiting for each device twice in all rather
    than twice per tensor: once for every tensor's four reductions, once for every histogram.

    For tensors on a GPU, whose reads cost little next to what each wait for the device costs (about
    100 µs a summary on an H200, for a thousand values as for a million: the queuing and the two
    waits, not the reading). On a CPU there is no queue to wait for, and `summarize` does the same."""
    import torch

    found: list[TensorStats | None] = [None] * len(tensors)
    pending = []  # (index, head, flat, its four reductions on its device)
    for i, tensor in enumerate(tensors):
        tensor = _strided(tensor)
        head = _head(tensor)
        found[i] = _quick(tensor, head)
        if found[i] is None:
            flat = _flat(tensor)
            pending.append((i, head, flat, _moments(flat)))
    hists = []  # (index, counts on the device)
    for group in _by_device(pending, lambda item: item[3]):
        rows = [item[3] for item in group]
        if len({row.dtype for row in rows}) > 1:
            rows = [row.double() for row in rows]  # (exact: float32 and float16 values fit in float64)
        for (i, head, flat, _), moments in zip(group, torch.stack(rows).tolist(), strict=True):
            stats = _from_moments(head, flat, moments)
            if stats is None:
                found[i] = _careful(head, flat)
                continue
            found[i] = stats
            counts = _hist_counts(flat, stats.min, stats.max, head[3])
            if counts is None or isinstance(counts, tuple):
                found[i] = stats._replace(hist=counts)
            else:
                hists.append((i, counts))
    for group in _by_device(hists, lambda item: item[1]):
        for (i, _), counts in zip(group, torch.stack([item[1] for item in group]).tolist(), strict=True):
            found[i] = found[i]._replace(hist=tuple(int(c) for c in counts))
    return found  # type: ignore[return-value]


def _by_device(items: list, tensor_of) -> list[list]:
    groups: dict[Any, list] = {}
    for item in items:
        groups.setdefault(tensor_of(item).device, []).append(item)
    return list(groups.values())


def _strided(tensor: Any) -> Any:
    """A sparse tensor (the gradient of `nn.Embedding(sparse=True)`) as the ordinary tensor it stands
    for: the values it leaves out are zeros, and they count in its statistics as any other value."""
    if not (tensor.is_sparse or tensor.is_sparse_csr):
        return tensor
    return tensor.detach().to_dense()


def _head(tensor: Any) -> tuple[tuple[int, ...], str, str, int]:
    """(shape, dtype name, device name, numel), as shared objects: history keeps millions of
    summaries. (Looked up cheaply: a loop summarises a few tensors at every pause, most of them tiny.)"""
    dtype = _DTYPE_NAMES.get(tensor.dtype)
    if dtype is None:
        dtype = _DTYPE_NAMES[tensor.dtype] = str(tensor.dtype).removeprefix("torch.")
    device = "cpu" if tensor.is_cpu else _shared(str(tensor.device))
    return _shared(tuple(tensor.shape)), dtype, device, tensor.numel()


def _quick(tensor: Any, head: tuple) -> TensorStats | None:
    """The summary of a tensor small enough to copy whole (or empty), else None."""
    shape, dtype, device, numel = head
    if numel == 0:
        return TensorStats(shape, dtype, device, 0, None, None, None, None, 0.0, zeros=True, values=())
    if numel == 1 and tensor.is_floating_point():
        # One number (a bias, a loss, a slope): its statistics are itself, no arithmetic needed.
        v = tensor.item()
        if math.isfinite(v):
            return TensorStats(shape, dtype, device, 1, v, 0.0, v, v, abs(v), 0, 0, v == 0, (v,))
    if numel <= SMALL_TENSOR:
        # Every value is kept: one copy to the host, and the statistics of a few numbers in Python.
        t = tensor.detach()
        if t.is_complex():
            t = t.abs()
        values = t.reshape(-1).tolist()
        values = tuple(values if t.is_floating_point() else map(float, values))
        return _stats_from_values(shape, dtype, device, values)
    return None


def _flat(tensor: Any) -> Any:
    """The values as a flat float tensor (half precision and integers widened to float32)."""
    import torch

    t = tensor.detach()
    if t.is_complex():
        t = t.abs()
    f = t.float() if not t.is_floating_point() or t.dtype in (torch.float16, torch.bfloat16) else t
    return f.reshape(-1)


def _moments(flat: Any) -> Any:
    """min, max, Σx and x·x, on the tensor's device. (x·x is one BLAS call, 2.5× faster than
    vector_norm on a CPU.)"""
    import torch

    lo, hi = torch.aminmax(flat)
    return torch.stack([lo, hi, flat.sum(), torch.dot(flat, flat)])


def _from_moments(head: tuple, flat: Any, moments: list[float]) -> TensorStats | None:
    """The summary (its histogram still to come) from min, max, Σx and x·x, or None when some value is
    NaN or Inf (a NaN or Inf would show in min/max): then only the careful pass will do.

    Usually every value is finite. Then the sum and x·x give μ and σ (σ² = ‖x‖²/n − μ²): three reads
    of the tensor, no copy of it, and one wait for the device. When μ is big against σ (a layer norm's
    weights, all near 1) the subtraction would lose σ's digits: σ then comes from one more pass over
    the values less μ. (tolist gives Python floats, float64, whatever the tensor's dtype.)"""
    import torch

    shape, dtype, device, numel = head
    lo_v, hi_v, sum_v, square_v = moments
    if not (math.isfinite(lo_v) and math.isfinite(hi_v)):
        return None
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
        zeros=lo_v == 0 and hi_v == 0, values=None,
    )  # fmt: skip


def _careful(head: tuple, flat: Any) -> TensorStats:
    """The summary of a tensor holding NaN or Inf: statistics over its finite values."""
    import torch

    shape, dtype, device, numel = head
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
    counts = _hist_counts(flat, lo, hi, finite)
    if counts is None or isinstance(counts, tuple):
        return counts
    return tuple(int(c) for c in counts.tolist())


def _hist_counts(flat: Any, lo: float, hi: float, finite: int) -> Any:
    """`histogram`'s counts: None, a tuple when no kernel is needed, else the counts on the device."""
    if finite == 0 or not (math.isfinite(lo) and math.isfinite(hi)):
        return None
    if flat.numel() > HIST_SAMPLE:
        flat = strided_sample(flat, HIST_SAMPLE)
        if lo == hi:
            finite = int(flat.isfinite().sum())
    if lo == hi:
        return tuple(finite if i == HIST_BINS // 2 else 0 for i in range(HIST_BINS))
    return flat.histc(bins=HIST_BINS, min=lo, max=hi)


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
