"""How much slower is a script under stepper than under plain python?

Runs the default lesson with 100 and with 10,000 epochs two ways, each in a fresh process and
interleaved: plain `python LESSON`, and `stepper run LESSON --jsonl` with its output thrown away.
Prints the median wall times and their ratio, and the median of the loop's own time, read by a clock
inside the script around the training loop (see common.py), with the ratio stepper / python of that
too: the tracing overhead on the toy loop's own time (target ≤ 2×).

    python benchmarks/engine_overhead.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from common import LoopClock, medians, timed, write_clocked  # noqa: E402

sys.path.insert(0, os.path.dirname(HERE))

from stepper.lessons import find_lesson  # noqa: E402


def lesson_with_epochs(epochs: int, folder: str) -> str:
    """A copy of the default lesson training for `epochs` epochs, with a clock around its loop."""
    text = open(find_lesson("linear").path, encoding="utf-8").read()
    text, count = re.subn(r"range\(100\)", f"range({epochs})", text)
    assert count == 1, "the default lesson no longer loops over range(100)"
    return write_clocked(text, folder, f"linear_{epochs}.py")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    clock = LoopClock()
    rows = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            for epochs in (100, 10_000):
                path = lesson_with_epochs(epochs, folder)
                command = [sys.executable, "-m", "stepper", "run", path, "--jsonl", "--seed", "0"]
                runs = []
                for _ in range(args.repeat):
                    runs.append(timed([sys.executable, path], clock) + timed(command, clock))
                python, python_loop, stepper, stepper_loop = medians(runs)
                rows.append((epochs, python, stepper, python_loop, stepper_loop))
    finally:
        clock.close()
    print(f"medians of {args.repeat} runs each")
    print(f"{'epochs':>7} {'python s':>9} {'stepper s':>10} {'wall ratio':>11}   {'loop: python s':>14} "
          f"{'stepper s':>10} {'ratio':>7}")  # fmt: skip
    for epochs, python, stepper, python_loop, stepper_loop in rows:
        wall = f"{epochs:>7} {python:>9.2f} {stepper:>10.2f} {stepper / python:>10.2f}x"
        print(f"{wall}   {python_loop:>14.3f} {stepper_loop:>10.3f} {stepper_loop / python_loop:>6.2f}x")


if __name__ == "__main__":
    main()
