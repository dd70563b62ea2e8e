"""The autograd graph view (`a`): the grad_fn tree from the loss down to the parameters.

Drawn as text with tree guides rather than Textual's `Tree` widget: a `Tree` takes the keyboard
(space and enter would stop stepping the script) and folds branches a learner should see at once.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from ...engine.snapshot import GraphNode
from ..frame import Frame

LEAF = "◆"  # an AccumulateGrad node: where backward stores a parameter's .grad (named in the header)


def graph_lines(node: GraphNode, prefix: str = "", last: bool = True, root: bool = True) -> list[Text]:
    """One line per node, with ├─ / └─ guides; parameters (AccumulateGrad leaves) named in bold."""
    line = Text(no_wrap=True, overflow="ellipsis")
    if not root:
        line.append(prefix + ("└─ " if last else "├─ "), style="dim")
    if node.param is not None:
        name, _, shape = node.label.partition(" ")
        line.append(f"{LEAF} ", style="bold")
        line.append(name, style="bold cyan")
        line.append(f" {shape}" if shape else "")
    else:
        line.append(node.label, style="bold" if root else "")
    lines = [line]
    below = "" if root else prefix + ("   " if last else "│  ")
    for i, child in enumerate(node.children):
        lines.extend(graph_lines(child, below, i == len(node.children) - 1, root=False))
    return lines


HEADER = (
    "Each line is an operation autograd recorded (a grad_fn); backward walks them from the top down.\n"
    f"{LEAF} AccumulateGrad: where a parameter's .grad is stored.\n"
)
NO_GRAPH = "No graph yet: PyTorch records it while the forward runs, and the loss extends it."
NOT_RECORDED = "No graph: these predictions have no grad_fn. Under torch.no_grad() autograd records nothing."


def tree_text(graph: GraphNode | None) -> Text:
    """The tree, one node a line: lines are cut (…) rather than wrapped, which would break the guides."""
    if graph is None:
        return Text(NO_GRAPH, style="dim")
    text = Text("\n").join(graph_lines(graph))
    text.no_wrap = True
    text.overflow = "ellipsis"
    return text


class GraphView(VerticalScroll, can_focus=False):
    DEFAULT_CSS = """
    GraphView { height: 1fr; padding: 0 1; }
    GraphView #graph-tree { text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "autograd graph"
        self._graph: GraphNode | None = None
        self._drawn = False

    def compose(self) -> ComposeResult:
        yield Static(Text(HEADER, style="dim"), id="graph-header")
        yield Static(Text(NO_GRAPH, style="dim"), id="graph-tree")

    def show(self, frame: Frame) -> None:
        graph = frame.snapshot.graph if frame.snapshot is not None else None
        if self._drawn and graph == self._graph:
            return
        self._graph = graph
        self._drawn = True
        self.query_one("#graph-header").display = graph is not None
        unrecorded = graph is None and frame.snapshot is not None and frame.snapshot.preds is not None
        tree = Text(NOT_RECORDED, style="dim") if unrecorded else tree_text(graph)
        self.query_one("#graph-tree", Static).update(tree)
