"""`--plain` and `--jsonl`: run a script to the end and write every pause as it happens."""

from __future__ import annotations

import io
import json
import math
import os
import signal
import threading
from typing import TextIO

from .. import guard
from ..engine import Output, Paused, RunEnd, Session, Snapshot, TensorStats, output
from ..engine.breakpoints import WHERE_PAUSES_ARE
from ..format import num, phases_text, tensor_text


def plain_block(snapshot: Snapshot) -> str:
    """A short human-readable block for one pause."""
    where = f"{os.path.basename(snapshot.file)}:{snapshot.line}"
    phases = phases_text(snapshot.phases, snapshot.mode)
    head = f"#{snapshot.index} step {snapshot.step} · {phases} · {where}  {snapshot.code}"
    lines = [head]
    loss = f"  loss {num(snapshot.loss, 6)}"
    if snapshot.nonfinite:
        loss += "   !! non-finite values (NaN/Inf)"
    lines.append(loss)
    width = max((len(name) + 5 for name in snapshot.params), default=0)
    for name, stats in snapshot.params.items():
        lines.append(f"  {name:<{width}} = {tensor_text(stats)}")
        lines.append(f"  {name + '.grad':<{width}} = {tensor_text(snapshot.grads.get(name))}")
    for warning in snapshot.warnings:
        lines.append(f"  warning [{warning.code}] {warning.message}")
    return "\n".join(lines)


def end_text(end: RunEnd, name: str) -> str:
    if end.error is not None:
        return error_paragraph(end, name)
    how = "stopped" if end.stopped else "exited (sys.exit)" if end.exited else "finished"
    return f"{name} {how} after {end.steps} update{'s' if end.steps != 1 else ''}."


def paused_lines(session: Session) -> list[int] | None:
    """The script's lines where the run paused, when none of its breakpoint lines is among them (so
    none stopped it: a `for` line, a line before the loop, code that runs but completes no phase).
    None when one is, when there are none, or when nothing paused at all (how it ended says why)."""
    lines = session.breakpoints.lines
    if not lines or not session.history:
        return None
    path = session.source.path
    paused = sorted({snapshot.line for snapshot in session.history if snapshot.file == path})
    return None if lines.intersection(paused) else paused


def unpaused_breaks_note(session: Session) -> str | None:
    """The note a transcript ends with when no `--break` line paused (see `paused_lines`)."""
    paused = paused_lines(session)
    if paused is None:
        return None
    missed = sorted(session.breakpoints.lines)
    flags = ", ".join(f"--break {line}" for line in missed)
    text = f"{flags}: no pause happened on {lines_text(missed)}, so the run never stopped there. "
    if paused:
        return text + f"{WHERE_PAUSES_ARE}; in this run those were {lines_text(paused)}."
    name = session.source.display_name
    return text + f"{WHERE_PAUSES_ARE}; in this run all of them were in other files than {name}."


def lines_text(lines: list[int], most: int = 8) -> str:
    """`line 3`, `lines 3 and 12`, `lines 1, 2, 3, 4, 5, 6, 7, 8 and 4 more`."""
    if len(lines) == 1:
        return f"line {lines[0]}"
    if len(lines) > most:
        return f"lines {', '.join(map(str, lines[:most]))} and {len(lines) - most} more"
    return f"lines {', '.join(map(str, lines[:-1]))} and {lines[-1]}"


def error_paragraph(end: RunEnd, name: str) -> str:
    error = end.error
    assert error is not None
    updates = f"{end.steps} update{'s' if end.steps != 1 else ''}"
    if error.type == "StepperInternalError" and error.line is not None:
        # Stepper's own failure, said as such, and where the script was: what a report needs.
        where = f"{os.path.basename(error.file)}:{error.line}" if error.file else f"line {error.line}"
        text = f"stepper: {error.message}\nIt happened at {where}, after {updates}."
        if error.traceback:
            text += " Where the script was:\n" + error.traceback.rstrip()
        return text
    if error.type in ("NoTrainingPhase", "StepperInternalError") or error.line is None:
        return f"stepper: {error.message}"
    where = f" at {os.path.basename(error.file)}:{error.line}" if error.file else ""
    text = f"stepper: the script raised {error.type}{where} after {updates}: {error.message}"
    if error.hint:
        text += f"\nWhat it usually means: {error.hint}"
    if error.traceback:
        text += "\nWhere it happened in your script:\n" + error.traceback.rstrip()
    return text


class JsonlWriter:
    """Writes `Snapshot.to_json()` as one line, fast.

    Consecutive pauses share most of what they hold (a forward changes no parameter; the optimizer and
    the file stay the same), and the engine shares those objects between snapshots. Each piece's JSON
    text is therefore kept, keyed by the object it came from, and a line is mostly the joining of texts
    already made. The text is exactly what `json.dumps(snapshot.to_json())` writes.
    """

    def __init__(self) -> None:
        # id(object) -> (object, its JSON text); the object is held so that its id stays its own.
        self._texts: dict[int, tuple[object, str]] = {}
        self._strings: dict[str, str] = {}
        # The text of a line's pieces that stay the same from pause to pause, with what they were made
        # from (compared by identity): per line of the script, its phases, file and code; and the
        # latest optimizer, warnings, knobs, mode and non-finite flag.
        self._places: dict[int, tuple[object, object, object, str]] = {}
        self._tail: tuple[object, ...] = ()

    def _text(self, obj, make) -> str:
        hit = self._texts.get(id(obj))
        if hit is None or hit[0] is not obj:
            if len(self._texts) > 4096:
                self._texts.clear()
            hit = self._texts[id(obj)] = (obj, make(obj))
        return hit[1]

    def _string(self, text: str) -> str:
        hit = self._strings.get(text)
        if hit is None:
            if len(self._strings) > 4096:
                self._strings.clear()
            hit = self._strings[text] = json.dumps(text)
        return hit

    def _stats(self, stats) -> str:
        return "null" if stats is None else self._text(stats, self._stats_text)

    def _stats_text(self, stats: TensorStats) -> str:
        """`json.dumps(stats.to_json())`, written directly: a summary has a fixed form."""
        number = _float_text
        mean = number(stats.mean)
        values = stats.values
        if values is None:
            values_text = "null"
        elif len(values) == 1:  # (a one-number tensor: its mean is its value)
            values_text = f"[{mean}]" if values[0] is stats.mean else f"[{number(values[0])}]"
        else:
            values_text = "[" + ", ".join(map(number, values)) + "]"
        hist = "null" if stats.hist is None else "[" + ", ".join(map(str, stats.hist)) + "]"
        shape = ", ".join(map(str, stats.shape))
        return (
            f'{{"shape": [{shape}], "dtype": {self._string(stats.dtype)}, '
            f'"device": {self._string(stats.device)}, "numel": {stats.numel}, '
            f'"mean": {mean}, "std": {number(stats.std)}, "min": {number(stats.min)}, '
            f'"max": {number(stats.max)}, "norm": {number(stats.norm)}, "nan": {stats.nan}, '
            f'"inf": {stats.inf}, "zeros": {"true" if stats.zeros else "false"}, '
            f'"values": {values_text}, "hist": {hist}, "approx": {"true" if stats.approx else "false"}}}'
        )

    def _tensors(self, tensors: dict) -> str:
        return self._text(tensors, self._tensors_text)

    def _tensors_text(self, tensors: dict) -> str:
        items = (f"{self._string(name)}: {self._stats(stats)}" for name, stats in tensors.items())
        return "{" + ", ".join(items) + "}"

    def line(self, snapshot: Snapshot) -> str:
        phases, file, code = snapshot.phases, snapshot.file, snapshot.code
        place = self._places.get(snapshot.line)
        if place is None or place[0] is not phases or place[1] is not file or place[2] is not code:
            text = (
                f'"phases": {self._text(phases, _dumps_list)}, "file": {self._string(file)}, '
                f'"line": {snapshot.line}, "code": {self._string(code)}'
            )
            place = self._places[snapshot.line] = (phases, file, code, text)
        optimizer, warnings, knobs = snapshot.optimizer, snapshot.warnings, snapshot.knobs
        tail = self._tail
        if (
            not tail or tail[0] is not optimizer or tail[1] is not warnings or tail[2] is not knobs
            or tail[3] != snapshot.mode or tail[4] != snapshot.nonfinite
        ):  # fmt: skip
            mode = snapshot.mode
            text = (
                f'"optimizer": {"null" if optimizer is None else self._text(optimizer, _dumps_to_json)}, '
                f'"nonfinite": {"true" if snapshot.nonfinite else "false"}, '
                f'"warnings": {self._text(warnings, _dumps_notices)}, '
                f'"knobs": {self._text(knobs, _dumps_list)}, '
                f'"mode": {"null" if mode is None else self._string(mode)}}}'
            )
            tail = self._tail = (optimizer, warnings, knobs, mode, snapshot.nonfinite, text)
        return (
            f'{{"event": "pause", "index": {snapshot.index}, "step": {snapshot.step}, {place[3]}, '
            f'"loss": {_float_text(snapshot.loss)}, "params": {self._tensors(snapshot.params)}, '
            f'"grads": {self._tensors(snapshot.grads)}, {tail[5]}'
        )


def _dumps_to_json(obj) -> str:
    return json.dumps(obj.to_json())


def _dumps_list(items: tuple) -> str:
    return json.dumps(list(items))


def _dumps_notices(notices: tuple) -> str:
    return json.dumps([notice.to_json() for notice in notices])


def _float_text(value: float | None) -> str:
    """A float as json.dumps writes it, with NaN/Inf as the strings the schema uses."""
    if value is None:
        return "null"
    if math.isfinite(value):
        return float.__repr__(float(value))
    return '"nan"' if math.isnan(value) else '"inf"' if value > 0 else '"-inf"'


def run_transcript(session: Session, kind: str, out: TextIO, err: TextIO) -> int:
    """Drive `session` (made with mode="continue") to the end, writing a plain or JSONL transcript.
    Returns the exit status.

    The transcript is written from the script's thread as each pause happens (no hand-over to
    another thread, which would cost more than the writing itself on a fast loop). While the script
    runs, fds 1 and 2 are pipes (`output.capture_fds`): what its shell commands and C code write
    arrives as its prints do, and stepper writes to the real stdout and stderr beside them.
    """
    # In JSONL mode stdout carries only JSON: the script's own output goes to stderr, and so does
    # what a child that outlives the script writes later.
    with output.capture_fds(late_stdout_fd=2 if kind == "jsonl" else 1):
        writer = _TranscriptWriter(kind, output.unwrap(out), output.unwrap(err))
        status = writer.drive(session)
    # Everything the script and its shell commands wrote has been written by now.
    if status is not None:
        return status
    out, err = writer.out, writer.err
    end = session.end
    assert end is not None
    writer.end_line(out)
    note = unpaused_breaks_note(session)
    if kind == "jsonl":
        out.write(json.dumps(end.to_json()) + "\n")
    else:
        if note:
            out.write(f"-- {note}\n")
        if end.error is None:
            out.write(end_text(end, session.source.display_name) + "\n")
    out.flush()
    guard.transcript_ended()  # (should the process die from here on, its end is written already)
    if end.error is not None:
        writer.end_line(err)  # (after an input() prompt, say: stepper's message starts a line)
        err.write(error_paragraph(end, session.source.display_name) + "\n")
    if note and kind == "jsonl":  # (stdout carries only JSON)
        writer.end_line(err)
        err.write(f"stepper: {note}\n")
    err.flush()  # (before anything else stepper says on the real stderr)
    return end.exit_code  # (as python would end: the script's own sys.exit(N) gives N)


def _raise_on_ctrl_c() -> None:
    """From here on ctrl+c is the transcript's to handle (KeyboardInterrupt, in `drive`); until here,
    `stepper run` let it end the process at once (cli._ctrl_c_ends_at_once). Ignored, it stays so."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGINT) is signal.SIG_DFL:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _same_place(out: TextIO, err: TextIO) -> bool:
    """Do the two streams reach the same file, pipe or terminal?"""
    try:
        a, b = os.fstat(out.fileno()), os.fstat(err.fileno())
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return False
    return (a.st_dev, a.st_ino, a.st_rdev) == (b.st_dev, b.st_ino, b.st_rdev)


class _TranscriptWriter:
    """Writes each pause and the script's output as they come (in the script's thread)."""

    def __init__(self, kind: str, out: TextIO, err: TextIO) -> None:
        self.kind, self.out, self.err = kind, out, err
        self.session: Session | None = None
        self.jsonl = JsonlWriter()
        self.broken: list[BaseException] = []
        # The streams where the script's last text did not end its line (a \r progress bar, a prompt).
        self.open_lines: set[int] = set()
        # stdout and stderr going to one place (a terminal, `2>&1`): a progress line the script left
        # open on stderr (tqdm's stream) is open on the transcript's stdout as well.
        self.shared = kind == "plain" and _same_place(out, err)
        self.steps = 0  # the updates so far, as the latest pause counted them

    def end_line(self, stream: TextIO) -> None:
        if id(stream) in self.open_lines:
            stream.write("\n")
            self.open_lines.discard(id(stream))

    def listener(self, event) -> None:
        if self.broken:
            return
        out = self.out
        try:
            if isinstance(event, Paused):
                output.drain()  # what a shell command wrote before this pause comes before it
                snapshot = event.snapshot
                if self.kind == "jsonl":
                    out.write(self.jsonl.line(snapshot) + "\n")
                else:
                    self.end_line(out)  # the pause starts a line of its own
                    if self.shared:
                        self.end_line(self.err)
                    out.write(plain_block(snapshot) + "\n")
                    if event.reason:
                        out.write(f"-- stopped here: {event.reason}\n")
                # Written through at once: a program reading the lines sees each pause as it happens,
                # and a crash in C code (which ends the process with its buffers) loses none of them.
                out.flush()
                if snapshot.step != self.steps:
                    self.steps = snapshot.step
                    guard.steps_done(snapshot.step)
            elif isinstance(event, Output):
                # In JSONL mode stdout carries only JSON: the script's own output goes to stderr.
                target = out if self.kind == "plain" and event.stream == "stdout" else self.err
                target.write(event.text)
                target.flush()  # (as at a pause: nothing printed is left in a buffer to lose)
                if event.text.endswith("\n"):
                    self.open_lines.discard(id(target))
                else:
                    self.open_lines.add(id(target))
        except BrokenPipeError as exc:  # the reader went away: stop the script, report in main thread
            self.broken.append(exc)
            if self.session is not None:
                self.session.stop(timeout=0)

    def drive(self, session: Session) -> int | None:
        """Run the session to its end. Returns an exit status when the run was interrupted, None
        when it ended by itself."""
        self.session = session
        session.listener = self.listener
        session.end_at_breakpoint = True  # nobody is there to continue from it
        session.main_thread_serves = True  # (the loop below sets the script's signal handlers)
        try:
            _raise_on_ctrl_c()  # (before the script's thread starts: a ctrl+c from then on is said)
            session.start()
            while not session.finished:
                session.join(0.05)
                session.run_main_thread_calls()
        except KeyboardInterrupt:
            where = session.where()  # (as python's traceback would say: where the script was)
            session.stop(timeout=1.0)
            output.drain()
            if self.kind == "jsonl":  # (a program reading the lines is told how they ended, as always)
                end = guard.error_end_line(
                    self.steps, "KeyboardInterrupt", "interrupted", 130, *(where or ())
                )
                self.out.write(end + "\n")
                self.out.flush()
                guard.transcript_ended()
            self.err.write("\nstepper: interrupted.\n")
            if not session.finished:
                # The script is inside a long torch call and has not reached a line where it can
                # stop. Leaving Python with its thread still inside C code can abort the interpreter,
                # so end the process now (everything written so far is flushed first).
                self.out.flush()
                self.err.flush()
                os._exit(130)
            return 130
        if self.broken:
            raise self.broken[0]
        return None
