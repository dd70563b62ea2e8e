"""The data and the model's current fit, for the plots a learner understands at a glance.

Two cases are drawn: a regression with one input and one output (the data as points, the model's
predictions as a line), and a classification with two input features (the points coloured by class,
and the class the model would predict over a grid of the plane).
"""

from __future__ import annotations

from array import array
from typing import Any

from .snapshot import FitView

MAX_POINTS = 2000
GRID = (36, 14)  # columns, rows of the class-region grid
MAX_PARAMS_FOR_GRID = 200_000


def _floats(tensor: Any) -> array:
    return array("d", tensor.detach().reshape(-1).double().tolist())


def fit_view(
    inputs: Any, preds: Any, targets: Any, model: Any, hooks: Any, last: FitView | None = None
) -> FitView | None:
    """A FitView when the shapes are one of the two drawable cases, else None. The data arrays of
    `last` (the previous view) are reused when the data did not change."""
    import torch

    def same(values: array | None, fresh: array | None) -> array | None:
        return values if values is not None and fresh is not None and values == fresh else fresh

    if not isinstance(inputs, torch.Tensor) or not isinstance(preds, torch.Tensor):
        return None
    x = inputs.detach()
    p = preds.detach()
    if x.dim() == 0 or not (2 <= x.shape[0] <= MAX_POINTS) or not x.is_floating_point():
        return None
    n = x.shape[0]
    t = targets.detach() if isinstance(targets, torch.Tensor) and targets.shape[:1] == (n,) else None
    if x.numel() == n and p.numel() == n:
        ys = None if t is None or t.numel() != n else _floats(t)
        xs = _floats(x)
        if last is not None and last.kind == "regression":
            xs, ys = same(last.xs, xs), same(last.ys, ys)
        return FitView("regression", xs, ys, _floats(p))
    if x.dim() == 2 and x.shape[1] == 2 and p.dim() == 2 and p.shape == (n, p.shape[1]) and p.shape[1] >= 2:
        labels = p.argmax(1) if t is None or t.dim() != 1 else t
        points = x.float()
        grid = _class_grid(points, model, hooks)
        xs, x2, ys = _floats(points[:, 0]), _floats(points[:, 1]), _floats(labels)
        if last is not None and last.kind == "classification":
            xs, x2, ys = same(last.xs, xs), same(last.x2, x2), same(last.ys, ys)
        return FitView("classification", xs, ys, _floats(p.argmax(1)), x2=x2, grid=grid)
    return None


def _class_grid(points: Any, model: Any, hooks: Any) -> tuple[tuple[int, ...], ...] | None:
    """The class the model predicts at each cell of a grid over the points' range (rows top down)."""
    import torch

    if not isinstance(model, torch.nn.Module):
        return None
    if sum(p.numel() for p in model.parameters()) > MAX_PARAMS_FOR_GRID:
        return None
    lo = points.min(0).values
    hi = points.max(0).values
    cols, rows = GRID
    xs = torch.linspace(float(lo[0]), float(hi[0]), cols)
    ys = torch.linspace(float(hi[1]), float(lo[1]), rows)
    grid = torch.stack(torch.meshgrid(ys, xs, indexing="ij")[::-1], dim=-1).reshape(-1, 2)
    device = next(model.parameters()).device
    modes = {m: m.training for m in model.modules()}
    hooks.quiet(True)  # this forward is ours: no phase, no pause
    try:
        model.eval()  # no dropout noise, no batch-norm statistics updated by our grid
        with torch.no_grad():
            out = model(grid.to(device))
    except Exception:  # noqa: BLE001 - a model that cannot take the grid simply gets no regions
        return None
    finally:
        for module, training in modes.items():
            module.training = training
        hooks.quiet(False)
    if not isinstance(out, torch.Tensor) or out.dim() != 2:
        return None
    classes = out.argmax(1).reshape(rows, cols).tolist()
    return tuple(tuple(row) for row in classes)
