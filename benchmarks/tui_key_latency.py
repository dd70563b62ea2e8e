"""Key press to repainted frame at 80×24: `space` (next phase) in stepper, against a bare Textual app
whose key only changes a label. Both in a pseudo-terminal; the clock runs from writing the key to
the new text being on screen. Target: median ≤ 50 ms.

    python benchmarks/tui_key_latency.py [--presses 40]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from tui_terminal import Terminal, bare_app, median, stepper


def latencies(terminal: Terminal, ready: str, after: Callable[[int], str], presses: int) -> list[float]:
    terminal.wait_for(ready)
    times = []
    for count in range(1, presses + 1):
        started = time.perf_counter()
        terminal.child.send(" ")
        terminal.wait_for(after(count))
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=40)
    args = parser.parse_args()
    bare = bare_app()
    try:
        base = latencies(bare, "bare textual ready 0", lambda n: f"bare textual ready {n}", args.presses)
    finally:
        bare.close()
    ours_terminal = stepper()
    try:
        ours = latencies(ours_terminal, "pause 1/1", lambda n: f"pause {n + 1}/{n + 1}", args.presses)
    finally:
        ours_terminal.close()
    for name, times in [("bare Textual app, key to frame:", base), ("stepper (space), key to frame: ", ours)]:
        print(f"{name} median {median(times) * 1000:5.1f} ms, max {max(times) * 1000:5.1f} ms")
    print("stepper, each press (ms):", " ".join(f"{t * 1000:.0f}" for t in ours))
    print(f"ratio of medians: {median(ours) / median(base):.2f}x (target: stepper median ≤ 50 ms)")


if __name__ == "__main__":
    main()
