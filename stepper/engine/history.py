"""Every pause of a run, kept within a memory budget.

`History` is the list of a session's snapshots (index, slice, iterate it like any list). It also keeps
an estimate of the bytes its snapshots hold, and when that goes over the budget it thins the oldest
pauses that still hold everything to *summaries*: each tensor keeps its shape and statistics but not
its values, and the data-and-fit view (the data and every prediction) is let go. Such a snapshot says
`summary_only`, so a front end can tell the learner. The newest `KEEP_FULL` pauses always stay whole.

The estimate is cheap on purpose (appending is on the engine's hot path, five times per loop
iteration): a snapshot is charged only for what it does not share with the pause before it — unchanged
parameters share one summary, unchanged pauses one dict — using sizes worked out from each object's
kind and length rather than walking every object. tests/engine/test_history.py checks it against
tracemalloc. Summaries are never dropped: a run long enough can hold more than the budget in
summaries alone, and then every pause but the newest few is a summary.
"""

from __future__ import annotations

import dataclasses
import sys
from array import array
from collections import deque
from collections.abc import Iterable

from .snapshot import FitView, GraphNode, OptimizerInfo, Snapshot, TensorStats

DEFAULT_MB = 256.0
KEEP_FULL = 10  # two loop iterations: the live pause and the ones its changes are measured against

# Sizes on 64-bit CPython (sys.getsizeof), for estimates that need no call per object.
_FLOAT = 24
_INT = 28  # a number above 256 (smaller ones are shared by the interpreter)
_PAUSE = 300  # the Snapshot itself, its LossCurve, its index/step numbers and its loss
_GRAPH_NODE = 150  # one GraphNode: the object, its label and its tuple of children
_OPTIMIZER = 400  # an OptimizerInfo with its hyper-parameter dict


def _tuple(n: int) -> int:
    return 40 + 8 * n


def _summary_bytes(stats: TensorStats) -> int:
    """What a summary keeps even when thinned: the tuple, five statistics and the histogram (shape,
    dtype and device are shared objects, see stats.summarize)."""
    size = _tuple(len(stats)) + 5 * _FLOAT
    hist = stats.hist
    return size if hist is None else size + _tuple(len(hist)) + _INT * len(hist)


def _values_bytes(stats: TensorStats | None) -> int:
    """What thinning frees: the tuple of every value and the floats in it."""
    values = None if stats is None else stats.values
    return 0 if not values else _tuple(len(values)) + _FLOAT * len(values)


def _fit_bytes(fit: FitView, before: FitView | None) -> int:
    """The view's arrays and class grid, less those it shares with the view before it."""
    size = 200  # the FitView object and its attribute dict
    for name in ("xs", "ys", "preds", "x2"):
        values = getattr(fit, name)
        if values is not None and (before is None or getattr(before, name) is not values):
            size += sys.getsizeof(values)
    if fit.grid is not None and (before is None or before.grid is not fit.grid):
        size += _tuple(len(fit.grid)) + sum(_tuple(len(row)) for row in fit.grid)
    return size


def _graph_nodes(graph: GraphNode) -> int:
    count, stack = 0, [graph]
    while stack:
        node = stack.pop()
        count += 1
        stack.extend(node.children)
    return count


def _thin(stats: TensorStats | None) -> TensorStats | None:
    return stats if stats is None or stats.values is None else stats._replace(values=None)


def _thin_dict(stats: dict, before: dict | None, before_thinned: dict | None) -> dict:
    """`stats` without values, sharing what it shares with the pause thinned just before."""
    if stats is before:
        return before_thinned
    if not any(s is not None and s.values is not None for s in stats.values()):
        return stats
    shared_before = before if before is not None else {}
    thinned = {}
    for name, s in stats.items():
        thinned[name] = before_thinned[name] if s is not None and shared_before.get(name) is s else _thin(s)
    return thinned


class History(list[Snapshot]):
    """A run's snapshots, oldest first, thinned to summaries from the oldest when over `budget_mb`.

    Only `append`, `extend` and `clear` keep the estimate: the engine uses nothing else to write.
    """

    def __init__(self, snapshots: Iterable[Snapshot] = (), budget_mb: float = DEFAULT_MB):
        super().__init__()
        self.budget = int(budget_mb * 2**20)
        self.bytes = 0  # the estimate of what the snapshots hold now
        self._droppable = array("q")  # per pause: bytes thinning it frees (0 once thinned)
        self._next_to_thin = 0  # every pause before this one is thinned (or had nothing to drop)
        self._thinned_last: tuple[Snapshot, Snapshot] | None = None  # (before, after) its thinning
        self._graphs: deque[GraphNode] = deque(maxlen=4)  # the last few different graphs seen
        self.extend(snapshots)

    @property
    def thinned(self) -> int:
        """How many of the oldest pauses hold only summaries (or never held more)."""
        return self._next_to_thin

    def append(self, snapshot: Snapshot) -> None:
        before = self[-1] if self else None
        snapshot, new_graph = self._share_graph(snapshot, before)
        summary, droppable = self._cost(snapshot, before)
        if new_graph:
            summary += _GRAPH_NODE * _graph_nodes(snapshot.graph)
        super().append(snapshot)
        self._droppable.append(droppable)
        self.bytes += summary + droppable
        if self.bytes > self.budget:
            self._thin_oldest()

    def replace_last(self, snapshot: Snapshot) -> None:
        """Put `snapshot` in the newest pause's place: the same pause, with more taken (the views a
        run at full speed skipped, taken once it has stopped there). One assignment: a reader on
        another thread never sees the history one pause short."""
        before = self[-2] if len(self) > 1 else None
        old_summary, old_droppable = self._cost(self[-1], before)
        snapshot, new_graph = self._share_graph(snapshot, before)
        summary, droppable = self._cost(snapshot, before)
        if new_graph:
            summary += _GRAPH_NODE * _graph_nodes(snapshot.graph)
        super().__setitem__(len(self) - 1, snapshot)
        self._droppable[-1] = droppable
        self.bytes += summary + droppable - old_summary - old_droppable

    def extend(self, snapshots: Iterable[Snapshot]) -> None:
        for snapshot in snapshots:
            self.append(snapshot)

    def clear(self) -> None:
        super().clear()
        self.bytes = 0
        self._droppable = array("q")
        self._next_to_thin = 0
        self._thinned_last = None
        self._graphs.clear()

    # --- what a pause costs --------------------------------------------------------------------------

    def _share_graph(self, snapshot: Snapshot, before: Snapshot | None) -> tuple[Snapshot, bool]:
        """One object for equal graphs: a loop records the same two (the forward's, the loss's) every
        iteration, and each is built anew. Also says whether the graph is one not seen before."""
        graph = snapshot.graph
        if graph is None or (before is not None and graph is before.graph):
            return snapshot, False
        for known in self._graphs:
            if known is graph:
                return snapshot, False
            if known == graph:
                return dataclasses.replace(snapshot, graph=known), False
        self._graphs.append(graph)
        return snapshot, True

    def _cost(self, snapshot: Snapshot, before: Snapshot | None) -> tuple[int, int]:
        """(bytes kept for good, bytes thinning would free) of what this pause does not share."""
        summary, droppable = _PAUSE, 0
        pairs = (
            (snapshot.params, before.params if before is not None else None),
            (snapshot.grads, before.grads if before is not None else None),
        )
        for stats, earlier in pairs:
            if stats is earlier:
                continue
            summary += sys.getsizeof(stats)
            earlier = earlier or {}
            for name, s in stats.items():
                if s is not None and earlier.get(name) is not s:
                    summary += _summary_bytes(s)
                    droppable += _values_bytes(s)
        preds = snapshot.preds
        if preds is not None and (before is None or before.preds is not preds):
            summary += _summary_bytes(preds)
            droppable += _values_bytes(preds)
        fit = snapshot.fit
        if fit is not None and (before is None or before.fit is not fit):
            droppable += _fit_bytes(fit, before.fit if before is not None else None)
        optimizer = snapshot.optimizer
        if optimizer is not None and (before is None or before.optimizer is not optimizer):
            kept, dropped = self._optimizer_cost(optimizer, before.optimizer if before is not None else None)
            summary += kept
            droppable += dropped
        return summary, droppable

    @staticmethod
    def _optimizer_cost(info: OptimizerInfo, before: OptimizerInfo | None) -> tuple[int, int]:
        summary, droppable = _OPTIMIZER, 0
        earlier = before.state if before is not None else {}
        for name, entry in info.state.items():
            summary += sys.getsizeof(entry)
            then = earlier.get(name) or {}
            for key, value in entry.items():
                if isinstance(value, TensorStats) and then.get(key) is not value:
                    summary += _summary_bytes(value)
                    droppable += _values_bytes(value)
        return summary, droppable

    # --- thinning ------------------------------------------------------------------------------------

    def _thin_oldest(self) -> None:
        """Thin from the oldest whole pause on until the estimate fits (or only the newest are whole)."""
        last = len(self) - KEEP_FULL
        while self.bytes > self.budget and self._next_to_thin < last:
            index = self._next_to_thin
            self._next_to_thin += 1
            # Each pause is charged only for what it added, but what it shares with the pauses before
            # is freed only once they are all thinned: so every one is, in order.
            self.bytes -= self._droppable[index]
            self._droppable[index] = 0
            snapshot = self[index]
            thinned = self._summary_of(snapshot)
            if thinned is not snapshot:
                list.__setitem__(self, index, thinned)

    def _summary_of(self, snapshot: Snapshot) -> Snapshot:
        last = self._thinned_last
        before, before_thinned = last if last is not None else (None, None)
        # Unchanged pieces were shared with the pause before; its thinned copies are shared again.
        params = _thin_dict(
            snapshot.params,
            before.params if before is not None else None,
            before_thinned.params if before_thinned is not None else None,
        )
        grads = _thin_dict(
            snapshot.grads,
            before.grads if before is not None else None,
            before_thinned.grads if before_thinned is not None else None,
        )
        if before is not None and snapshot.preds is before.preds:
            preds = before_thinned.preds
        else:
            preds = _thin(snapshot.preds)
        optimizer = snapshot.optimizer
        if before is not None and optimizer is before.optimizer:
            optimizer = before_thinned.optimizer
        elif optimizer is not None and optimizer.state:
            state = {
                name: {k: _thin(v) if isinstance(v, TensorStats) else v for k, v in entry.items()}
                for name, entry in optimizer.state.items()
            }
            optimizer = dataclasses.replace(optimizer, state=state)
        unchanged = (
            params is snapshot.params
            and grads is snapshot.grads
            and preds is snapshot.preds
            and optimizer is snapshot.optimizer
            and snapshot.fit is None
        )
        if unchanged:
            thinned = snapshot  # it held nothing more than summaries: it stays (and is not marked)
        else:
            thinned = dataclasses.replace(
                snapshot,
                params=params,
                grads=grads,
                preds=preds,
                optimizer=optimizer,
                fit=None,
                summary_only=True,
            )
        self._thinned_last = (snapshot, thinned)
        return thinned
