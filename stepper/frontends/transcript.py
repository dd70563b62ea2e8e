"""`--plain` and `--jsonl`: run a script to the end and write every pause as it happens."""

from __future__ import annotations

import json
import os
import queue
from typing import TextIO

from ..engine import Finished, Output, Paused, RunEnd, Session, Snapshot
from ..format import num, tensor_text


def plain_block(snapshot: Snapshot) -> str:
    """A short human-readable block for one pause."""
    where = f"{os.path.basename(snapshot.file)}:{snapshot.line}"
    head = f"#{snapshot.index} step {snapshot.step} · {' + '.join(snapshot.phases)} · {where}  {snapshot.code}"
    lines = [head]
    loss = f"  loss {num(snapshot.loss, 6)}"
    if snapshot.nonfinite:
        loss += "   !! non-finite values (NaN/Inf)"
    lines.append(loss)
    for name, stats in snapshot.params.items():
        lines.append(f"  {name:<16} = {tensor_text(stats)}")
        lines.append(f"  {name + '.grad':<16} = {tensor_text(snapshot.grads.get(name))}")
    for warning in snapshot.warnings:
        lines.append(f"  warning [{warning.code}] {warning.message}")
    return "\n".join(lines)


def end_text(end: RunEnd, name: str) -> str:
    if end.error is not None:
        return error_paragraph(end, name)
    how = "stopped" if end.stopped else "finished"
    return f"{name} {how} after {end.steps} update{'s' if end.steps != 1 else ''}."


def error_paragraph(end: RunEnd, name: str) -> str:
    error = end.error
    assert error is not None
    if error.type in ("NoTrainingPhase", "StepperInternalError"):
        return f"stepper: {error.message}"
    where = f" at {os.path.basename(error.file)}:{error.line}" if error.file else ""
    text = (
        f"stepper: the script raised {error.type}{where} after {end.steps} "
        f"update{'s' if end.steps != 1 else ''}: {error.message}"
    )
    if error.traceback:
        text += "\nWhere it happened in your script:\n" + error.traceback.rstrip()
    return text


def run_transcript(session: Session, kind: str, out: TextIO, err: TextIO) -> int:
    """Drive `session` to the end, writing a plain or JSONL transcript. Returns the exit status."""
    events: queue.Queue = queue.Queue()
    session.listener = events.put
    session._mode = "continue"
    session.start()
    end: RunEnd | None = None
    try:
        while end is None:
            event = events.get()
            if isinstance(event, Paused):
                if kind == "jsonl":
                    out.write(json.dumps(event.snapshot.to_json()) + "\n")
                else:
                    out.write(plain_block(event.snapshot) + "\n")
            elif isinstance(event, Output):
                # In JSONL mode stdout carries only JSON: the script's own output goes to stderr.
                target = out if kind == "plain" and event.stream == "stdout" else err
                target.write(event.text)
            elif isinstance(event, Finished):
                end = event.end
            out.flush()
    except KeyboardInterrupt:
        session.stop()
        err.write("\nstepper: interrupted.\n")
        return 130
    if kind == "jsonl":
        out.write(json.dumps(end.to_json()) + "\n")
    elif end.error is None:
        out.write(end_text(end, session.source.display_name) + "\n")
    out.flush()
    if end.error is not None:
        err.write(error_paragraph(end, session.source.display_name) + "\n")
        err.flush()
    return 1 if end.status == "error" else 0
