"""Bytes written to the terminal per single phase step (`space`) at 80×24, in a real pseudo-terminal:
what a slow link (SSH) has to carry per key press. Target: median ≤ 3 KB.

The default lesson and the ~1M-parameter MLP, against a bare Textual app whose key changes a label.
After each key, every byte is counted until the screen shows the next pause and then stays quiet for
a moment (no timer or spinner should write anything while paused).

    python benchmarks/tui_bytes.py [--presses 50] [--rows]

--rows prints, for the median press of each run, how many bytes went to each screen row: where the
redraw goes.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable

import pexpect
from tui_terminal import Terminal, bare_app, stepper

QUIET = 0.15  # seconds without output that count as "the frame is done"
MLP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "scripts", "mlp_1m.py")
# Cursor positioning (CSI row;col H): Textual moves to each line it rewrites.
CURSOR_TO = re.compile(rb"\x1b\[(\d+);(\d+)H")


def drain(terminal: Terminal, needle: str | None, timeout: float = 60.0) -> bytes:
    """Every byte written until `needle` is on screen and nothing more came for QUIET seconds."""
    data = b""
    deadline = time.perf_counter() + timeout
    last = time.perf_counter()
    while time.perf_counter() < deadline:
        try:
            chunk = terminal.child.read_nonblocking(65536, timeout=0.02)
        except pexpect.TIMEOUT:
            chunk = b""
        now = time.perf_counter()
        if chunk:
            data += chunk
            terminal.stream.feed(chunk)
            last = now
        elif (needle is None or needle in terminal.text()) and now - last >= QUIET:
            return data
    raise TimeoutError(f"never saw {needle!r}:\n{terminal.text()}")


def bytes_per_press(terminal: Terminal, ready: str, after: Callable[[int], str], presses: int) -> list[bytes]:
    drain(terminal, ready)
    written = []
    for count in range(1, presses + 1):
        terminal.child.send(" ")
        written.append(drain(terminal, after(count)))
    return written


def rows_of(data: bytes) -> Counter[int]:
    """Bytes per screen row (1-based), attributing what follows each cursor move to its row."""
    rows: Counter[int] = Counter()
    marks = list(CURSOR_TO.finditer(data))
    for mark, following in zip(marks, [*marks[1:], None], strict=True):
        end = following.start() if following is not None else len(data)
        rows[int(mark.group(1))] += end - mark.start()
    return rows


def report(name: str, written: list[bytes], show_rows: bool) -> float:
    sizes = sorted(len(data) for data in written)
    median = statistics.median(sizes)
    p90 = sizes[int(0.9 * (len(sizes) - 1))]
    print(f"{name:<28} median {median:7.0f} B   p90 {p90:7.0f} B   max {sizes[-1]:7.0f} B")
    if show_rows:
        middle = min(written, key=lambda data: abs(len(data) - median))
        rows = rows_of(middle)
        print("    bytes per row of the median press:", " ".join(f"{r}:{n}" for r, n in sorted(rows.items())))
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=50)
    parser.add_argument("--rows", action="store_true", help="bytes per screen row of the median press")
    args = parser.parse_args()
    runs = [
        ("bare Textual app (label)", bare_app, "bare textual ready 0", lambda n: f"bare textual ready {n}"),
        ("stepper, default lesson", stepper, "pause 1/1", lambda n: f"pause {n + 1}/{n + 1}"),
        ("stepper, 1M-parameter MLP", lambda: stepper(MLP), "pause 1/1", lambda n: f"pause {n + 1}/{n + 1}"),
    ]
    medians = {}
    for name, start, ready, after in runs:
        terminal = start()
        try:
            medians[name] = report(name, bytes_per_press(terminal, ready, after, args.presses), args.rows)
        finally:
            terminal.close()
    base = medians["bare Textual app (label)"]
    for name in list(medians)[1:]:
        print(f"{name}: {medians[name] / base:.1f}x the bare app's median (target: ≤ 3 KB median)")


if __name__ == "__main__":
    main()
