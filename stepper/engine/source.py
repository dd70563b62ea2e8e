"""Loading the user's script, and what its syntax tells us about where a phase's lines end.

The tracer decides *whether* a phase happened from what the tensors did. It only asks the source one
question: when an update (or a clearing of gradients) is spread over several lines, where does that
block of lines end, so the learner sees one pause for the whole update and not one per line.
"""

from __future__ import annotations

import ast
import dis
import os
import sys
import sysconfig
import tokenize
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from types import CodeType


class ScriptLoadError(Exception):
    """The script cannot be run at all (missing, a directory, not Python). The message says why."""

    def __init__(self, message: str, *, kind: str = "ScriptLoadError", line: int | None = None):
        super().__init__(message)
        self.kind = kind
        self.line = line


@dataclass
class ScriptSource:
    """A script ready to run: its absolute path, text and compiled code."""

    path: str
    text: str
    code: CodeType
    lesson: str | None = None  # the lesson's name, when it is a built-in lesson
    lines: list[str] = field(default_factory=list)
    given: str = ""  # the path as the user typed it (the script's sys.argv[0], as under python)
    shown_as: str = ""  # a module of the script's project: its path from the script's folder
    _stripped: dict[int, str] = field(default_factory=dict, repr=False)

    def line_text(self, lineno: int) -> str:
        """The line's text, stripped (one shared string per line: history keeps many)."""
        text = self._stripped.get(lineno)
        if text is None:
            text = self.lines[lineno - 1].strip() if 1 <= lineno <= len(self.lines) else ""
            self._stripped[lineno] = text
        return text

    def has_code(self, lineno: int) -> bool:
        """Whether the line holds code, not blank or only a comment (nor past the end): a line without
        any can never pause, so no breakpoint there would stop a run."""
        text = self.line_text(lineno)
        return bool(text) and not text.startswith("#")

    @property
    def display_name(self) -> str:
        if self.lesson:
            return f"lesson {self.lesson}"
        return self.shown_as or os.path.basename(self.path)


def load_script(path: str, lesson: str | None = None) -> ScriptSource:
    """Read and compile a script, or raise ScriptLoadError with a one-paragraph explanation."""
    shown = path
    path = os.path.abspath(path)
    if not os.path.exists(path):
        raise ScriptLoadError(
            f"stepper: no such file: {shown}. Give the path of a Python training script, "
            "or run `stepper run` with no script for the built-in lesson (`stepper lessons` lists them).",
            kind="FileNotFoundError",
        )
    if os.path.isdir(path):
        raise ScriptLoadError(
            f"stepper: {shown} is a directory, not a script. Give the path of the .py file that "
            "contains the training loop.",
            kind="IsADirectoryError",
        )
    try:
        # As Python reads a script: UTF-8, or the encoding its first lines declare (`# -*- coding:
        # latin-1 -*-`), a byte-order mark (Windows Notepad's UTF-8) dropped.
        with tokenize.open(path) as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError, SyntaxError) as exc:
        # (tokenize says SyntaxError for an encoding it does not know, or one the BOM contradicts)
        raise ScriptLoadError(
            f"stepper: cannot read {shown}: {exc}. stepper needs a readable Python file, in UTF-8 "
            "or in the encoding its coding line declares.",
            kind=type(exc).__name__,
        ) from None
    try:
        code = compile(text, path, "exec", dont_inherit=True)
    except SyntaxError as exc:
        where = f"{shown}:{exc.lineno}" if exc.lineno else shown
        snippet = (exc.text or "").rstrip("\n")
        detail = f"\n    {snippet.strip()}" if snippet.strip() else ""
        raise ScriptLoadError(
            f"stepper: {where} is not valid Python ({exc.msg}), so nothing was run. "
            f"Fix the line and run stepper again.{detail}",
            kind="SyntaxError",
            line=exc.lineno,
        ) from None
    return ScriptSource(path=path, text=text, code=code, lesson=lesson, lines=text.splitlines(), given=shown)


# --- Which names a line stores (forward/loss candidates are looked up only among them) --------------

_STORE_OPS = {"STORE_NAME", "STORE_FAST", "STORE_GLOBAL", "STORE_DEREF"}


@lru_cache(maxsize=512)
def stored_names(code: CodeType) -> dict[int, tuple[str, ...]]:
    """Line number -> names a line of this code object binds (``preds = ...`` binds ``preds``)."""
    by_line: dict[int, list[str]] = {}
    line = code.co_firstlineno
    for instr in dis.get_instructions(code):
        if instr.positions is not None and instr.positions.lineno is not None:
            line = instr.positions.lineno
        if instr.opname in _STORE_OPS:
            names = by_line.setdefault(line, [])
            if instr.argval not in names:
                names.append(instr.argval)
    return {lineno: tuple(names) for lineno, names in by_line.items()}


# --- Blocks of update lines ------------------------------------------------------------------------

_COMPOUND = (ast.With, ast.For, ast.If)


def _is_grad_clearing(stmt: ast.stmt) -> bool:
    """``p.grad = None``, ``p.grad.zero_()``, ``opt.zero_grad()`` and the like."""
    for node in ast.walk(stmt):
        if isinstance(node, ast.Attribute):
            if node.attr == "grad" and isinstance(node.ctx, ast.Store):
                return True
            if node.attr in ("zero_", "zero_grad") and isinstance(node.ctx, ast.Load):
                return True
    return False


def _is_update(stmt: ast.stmt) -> bool:
    """A statement that changes a tensor in place: ``p -= ...``, ``p.data = ...``, ``p.add_(...)``."""
    if isinstance(stmt, ast.AugAssign):
        return True
    if isinstance(stmt, ast.Assign):
        if any(isinstance(t, (ast.Attribute, ast.Subscript)) for t in stmt.targets):
            return True
        # `w = w - lr * w.grad`: a new tensor made from a gradient, bound to the old name.
        return any(isinstance(n, ast.Attribute) and n.attr == "grad" for n in ast.walk(stmt.value))
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        func = stmt.value.func
        return isinstance(func, ast.Attribute) and func.attr.endswith("_") and not func.attr.endswith("__")
    return False


def _body_kinds(node: ast.AST) -> set[str | None]:
    """The kinds of every simple statement inside a compound statement (None: not an update)."""
    kinds: set[str | None] = set()
    for body_name in ("body", "orelse"):
        for stmt in getattr(node, body_name, None) or ():
            if isinstance(stmt, _COMPOUND):
                kinds |= _body_kinds(stmt)
            elif not isinstance(stmt, ast.Pass):
                kinds.add(_statement_kind(stmt))
    return kinds


def _statement_kind(stmt: ast.stmt) -> str | None:
    """'zero_grad' or 'step' when the statement (all of a block) looks like that kind of update."""
    if isinstance(stmt, _COMPOUND):
        kinds = _body_kinds(stmt)
        return kinds.pop() if len(kinds) == 1 else None
    if isinstance(stmt, (ast.FunctionDef, ast.ClassDef, ast.While, ast.Try)):
        return None
    if _is_grad_clearing(stmt):
        return "zero_grad"
    if _is_update(stmt):
        return "step"
    return None


def dotted_name(node: ast.AST) -> str:
    """`self.optimizer` for the expression `self.optimizer`; "" for anything that is not names and
    attributes (`opts[0]`, a call)."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return ""
    parts.append(node.id)
    return ".".join(reversed(parts))


class BlockIndex:
    """Answers: given a line where params (or grads) changed, which lines belong to the same update?"""

    def __init__(self, text: str):
        self._tree = ast.parse(text)
        self._parents: dict[ast.AST, ast.AST] = {}
        for parent in ast.walk(self._tree):
            for child in ast.iter_child_nodes(parent):
                self._parents[child] = parent
        self._statements: dict[int, ast.stmt | None] = {}

    def _statement_at(self, line: int) -> ast.stmt | None:
        """The innermost simple statement that spans `line` (asked at every step: kept per line)."""
        if line not in self._statements:
            self._statements[line] = self._find_statement(line)
        return self._statements[line]

    def _find_statement(self, line: int) -> ast.stmt | None:
        best: ast.stmt | None = None
        for node in ast.walk(self._tree):
            simple = not isinstance(node, _COMPOUND + (ast.FunctionDef, ast.ClassDef))
            if isinstance(node, ast.stmt) and simple:
                end = node.end_lineno or node.lineno
                if node.lineno <= line <= end:
                    if best is None or node.lineno >= best.lineno:
                        best = node
        return best

    def continued_lines(self) -> dict[int, int]:
        """Every line of a simple statement written over several lines (`loss = (` ... `)`, a call
        with one argument per line), mapped to the statement's first line: Python reports each of its
        lines as it reaches it, but the statement ends only once, and that is where its phases end."""
        starts: dict[int, int] = {}
        for node in ast.walk(self._tree):
            if isinstance(node, ast.stmt) and not hasattr(node, "body") and not hasattr(node, "cases"):
                end = node.end_lineno or node.lineno
                if end > node.lineno:
                    for line in range(node.lineno, end + 1):
                        starts[line] = node.lineno
        return starts

    def inline_loop_lines(self) -> frozenset[int]:
        """Lines where a list, set or dict comprehension runs inside its statement's own frame
        (Python 3.12 and later, PEP 709): each of its rounds reports its line again, though the
        statement has not ended. (Before 3.12 a comprehension is a frame of its own: none.) A line
        that also starts a loop (`for p in ps: ...` on one line) is left out: its rounds are rounds."""
        if sys.version_info < (3, 12):
            return frozenset()
        inline = (ast.ListComp, ast.SetComp, ast.DictComp)
        lines: set[int] = set()
        loops: set[int] = set()
        for node in ast.walk(self._tree):
            if isinstance(node, inline):
                lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
            elif isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
                loops.add(node.lineno)
        return frozenset(lines - loops)

    def step_call_at(self, line: int) -> str | None:
        """When the statement at `line` is a call of a `.step()` and nothing else (`dec_opt.step()`),
        the dotted name it is called on (`dec_opt`, `self.opt`); else None."""
        stmt = self._statement_at(line)
        if not (isinstance(stmt, ast.Expr) and stmt.lineno == line and isinstance(stmt.value, ast.Call)):
            return None
        func = stmt.value.func
        if not (isinstance(func, ast.Attribute) and func.attr == "step"):
            return None
        return dotted_name(func.value) or None

    def kind_at(self, line: int) -> str | None:
        """'step' or 'zero_grad' when the statement at this line looks like one, else None."""
        stmt = self._statement_at(line)
        return None if stmt is None else _statement_kind(stmt)

    def loop_targets(self) -> frozenset[str]:
        """Names bound by ``for`` loops anywhere in the script (``for p in params`` binds ``p``)."""
        names: set[str] = set()
        for node in ast.walk(self._tree):
            if isinstance(node, (ast.For, ast.comprehension)):
                names.update(n.id for n in ast.walk(node.target) if isinstance(n, ast.Name))
        return frozenset(names)

    def region(self, line: int, kind: str, busy_lines: frozenset[int]) -> frozenset[int]:
        """Lines that still belong to the update that changed something at `line`.

        We climb from the statement at `line` through enclosing blocks that hold only updates and no
        line where another phase (forward, loss, backward) happened — a ``for p in params`` loop even
        when it both updates and clears, a ``with``/``if`` only when all of it is the same kind — then
        add the following sibling statements that look like more of the same kind of update.
        """
        stmt = self._statement_at(line)
        if stmt is None:
            return frozenset((line,))
        node: ast.AST = stmt
        while True:
            parent = self._parents.get(node)
            if not isinstance(parent, _COMPOUND):
                break
            span = range(parent.lineno, (parent.end_lineno or parent.lineno) + 1)
            if any(lineno in busy_lines for lineno in span):
                break
            kinds = _body_kinds(parent)
            if None in kinds or (len(kinds) > 1 and not isinstance(parent, ast.For)):
                break
            node = parent
        lines = set(range(node.lineno, (node.end_lineno or node.lineno) + 1))
        parent = self._parents.get(node)
        for body_name in ("body", "orelse", "finalbody"):
            body = getattr(parent, body_name, None)
            if isinstance(body, list) and node in body:
                for sibling in body[body.index(node) + 1 :]:
                    if _statement_kind(sibling) != kind:
                        break
                    lines.update(range(sibling.lineno, (sibling.end_lineno or sibling.lineno) + 1))
                break
        return frozenset(lines)


# --- The files stepper follows: the script and its project's own modules -----------------------------


@dataclass
class FileInfo:
    """One followed file: its source, its statements' structure, and what is looked up per line."""

    source: ScriptSource
    blocks: BlockIndex
    statement_starts: dict[int, int] = field(default_factory=dict)
    inline_loops: frozenset[int] = frozenset()
    line_kinds: dict[int, str | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.statement_starts = self.blocks.continued_lines()
        self.inline_loops = self.blocks.inline_loop_lines()

    def line_kind(self, line: int) -> str | None:
        """'step' or 'zero_grad' when the statement at this line looks like one (kept per line)."""
        kind = self.line_kinds.get(line, "?")
        if kind == "?":
            kind = self.line_kinds[line] = self.blocks.kind_at(line)
        return kind


class ProjectFiles:
    """The script and the Python files of its own folder that it runs (`train.py` calling
    `train_one_epoch` from its `engine.py`, as torchvision's reference scripts do): stepper pauses on
    their lines alike. Installed packages (a `.venv` inside the folder too), the standard library and
    stepper's own code are not followed, nor anything else when the script is a built-in lesson.

    `filename in files` says whether a code object's file is followed; files are read the first time
    one of their frames runs."""

    def __init__(self, script: ScriptSource, blocks: BlockIndex | None = None) -> None:
        self.script = script
        # The script's folder, as given and with its links resolved: a module linked into the folder
        # from elsewhere (a shared `utils.py`) is the project's too.
        folder = os.path.dirname(script.path)
        self._roots = tuple({os.path.join(folder, ""), os.path.join(os.path.realpath(folder), "")})
        # Every file looked at so far: its FileInfo, or None when not followed.
        self.known: dict[str, FileInfo | None] = {
            script.path: FileInfo(script, blocks or BlockIndex(script.text))
        }
        self.on_new_file: Callable[[FileInfo], None] | None = None
        installed = sysconfig.get_paths()
        outside = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
        outside.update(installed.get(key, "") for key in ("stdlib", "platstdlib", "purelib", "platlib"))
        outside.add(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # stepper itself
        self._outside = tuple(os.path.join(os.path.realpath(path), "") for path in outside if path)

    @property
    def script_info(self) -> FileInfo:
        info = self.known[self.script.path]
        assert info is not None
        return info

    def __contains__(self, filename: object) -> bool:
        return isinstance(filename, str) and self.info(filename) is not None

    def info(self, filename: str) -> FileInfo | None:
        """The file's FileInfo when stepper follows it, else None."""
        try:
            return self.known[filename]
        except KeyError:
            pass
        info = self.known[filename] = self._read(filename)
        if info is not None and self.on_new_file is not None:
            self.on_new_file(info)
        return info

    def source_of(self, path: str) -> ScriptSource | None:
        info = self.known.get(path)
        return None if info is None else info.source

    def _read(self, filename: str) -> FileInfo | None:
        if self.script.lesson is not None or not filename.endswith(".py"):
            return None
        given, real = os.path.abspath(filename), os.path.realpath(filename)
        if given.startswith(self._outside) or real.startswith(self._outside):
            return None
        roots = self._roots
        inside = [path[len(root) :] for path in (given, real) for root in roots if path.startswith(root)]
        if not inside:
            return None
        folders = inside[0].split(os.sep)[:-1]
        if any(part in ("site-packages", "dist-packages") or part.startswith(".") for part in folders):
            return None
        try:
            source = load_script(filename)
            # (`core/train.py` beside the script `train.py`: the panel's title tells them apart)
            source.shown_as = inside[0]
            return FileInfo(source, BlockIndex(source.text))
        except (ScriptLoadError, SyntaxError, ValueError, RecursionError):
            return None
