"""Time until `stepper run` shows its first pause, against plain `python` running the whole lesson.

The lesson's first pause is just after its first forward, so this is mostly Python start-up and the
torch import, which the plain script pays too. Both from a fresh process; stepper in a pseudo-terminal
at 80×24, the clock stopping when "pause 1/1" is on screen. Target: ratio ≤ 1.15.

    python benchmarks/tui_first_pause.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from tui_terminal import PYTHON, median, stepper, time_until

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from stepper.lessons import find_lesson  # noqa: E402


def plain_script() -> float:
    started = time.perf_counter()
    subprocess.run([PYTHON, find_lesson("linear").path], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    plain, ours = [], []
    for _ in range(args.repeat):  # interleaved, so a change in the machine's load hits both alike
        plain.append(plain_script())
        ours.append(time_until(stepper, "pause 1/1"))
    print(f"python linear.py, whole run:  {median(plain) * 1000:7.0f} ms (median of {args.repeat})")
    print(f"stepper run, first pause:     {median(ours) * 1000:7.0f} ms")
    print(f"ratio: {median(ours) / median(plain):.2f}x (target ≤ 1.15x)")


if __name__ == "__main__":
    main()
