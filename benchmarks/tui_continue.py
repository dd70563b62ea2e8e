"""Continue mode on the screen: how much slower is a run at full speed under `stepper run` than `python`?

Two loops, each run three ways from a fresh process: plain `python FILE`, and `stepper run FILE
--until-step 1000000` in a pseudo-terminal at 80×24 (the screen starts in continue mode, runs to the
end while redrawing at most 15 times a second, and the clock stops when "finished after" is on
screen). The third run is the same file with its loop emptied (0 epochs), which costs Python's start,
the torch import and (for stepper) the screen's start: subtracting it leaves the loop's own time.

- the default lesson with 10,000 epochs (target: ≤ 2× plain python);
- a ~1M-parameter MLP, 784-1024-10 on random data, batch 256, 200 steps (target: ≤ 1.25×).

    python benchmarks/tui_continue.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

import pexpect
from tui_terminal import PYTHON, median, stepper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from engine_overhead import lesson_with_epochs  # noqa: E402

MLP = os.path.join(HERE, "scripts", "mlp_1m.py")
# A run that ends shows "finished after N steps"; the emptied files trained nothing and end in an error.
ENDED = ("finished after", "error:")


def mlp_with_steps(steps: int, folder: str) -> str:
    text = open(MLP, encoding="utf-8").read()
    text = re.sub(r"range\(200\)", f"range({steps})", text)
    if steps == 0:
        text = text.replace("loss.item()", "0.0")
    path = os.path.join(folder, f"mlp_{steps}.py")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


def plain(path: str) -> float:
    started = time.perf_counter()
    subprocess.run([PYTHON, path], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


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


def measure(empty: str, full: str, repeat: int) -> dict[str, float]:
    """Median seconds of each of the four runs, interleaved so a change in load hits all alike."""
    runs: dict[str, list[float]] = {"python 0": [], "python": [], "stepper 0": [], "stepper": []}
    for _ in range(repeat):
        runs["python 0"].append(plain(empty))
        runs["stepper 0"].append(on_screen(empty))
        runs["python"].append(plain(full))
        runs["stepper"].append(on_screen(full))
    return {name: median(times) for name, times in runs.items()}


def report(label: str, times: dict[str, float], target: str) -> None:
    python, ours = times["python"], times["stepper"]
    loop_python, loop_ours = python - times["python 0"], ours - times["stepper 0"]
    loop = f"{loop_ours / loop_python:.2f}x" if loop_python > 0.2 else "n/a"  # too short to time apart
    print(f"{label}  (target {target})")
    print(f"  whole run  python {python:6.2f} s   stepper {ours:6.2f} s   ratio {ours / python:.2f}x")
    print(f"  loop only  python {loop_python:6.2f} s   stepper {loop_ours:6.2f} s   ratio {loop}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        lesson = measure(lesson_with_epochs(0, folder), lesson_with_epochs(10_000, folder), args.repeat)
        mlp = measure(mlp_with_steps(0, folder), mlp_with_steps(200, folder), args.repeat)
    print(f"continue mode in a pseudo-terminal at 80x24, medians of {args.repeat}")
    report("default lesson, 10,000 epochs", lesson, "≤ 2x")
    report("784-1024-10 MLP, batch 256, 200 steps", mlp, "≤ 1.25x")


if __name__ == "__main__":
    main()
