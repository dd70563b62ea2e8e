"""The tree of modules behind the parameters and gradients panels of a big model: plain data, no
screen. Tensor names are grouped by their dotted prefix (`model.0.weight` sits in `model.0`), and a
`TreeState` keeps what is folded, what is selected and the name filter from pause to pause.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# Models with more tensors than this start with every module folded (the top modules in view).
FOLDED_FROM = 32


@dataclass(eq=False)
class Node:
    key: str  # a module's dotted path, or a tensor's full name
    label: str  # what the row shows: the key relative to the parent row
    leaf: bool
    children: list[Node] = field(default_factory=list)
    tensors: list[str] = field(default_factory=list)  # every tensor name at or under this node


def module_tree(names: Iterable[str]) -> list[Node]:
    """The top rows for these tensor names, in their order. A module whose only child is another
    module merges with it (`model.encoder`), and a lone top module gives its place to its children
    (`model.0`, `model.2` rather than one `model` row holding everything)."""
    root = Node("", "", leaf=False)
    modules: dict[str, Node] = {"": root}
    for name in names:
        parts = name.split(".")
        parent = root
        for depth in range(1, len(parts)):
            key = ".".join(parts[:depth])
            node = modules.get(key)
            if node is None:
                node = modules[key] = Node(key, parts[depth - 1], leaf=False)
                parent.children.append(node)
            node.tensors.append(name)
            parent = node
        parent.children.append(Node(name, parts[-1], leaf=True, tensors=[name]))
    for node in modules.values():
        _merge_chains(node)
    tops = root.children
    if len(tops) == 1 and not tops[0].leaf:
        tops = tops[0].children
        for node in tops:
            node.label = node.key
    return tops


def _merge_chains(node: Node) -> None:
    for i, child in enumerate(node.children):
        while not child.leaf and len(child.children) == 1 and not child.children[0].leaf:
            only = child.children[0]
            only.label = f"{child.label}.{only.label}"
            child = only
        node.children[i] = child


@dataclass(frozen=True, slots=True)
class Row:
    node: Node
    depth: int


class TreeState:
    """What is folded, which row is selected and the name filter: kept from pause to pause."""

    def __init__(self) -> None:
        self.folded: set[str] = set()
        self.seen: set[str] = set()  # modules met so far (new ones start folded in a big model)
        self.selected: str | None = None
        self.filter = ""
        self.editing = False  # the filter is being typed
        # The learner asked for the tree (t) because a small model's flat panels had lines hidden.
        self.forced = False
        self._names: tuple[str, ...] = ()
        self._tops: list[Node] = []
        self._rows: list[Row] = []
        self._rows_key: tuple | None = None

    def tops(self, names: Sequence[str]) -> list[Node]:
        names = tuple(names)
        if names != self._names:
            self._names, self._tops = names, module_tree(names)
            fold = len(names) > FOLDED_FROM
            for node in walk(self._tops):
                if not node.leaf and node.key not in self.seen:
                    self.seen.add(node.key)
                    if fold:
                        self.folded.add(node.key)
        return self._tops

    def rows(self, names: Sequence[str]) -> list[Row]:
        """The rows in view: unfolded modules' children, or with a filter every tensor whose name
        contains it (any case) with the modules above it."""
        tops = self.tops(names)
        key = (self._names, frozenset(self.folded), self.filter.lower())
        if key != self._rows_key:
            self._rows_key = key
            self._rows = list(self._visible(tops, 0, self.filter.lower()))
            if self._rows and self.selected not in {row.node.key for row in self._rows}:
                self.selected = self._replacement()
        return self._rows

    def _visible(self, nodes: list[Node], depth: int, needle: str):
        for node in nodes:
            if needle and not any(needle in name.lower() for name in node.tensors):
                continue
            yield Row(node, depth)
            if not node.leaf and (needle or node.key not in self.folded):
                yield from self._visible(node.children, depth + 1, needle)

    def _replacement(self) -> str:
        """A selection gone from view: the module it was folded into, else (filtered out) the first
        tensor in view."""
        keys = [row.node.key for row in self._rows]
        selected = self.selected or ""
        for key in reversed(keys):
            if selected.startswith(key + ".") and key in self.folded and not self.filter:
                return key
        return next((row.node.key for row in self._rows if row.node.leaf), keys[0])

    def index(self) -> int:
        keys = [row.node.key for row in self._rows]
        return keys.index(self.selected) if self.selected in keys else 0

    def move(self, delta: int) -> None:
        if self._rows:
            index = max(0, min(len(self._rows) - 1, self.index() + delta))
            self.selected = self._rows[index].node.key

    def fold(self) -> None:
        """Fold or unfold the selected module; on a tensor, fold its module and select that."""
        if not self._rows:
            return
        row = self._rows[self.index()]
        if not row.node.leaf:
            self.folded.symmetric_difference_update({row.node.key})
            return
        parent = next((r for r in reversed(self._rows[: self.index()]) if r.depth < row.depth), None)
        if parent is not None:
            self.folded.add(parent.node.key)
            self.selected = parent.node.key


def walk(nodes: list[Node]):
    for node in nodes:
        yield node
        yield from walk(node.children)
