"""Autograd nodes are remembered by a key that outlives their Python object (see graph.node_key): on
torch 2.11 (seen on a lent GPU machine) reading `loss.grad_fn` again gave a new object with a new id,
and every loss the engine had remembered by id looked unused (`eval-with-grad` at every loss line)."""

from __future__ import annotations

import torch

from stepper.engine.graph import derives_from, node_key, walk


def test_a_node_is_known_by_its_number_not_by_its_python_object():
    w = torch.ones(3, requires_grad=True)
    first = (w * 2).sum()
    second = (w * 3).sum()
    key = node_key(first.grad_fn)
    # The key is what autograd numbered the node, with its kind; never the object's address.
    assert key == (first.grad_fn._sequence_nr(), "SumBackward0")
    assert key == node_key(first.grad_fn) != node_key(second.grad_fn)
    # A later loss made from the first is found to derive from it by that key alone.
    scaled = first / 4
    assert derives_from(scaled.grad_fn, {key})
    assert not derives_from(second.grad_fn, {key})


def test_leaves_which_autograd_does_not_number_are_told_apart_by_object():
    a = torch.ones(2, requires_grad=True)
    b = torch.ones(2, requires_grad=True)
    leaves = [fn for fn, _ in (a * b).sum().grad_fn.next_functions[0][0].next_functions]
    assert [type(fn).__name__ for fn in leaves] == ["AccumulateGrad", "AccumulateGrad"]
    assert node_key(leaves[0]) != node_key(leaves[1])


class _Wrapper:
    """A Python object for an autograd node made anew on each reading, as torch 2.11 makes them."""

    def __init__(self, depth: int):
        self.depth = depth

    @property
    def next_functions(self):
        return ((_Wrapper(self.depth + 1), 0),) if self.depth < 5 else ()


def test_a_walk_visits_every_node_when_their_python_objects_come_and_go():
    # Made on each reading and freed after, a node's object can take the address of one already seen:
    # a walk that kept only ids skipped it (on torch 2.11, a loss was never found to come from its
    # forward). Every node of the chain is visited.
    assert [node.depth for node in walk(_Wrapper(0), 100)] == [0, 1, 2, 3, 4, 5]
