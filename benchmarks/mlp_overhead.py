"""stepper on a real-size model: a ~1M-parameter MLP, 200 steps, against plain python.

Runs benchmarks/scripts/mlp_1m.py as `python FILE` and as `stepper run FILE --jsonl` (output thrown
away), each in a fresh process, interleaved, and prints the median wall times and the ratio, and the
same for the loop's own time, read by a clock inside the script around the training loop (see
common.py). Target: ≤ 1.25×. `--script` runs another script instead (scripts/mlp_1m_by_hand.py: the same
model with a hand-written update loop).

    python benchmarks/mlp_overhead.py [--repeat 5] [--script FILE]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from common import LoopClock, medians, timed, write_clocked  # noqa: E402

SCRIPT = os.path.join(HERE, "scripts", "mlp_1m.py")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--script", default=SCRIPT)
    args = parser.parse_args()
    clock = LoopClock()
    try:
        with tempfile.TemporaryDirectory() as folder:
            text = open(args.script, encoding="utf-8").read()
            path = write_clocked(text, folder, os.path.basename(args.script))
            command = [sys.executable, "-m", "stepper", "run", path, "--jsonl", "--seed", "0"]
            runs = [timed([sys.executable, path], clock) + timed(command, clock) for _ in range(args.repeat)]
    finally:
        clock.close()
    python, python_loop, stepper, stepper_loop = medians(runs)
    print(f"{os.path.basename(args.script)}: medians of {args.repeat} runs each")
    print(f"{'':>10} {'python s':>9} {'stepper s':>10} {'ratio':>7}")
    print(f"{'whole run':>10} {python:>9.2f} {stepper:>10.2f} {stepper / python:>6.2f}x")
    print(f"{'loop only':>10} {python_loop:>9.2f} {stepper_loop:>10.2f} {stepper_loop / python_loop:>6.2f}x")


if __name__ == "__main__":
    main()
