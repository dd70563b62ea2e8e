"""Continue mode on the screen: how much slower is a run at full speed under `stepper run` than `python`?

Two loops, each run two ways from a fresh process, interleaved: plain `python FILE`, and `stepper run
FILE --until-step 1000000` in a pseudo-terminal at 80×24 (the screen starts in continue mode and runs
to the end while redrawing at most 15 times a second; the clock stops when "finished after" is on
screen). The loop's own time is read by a clock inside the script around its training loop (see
common.py), so start-up (Python, the torch import, the screen's start) is in the whole-run ratio only.

- the default lesson with 10,000 epochs (target: ≤ 2× plain python);
- a ~1M-parameter MLP, 784-1024-10 on random data, batch 256, 200 steps (target: ≤ 1.25×).

    python benchmarks/tui_continue.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

import pexpect
from tui_terminal import PYTHON, stepper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from common import LoopClock, medians, timed, write_clocked  # noqa: E402
from engine_overhead import lesson_with_epochs  # noqa: E402

MLP = os.path.join(HERE, "scripts", "mlp_1m.py")
# A run that ends shows "finished after N steps" (or, had it failed, its error).
ENDED = ("finished after", "error:")


def on_screen(path: str, timeout: float = 600.0) -> float:
    """Seconds from starting `stepper run PATH --until-step 1000000` until the run's end is on screen.

    The output is read as it comes (so the screen never waits on us) but not parsed as a terminal
    would: on a 2-core machine a terminal emulator in this process (pyte, in Python) would take CPU
    from the run it measures, which a learner's own terminal, on their own machine, does not. The end
    is found in the raw bytes (the status bar writes "finished after N steps" as one run of text).
    """
    terminal = stepper(path, "--until-step", "1000000")
    try:
        deadline = terminal.started + timeout
        needles = [needle.encode() for needle in ENDED]
        tail = b""
        while not any(needle in tail for needle in needles):
            if time.perf_counter() > deadline:
                raise TimeoutError(f"the run never ended:\n{tail.decode(errors='replace')}")
            try:
                tail = tail[-64:] + terminal.child.read_nonblocking(65536, timeout=0.05)
            except pexpect.TIMEOUT:
                pass
        return time.perf_counter() - terminal.started
    finally:
        terminal.close()


def measure(path: str, repeat: int, clock: LoopClock) -> tuple[float, ...]:
    """Medians of (python wall, python loop, stepper wall, stepper loop), runs interleaved so that a
    change in the machine's load hits both alike."""
    runs = []
    for _ in range(repeat):
        ours = on_screen(path)
        ours_loop = clock.read()
        runs.append(timed([PYTHON, path], clock) + (ours, ours_loop))
    return medians(runs)


def report(label: str, times: tuple[float, ...], target: str) -> None:
    python, python_loop, ours, ours_loop = times
    print(f"{label}  (target {target})")
    print(f"  whole run  python {python:6.2f} s   stepper {ours:6.2f} s   ratio {ours / python:.2f}x")
    loop_ratio = ours_loop / python_loop
    print(f"  loop only  python {python_loop:6.2f} s   stepper {ours_loop:6.2f} s   ratio {loop_ratio:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    clock = LoopClock()
    try:
        with tempfile.TemporaryDirectory() as folder:
            lesson = measure(lesson_with_epochs(10_000, folder), args.repeat, clock)
            mlp = write_clocked(open(MLP, encoding="utf-8").read(), folder, "mlp_1m.py")
            mlp_times = measure(mlp, args.repeat, clock)
    finally:
        clock.close()
    print(f"continue mode in a pseudo-terminal at 80x24, medians of {args.repeat}")
    report("default lesson, 10,000 epochs", lesson, "≤ 2x")
    report("784-1024-10 MLP, batch 256, 200 steps", mlp_times, "≤ 1.25x")


if __name__ == "__main__":
    main()
