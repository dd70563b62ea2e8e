"""Copying a live tensor into a `TensorStats`: real values, taken at the moment of the pause."""

from __future__ import annotations

import math
from typing import Any

from .snapshot import TensorStats

# Tensors with at most this many elements are copied whole (every value is shown and kept).
SMALL_TENSOR = 64
# CPU tensors up to this size are summarised in Python (faster than many tiny kernels).
PYTHON_STATS = 2048


def summarize(tensor: Any) -> TensorStats:
    """Summarise a torch tensor: statistics always, every value when it is small."""
    import torch

    t = tensor.detach()
    shape = tuple(t.shape)
    numel = t.numel()
    dtype = str(t.dtype).removeprefix("torch.")
    device = str(t.device)
    if numel == 0:
        return TensorStats(shape, dtype, device, 0, None, None, None, None, 0.0, zeros=True, values=())
    if t.is_complex():
        t = t.abs()
    if numel <= SMALL_TENSOR or (numel <= PYTHON_STATS and t.device.type == "cpu"):
        # One copy to the host; the statistics of a few numbers are cheaper in Python than as a
        # dozen kernel launches. Only small tensors keep their values.
        values = t.reshape(-1).tolist()
        values = tuple(values if t.is_floating_point() else map(float, values))
        stats = _stats_from_values(shape, dtype, device, values)
        return stats if numel <= SMALL_TENSOR else stats._replace(values=None)
    # Big tensors: reductions on the tensor's own device, then one small copy of the results.
    f = t.float() if not t.is_floating_point() or t.dtype in (torch.float16, torch.bfloat16) else t
    flat = f.reshape(-1)
    # Usually every value is finite: two reductions (min/max, then std/mean) tell us so, and give
    # everything else (a NaN or Inf would show in them). Only then is the careful pass needed.
    lo, hi = torch.aminmax(flat)
    std, mean = torch.std_mean(flat, correction=0)
    mean_v, std_v, lo_v, hi_v = torch.stack([mean, std, lo, hi]).to(torch.float64).tolist()
    if all(math.isfinite(v) for v in (mean_v, std_v, lo_v, hi_v)):
        norm_v = math.sqrt(numel * (std_v * std_v + mean_v * mean_v))  # ‖x‖² = n (σ² + μ²)
        return TensorStats(
            shape, dtype, device, numel, mean_v, std_v, lo_v, hi_v, norm_v,
            zeros=lo_v == 0 and hi_v == 0, values=None,
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
        if k == 0:
            mean_v = std_v = lo_v = hi_v = math.nan
        else:
            mean_v = mean_v * numel / k
            var = max(0.0, (std_v**2 + (mean_v * k / numel) ** 2) * numel / k - mean_v**2)
            std_v = math.sqrt(var)
        norm_v = math.inf if inf_count else norm_v
    return TensorStats(
        shape, dtype, device, numel, mean_v, std_v, lo_v, hi_v, norm_v,
        nan=nan_count, inf=inf_count, zeros=int(nonzero_v) == 0, values=None,
    )  # fmt: skip


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
