"""The autograd graph behind the loss, as a small tree a terminal can draw.

Each node is one operation autograd recorded (``MseLoss``, ``Addmm``, ``T``); the leaves where
gradients are stored (``AccumulateGrad``) are labelled with the parameter's name.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .snapshot import GraphNode

MAX_NODES = 40


def walk(grad_fn: Any, limit: int, stop: frozenset | set = frozenset()) -> Iterator[Any]:
    """The nodes of an autograd graph from `grad_fn` down, depth first in input order, each once and
    at most `limit` of them, not going below nodes whose `node_key`s are in `stop`."""
    # The nodes seen are held until the walk ends: torch 2.11 makes a Python object for a node on each
    # reading of `next_functions` and frees it after, so a later node's object could take a freed
    # one's address, and an id-only `seen` skipped it (a loss never found to come from its forward).
    seen: dict[int, Any] = {}
    stack = [grad_fn]
    while stack and len(seen) < limit:
        node = stack.pop()
        if node is None or id(node) in seen or (stop and node_key(node) in stop):
            continue
        seen[id(node)] = node
        yield node
        stack.extend(child for child, _ in reversed(node.next_functions))


def sequence_nr(fn: Any) -> int:
    """The order in which autograd made the node `fn` in this thread (-1 when torch does not say)."""
    try:
        return fn._sequence_nr()
    except (AttributeError, RuntimeError):
        return -1


_UNNUMBERED = 2**64 - 1  # the number of nodes autograd does not number (AccumulateGrad, at a leaf)


def node_key(fn: Any) -> tuple:
    """What tells one autograd node from another for as long as it lives, without keeping it alive.

    Not the Python object's id alone: torch 2.13 keeps one Python object per node, but torch 2.11 makes
    a new one each time `tensor.grad_fn` is read after the last was dropped, so a loss remembered by
    id was never found again (every loss looked unused: `eval-with-grad` on a lent GPU's torch).
    Autograd numbers the nodes it makes, in order, per thread; only leaves go unnumbered."""
    number = sequence_nr(fn)
    if 0 <= number < _UNNUMBERED:
        return number, type(fn).__name__
    return "object", id(fn)


def graph_leaves(grad_fn: Any, limit: int = 20000) -> list[Any]:
    """The leaf tensors (parameters) an autograd graph accumulates gradients into, in graph order."""
    return [node.variable for node in walk(grad_fn, limit) if getattr(node, "variable", None) is not None]


def derives_from(grad_fn: Any, targets: set, limit: int = 256) -> bool:
    """Does this autograd node lead (within `limit` nodes) to one of the nodes whose `node_key`s are
    given?"""
    return bool(targets) and any(node_key(node) in targets for node in walk(grad_fn, limit))


def uses_parameter(grad_fn: Any, stop: set, limit: int = 256) -> bool:
    """Does the graph between `grad_fn` and the nodes in `stop` reach a parameter (a leaf)?"""
    return any(getattr(node, "variable", None) is not None for node in walk(grad_fn, limit, stop))


def graph_tree(root: Any, names: dict[int, str], limit: int = MAX_NODES) -> GraphNode | None:
    """The tree under `root` (a tensor's grad_fn), at most `limit` nodes; shared nodes shown once."""
    if root is None:
        return None
    seen: dict[int, Any] = {}  # (each node held until the tree is built: see `walk`)
    count = [0]

    def build(node: Any) -> GraphNode:
        count[0] += 1
        variable = getattr(node, "variable", None)
        if variable is not None:
            shape = "[" + ", ".join(str(d) for d in variable.shape) + "]"
            name = names.get(id(variable), "a leaf tensor")
            return GraphNode(f"{name} {shape}", (), param=name)
        label = type(node).__name__.removesuffix("Backward0").removesuffix("Backward1")
        if id(node) in seen:
            return GraphNode(f"{label} (shown above)", ())
        seen[id(node)] = node
        children = []
        for child, _ in node.next_functions:
            if child is None:
                continue
            if count[0] >= limit:
                children.append(GraphNode("…", ()))
                break
            children.append(build(child))
        return GraphNode(label, tuple(children))

    try:
        return build(root)
    finally:
        # (`build` refers to itself, so its cells outlive this call until a garbage collection: the
        # nodes held would keep a dropped model's parameters alive until then.)
        seen.clear()
