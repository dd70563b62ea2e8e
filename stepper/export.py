"""Exporting a session: nothing the learner saw is lost.

`export_session` writes, into one directory: a markdown transcript of every pause (phase, line, loss,
parameters, gradients, warnings), the loss history as CSV, the JSONL trace (the same lines as
`--jsonl`), the script's captured output, and — when a front end hands one over — an SVG screenshot.
It works from the session's history, so it works after the script raised too.
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass

from .engine import RunEnd, Session, Snapshot
from .format import num, phases_text, tensor_text


@dataclass(frozen=True)
class ExportResult:
    directory: str
    files: tuple[str, ...]


def export_session(session: Session, directory: str, screenshot_svg: str | None = None) -> ExportResult:
    """Write the session's record into `directory` (created if needed). Returns the files written."""
    os.makedirs(directory, exist_ok=True)
    written = []

    def path(name: str) -> str:
        full = os.path.join(directory, name)
        written.append(full)
        return full

    history = list(session.history)
    end = session.end
    with open(path("transcript.md"), "w", encoding="utf-8") as handle:
        handle.write(markdown_transcript(session.source.display_name, history, end))
    with open(path("loss.csv"), "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["step", "loss"])
        curve = history[-1].loss_history if history else ()
        for step, loss in enumerate(curve, start=1):
            writer.writerow([step, repr(loss)])
    from .frontends.transcript import JsonlWriter

    jsonl = JsonlWriter()
    with open(path("trace.jsonl"), "w", encoding="utf-8") as handle:
        for snapshot in history:
            handle.write(jsonl.line(snapshot) + "\n")
        if end is not None:
            handle.write(json.dumps(end.to_json()) + "\n")
    with open(path("output.txt"), "w", encoding="utf-8") as handle:
        handle.write("".join(text for _, text in session.output))
    if screenshot_svg is not None:
        with open(path("screenshot.svg"), "w", encoding="utf-8") as handle:
            handle.write(screenshot_svg)
    return ExportResult(directory, tuple(written))


def markdown_transcript(name: str, history: list[Snapshot], end: RunEnd | None) -> str:
    lines = [f"# stepper session: {name}", ""]
    for snapshot in history:
        phases = phases_text(snapshot.phases, snapshot.mode)
        where = f"{os.path.basename(snapshot.file)}:{snapshot.line}"
        lines.append(f"## Pause {snapshot.index} — step {snapshot.step}, {phases}")
        lines.append("")
        lines.append(f"`{where}`: `{snapshot.code}`")
        lines.append("")
        loss = num(snapshot.loss, 6)
        lines.append(f"- loss: {loss}" + ("  **(NaN/Inf present)**" if snapshot.nonfinite else ""))
        if snapshot.knobs:  # (the live knobs the learner turned: what this pause ran under)
            lines.append(f"- knobs: {', '.join(snapshot.knobs)}")
        for param, stats in snapshot.params.items():
            lines.append(f"- `{param}` = {tensor_text(stats)}")
            lines.append(f"- `{param}.grad` = {tensor_text(snapshot.grads.get(param))}")
        for warning in snapshot.warnings:
            lines.append(f"- **warning** `{warning.code}`: {warning.message}")
        lines.append("")
    if end is not None:
        if end.error is not None:
            error = end.error
            where = f" at {os.path.basename(error.file)}:{error.line}" if error.file else ""
            lines.append(f"**The script raised {error.type}{where}:** {error.message}")
            if error.hint:
                lines.append(f"\n{error.hint}")
        else:
            lines.append(f"Finished after {end.steps} updates.")
        lines.append("")
    return "\n".join(lines)
