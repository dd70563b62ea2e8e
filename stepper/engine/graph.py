"""The autograd graph behind the loss, as a small tree a terminal can draw.

Each node is one operation autograd recorded (``MseLoss``, ``Addmm``, ``T``); the leaves where
gradients are stored (``AccumulateGrad``) are labelled with the parameter's name.
"""

from __future__ import annotations

from typing import Any

from .snapshot import GraphNode

MAX_NODES = 40


def graph_tree(root: Any, names: dict[int, str], limit: int = MAX_NODES) -> GraphNode | None:
    """The tree under `root` (a tensor's grad_fn), at most `limit` nodes; shared nodes shown once."""
    if root is None:
        return None
    seen: set[int] = set()
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
        seen.add(id(node))
        children = []
        for child, _ in node.next_functions:
            if child is None:
                continue
            if count[0] >= limit:
                children.append(GraphNode("…", ()))
                break
            children.append(build(child))
        return GraphNode(label, tuple(children))

    return build(root)
