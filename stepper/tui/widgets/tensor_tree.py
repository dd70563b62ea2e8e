"""Parameters and gradients as a tree of modules, for models too big to list value by value.

A small model (a handful of tensors, each of at most SMALL_TENSOR values) keeps the flat panels: every
value, old → new. Past that, the names are grouped by their dotted prefix into modules
(`model.0.weight` sits in `model.0`) and each tensor takes one line: shape, flags, a sparkline of its
histogram and its lovely-tensors style statistics. The selected tensor shows its full summary under
it. The parameters panel takes the keys (focus it with `t` or tab); the gradients panel mirrors its
folding, selection and filter, so a parameter and its gradient are always found in the same place.

The state (what is folded, what is selected, the filter) lives in a `TreeState` (module_tree.py) and
outlives pauses: each pause only redraws the lines in view.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.text import Text
from textual import events
from textual.binding import Binding

from ...engine import Snapshot, TensorStats
from ...engine.stats import HIST_BINS
from ...format import flags_text, num
from .module_tree import Node, Row, TreeState
from .values import LinesPanel, cropped

# More tensors than this, or any tensor too big to keep every value, and the panels become a tree.
FLAT_TENSORS = 8
DETAIL_LINES = 3  # the selected tensor's full summary, always this tall so the panel keeps its height
SPARKS = " ▁▂▃▄▅▆▇█"  # an empty bin is blank: a lone outlier still shows as ▁
ASCII_SPARKS = " .:-=+*#@"


def use_tree(snapshot: Snapshot | None) -> bool:
    if snapshot is None:
        return False
    params = snapshot.params
    return len(params) > FLAT_TENSORS or any(stats.values is None for stats in params.values())


# --- text ----------------------------------------------------------------------------------------------


def sparkline(counts: Sequence[int] | None, ascii: bool = False) -> str:
    """One character per bin, the tallest bin full height; an empty bin blank."""
    if not counts:
        return ""
    marks = ASCII_SPARKS if ascii else SPARKS
    top = max(counts)
    levels = len(marks) - 1
    return "".join(marks[0] if c == 0 else marks[max(1, -(-c * levels // top))] for c in counts)


def counts_of(stats: TensorStats) -> tuple[int, ...] | None:
    """The engine's histogram, or one worked out here from the kept values of a small tensor."""
    if stats.hist is not None or stats.values is None or stats.min is None or stats.min != stats.min:
        return stats.hist
    lo, hi = stats.min, stats.max
    counts = [0] * HIST_BINS
    for value in stats.values:
        if lo <= value <= hi:
            counts[
                HIST_BINS // 2 if hi == lo else min(HIST_BINS - 1, int((value - lo) / (hi - lo) * HIST_BINS))
            ] += 1
    return tuple(counts)


def compact_shape(shape: tuple[int, ...]) -> str:
    return "[" + ",".join(str(d) for d in shape) + "]"


def short_flags(stats: TensorStats) -> Text:
    text = Text()
    if stats.nan:
        text.append(" NaN!", style="bold red")
    if stats.inf:
        text.append(" Inf!", style="bold red")
    if stats.zeros and stats.numel:
        text.append(" all zeros", style="yellow")
    return text


def summary_row(stats: TensorStats, ascii: bool, style: str = "") -> Text:
    """`[1024,784] ▁▂▅█▅▂▁ x∈[-0.036, 0.036] μ=1.2e-05 σ=0.021 ‖‖=23.1 n=802816` and flags."""
    text = Text(compact_shape(stats.shape), style="dim")
    text.append_text(short_flags(stats))
    spark = sparkline(counts_of(stats), ascii)
    if spark and not stats.zeros:
        text.append(f" {spark}", style="cyan")
    rest = (
        f" x∈[{num(stats.min)}, {num(stats.max)}] μ={num(stats.mean)} σ={num(stats.std)} ‖‖={num(stats.norm)}"
    )
    if stats.approx:  # from a sample: the pause had no time to read every value
        rest = " ≈" + rest
    text.append(rest + f" n={stats.numel}", style=style)
    if stats.dtype != "float32":
        text.append(f" {stats.dtype}", style=style)
    if stats.device != "cpu":
        text.append(f" {stats.device}", style=style)
    return text


def detail_words(stats: TensorStats) -> list[str]:
    """The full summary as words to wrap: flags, the statistics, then n, dtype and device."""
    flags = flags_text(stats)
    words = flags.split(" ") if flags else []
    words += [f"x∈[{num(stats.min)}, {num(stats.max)}]", f"μ={num(stats.mean)}", f"σ={num(stats.std)}"]
    words += [f"‖‖={num(stats.norm)}", f"n={stats.numel}", stats.dtype, stats.device]
    if stats.approx:
        words += ["(≈", "from", "a", "sample", "of", "the", "values)"]
    return words


def wrap_words(words: Iterable[str], width: int, indent: str, style: str = "") -> list[Text]:
    lines: list[Text] = []
    line = ""
    for word in words:
        if line and len(indent) + len(line) + 1 + len(word) > width:
            lines.append(Text(indent + line, style=style))
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(Text(indent + line, style=style))
    return lines


def norm_of(stats: Iterable[TensorStats | None]) -> float:
    """The L2 norm of several tensors taken together."""
    total = 0.0
    for s in stats:
        if s is not None and s.norm is not None:
            total += s.norm * s.norm
    return total**0.5


# --- the panel -----------------------------------------------------------------------------------------


class TensorTreePanel(LinesPanel):
    """A LinesPanel that turns into a module tree for big models. Subclasses draw a tensor's row
    (`tensor_row`), a module's (`module_row`) and the selected tensor's summary (`detail`).

    One panel leads (`LEADS`): it takes the keys while it draws a tree, and owns the `TreeState`
    that the others on the screen follow."""

    LEADS = False
    BINDINGS = [
        Binding("down,j", "tree_move(1)", "down", show=False),
        Binding("up,k", "tree_move(-1)", "up", show=False),
        Binding("pagedown", "tree_page(1)", "page down", show=False),
        Binding("pageup", "tree_page(-1)", "page up", show=False),
        Binding("home", "tree_move(-1000000)", "first", show=False),
        Binding("end", "tree_move(1000000)", "last", show=False),
        Binding("h", "tree_fold", "fold", show=False),
        Binding("slash", "tree_filter", "filter", show=False),
        Binding("escape", "tree_clear", "clear filter", show=False),
    ]

    HIDDEN_HINT = " · t: tree"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.treeing = False  # drawing the tree (else the flat lines of LinesPanel)
        self._total = 0  # lines the tree would take, all shown
        self._top = 0  # first line in view, kept while the selection stays in view
        self._state: TreeState | None = None
        # What each line drawn stands for, for a click: a row (its Row), a "more lines" arrow (+1 or
        # -1: a page down or up), else None (the filter line, the selected tensor's summary).
        self._targets: list[Row | int | None] = []

    @property
    def tree(self) -> TreeState:
        if self._state is None:
            leader = None if self.LEADS else self.leader()
            self._state = leader.tree if leader is not None else TreeState()
        return self._state

    def leader(self) -> TensorTreePanel | None:
        if not self.is_attached:
            return None
        return next((panel for panel in self.screen.query(TensorTreePanel) if panel.LEADS), None)

    @property
    def ascii(self) -> bool:
        options = getattr(self.app, "options", None)
        return bool(options is not None and options.ascii)

    @property
    def highlighted(self) -> bool:
        """Whether the selected row is drawn reversed: while the leading panel has the keys."""
        leader = self if self.LEADS else self.leader()
        return leader is not None and leader.has_focus

    def _rebuild(self) -> None:
        frame = self.frame
        snapshot = frame.snapshot if frame is not None else None
        self.treeing = use_tree(snapshot) or (snapshot is not None and self.tree.forced)
        if self.LEADS:
            self.take_keys(self.treeing)
        if not self.treeing:
            super()._rebuild()
            return
        rows = self.tree.rows(list(snapshot.params))
        total = (1 if self.tree.filter or self.tree.editing else 0) + max(1, len(rows)) + DETAIL_LINES
        taller = total != self._total
        self._total = total
        self._lines = []
        self.repaint(taller)

    def get_content_height(self, container, viewport, width: int) -> int:
        return self._total if self.treeing else super().get_content_height(container, viewport, width)

    def rows(self) -> list[Text]:
        if not self.treeing:
            return super().rows()
        width = self.size.width or self.FALLBACK_WIDTH
        height = self.size.height or self._total
        state, frame = self.tree, self.frame
        lines: list[Text] = []
        targets: list[Row | int | None] = []
        self._targets = targets
        if state.filter or state.editing:
            lines.append(self.filter_line())
            targets.append(None)
        rows = state.rows(list(frame.snapshot.params))
        room = max(1, height - len(lines))
        if not rows:
            lines.append(Text(f"no name contains {state.filter!r}", style="dim italic"))
            return self._cropped(lines, width)
        selected = state.index()
        count = len(rows) + DETAIL_LINES  # the detail sits right under the selected row
        first, last = selected, selected + DETAIL_LINES
        self._top = top = window(count, room, first, last, self._top)
        bottom = min(count, top + room)
        for item in range(top, bottom):
            if (item == top and top > 0) or (item == bottom - 1 and bottom < count):
                hidden = top if item == top else count - bottom
                arrow = "↑" if item == top else "↓"
                more = "1 more line" if hidden == 1 else f"{hidden} more lines"
                lines.append(Text(f"{arrow} {more}", style="dim italic"))
                targets.append(-1 if item == top else 1)
            elif selected < item <= selected + DETAIL_LINES:
                detail = self._detail(rows[selected], width)
                lines.append(detail[item - selected - 1])
                targets.append(None)
            else:
                row = rows[item if item <= selected else item - DETAIL_LINES]
                lines.append(self._row(row, row.node.key == state.selected))
                targets.append(row)
        return self._cropped(lines, width)

    def _cropped(self, lines: list[Text], width: int) -> list[Text]:
        return [line if line.cell_len <= width else cropped(line, width) for line in lines]

    def filter_line(self) -> Text:
        state = self.tree
        line = Text("/", style="bold")
        line.append(state.filter)
        if state.editing:
            line.append(" ", style="reverse")
            line.append("  enter keeps · esc clears", style="dim")
        else:
            line.append("  esc clears", style="dim")
        return line

    def _row(self, row: Row, selected: bool) -> Text:
        node = row.node
        indent = "  " * row.depth
        if node.leaf:
            line = Text(indent)
            line.append_text(self.tensor_row(node))
        else:
            marker = ("+" if node.key in self.tree.folded else "-") if self.ascii else None
            if marker is None:
                marker = "▸" if node.key in self.tree.folded else "▾"
            line = Text(f"{indent}{marker} ")
            line.append_text(self.module_row(node))
        if selected and self.highlighted:
            line.stylize("reverse")
        return line

    def _detail(self, row: Row, width: int) -> list[Text]:
        indent = "  " * (row.depth + 1)  # under the row's name
        node = row.node
        lines = self.detail(node, width, indent) if node.leaf else self.module_detail(node, width, indent)
        if len(lines) > DETAIL_LINES:
            lines = lines[:DETAIL_LINES]
            lines[-1] = cropped(lines[-1], max(1, min(width, lines[-1].cell_len))) + Text("…")
        return lines + [Text("")] * (DETAIL_LINES - len(lines))

    # --- keys (on the leading panel) -----------------------------------------------------------------

    def take_keys(self, tree: bool) -> None:
        """Focusable while it draws a tree, and focused then if nothing else is; never when flat."""
        self.can_focus = tree
        if tree and self.is_attached and self.screen.focused is None:
            self.focus()
        elif not tree and self.has_focus:
            self.blur()

    def redraw_all(self) -> None:
        for panel in self.screen.query(TensorTreePanel):
            panel._rebuild()

    def on_focus(self) -> None:
        self.call_later(self.redraw_all)  # once Textual's own handler has set has_focus

    def on_blur(self) -> None:
        self.tree.editing = False
        self.call_later(self.redraw_all)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Only while a tree is drawn: otherwise the key goes on to the app's own binding, if any.
        return self.treeing if action.startswith("tree_") else True

    def action_tree_move(self, delta: int) -> None:
        self.tree.move(delta)
        self.redraw_all()

    def action_tree_page(self, direction: int) -> None:
        self.tree.move(direction * max(1, self.size.height - DETAIL_LINES - 2))
        self.redraw_all()

    def action_tree_fold(self) -> None:
        self.tree.fold()
        self.redraw_all()

    def action_tree_filter(self) -> None:
        self.tree.editing = True
        self.redraw_all()

    def action_tree_clear(self) -> None:
        self.tree.filter = ""
        self.redraw_all()

    def on_click(self, event: events.Click) -> None:
        """A click selects the row under it (and gives the tree the keys); on a module's ▾/▸, or on
        the module already selected, it also folds or unfolds it. "↑/↓ more lines" turn a page."""
        offset = event.get_content_offset(self)
        if not self.treeing or offset is None or not 0 <= offset.y < len(self._targets):
            return
        target = self._targets[offset.y]
        if target is None:
            return
        state = self.tree
        if isinstance(target, int):
            self.action_tree_page(target)
        else:
            key = target.node.key
            on_marker = offset.x == 2 * target.depth  # the ▾/▸ after the row's indent
            if not target.node.leaf and (on_marker or key == state.selected):
                state.folded.symmetric_difference_update({key})
            state.selected = key
        leader = self if self.LEADS else self.leader()
        if leader is not None and leader.can_focus and not leader.has_focus:
            leader.focus()  # (its focus handler redraws every panel)
        self.redraw_all()

    def on_key(self, event: events.Key) -> None:
        """While the filter is typed, every key edits it (none steps the script)."""
        state = self.tree
        if not state.editing:
            return
        event.stop()
        event.prevent_default()
        if event.key == "enter":
            state.editing = False
        elif event.key == "escape":
            state.editing = False
            state.filter = ""
        elif event.key == "backspace":
            state.filter = state.filter[:-1]
        elif event.is_printable and event.character:
            state.filter += event.character
        self.redraw_all()

    # --- what subclasses draw ---------------------------------------------------------------------------

    def tensor_row(self, node: Node) -> Text:
        raise NotImplementedError

    def module_row(self, node: Node) -> Text:
        raise NotImplementedError

    def detail(self, node: Node, width: int, indent: str) -> list[Text]:
        raise NotImplementedError

    def module_detail(self, node: Node, width: int, indent: str) -> list[Text]:
        count = len(node.tensors)
        word = "tensor" if count == 1 else "tensors"
        hint = "h unfolds" if node.key in self.tree.folded else "h folds"
        return wrap_words([f"{node.key}:", f"{count} {word};", hint], width, indent, style="dim")


def window(count: int, room: int, first: int, last: int, top: int) -> int:
    """The first item in view of `count`, `room` at a time, keeping items first..last in view (the
    first of them if not all fit) and moving as little as possible from `top`. An item at either
    edge gives way to a "more lines" marker when there is more beyond it."""
    if count <= room:
        return 0
    top = max(0, min(top, count - room))
    for _ in range(3):
        low = top + (1 if top > 0 else 0)
        high = top + room - 1 - (1 if top + room < count else 0)
        if last > high:
            top += last - high
        if first < low:
            top -= low - first
        top = max(0, min(top, count - room))
    return top
