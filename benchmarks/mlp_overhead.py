"""stepper on a real-size model: a ~1M-parameter MLP, 200 steps, against plain python.

Runs benchmarks/scripts/mlp_1m.py as `python FILE` and as `stepper run FILE --jsonl` (output to
/dev/null), each in a fresh process, and prints the wall times and the ratio (target: ≤ 1.25×).
A 0-step copy of the same file measures start-up (Python, torch), so the loop's own ratio is shown
too.

    python benchmarks/mlp_overhead.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from common import wall  # noqa: E402

SCRIPT = os.path.join(HERE, "scripts", "mlp_1m.py")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    text = open(SCRIPT, encoding="utf-8").read()
    with tempfile.TemporaryDirectory() as folder:
        empty = os.path.join(folder, "mlp_0.py")
        with open(empty, "w", encoding="utf-8") as handle:
            handle.write(re.sub(r"range\(200\)", "range(0)", text).replace("loss.item()", "0.0"))
        results = {}
        for label, path in (("0 steps", empty), ("200 steps", SCRIPT)):
            python = wall([sys.executable, path], args.repeat)
            command = [sys.executable, "-m", "stepper", "run", path, "--jsonl", "--seed", "0"]
            stepper = wall(command, args.repeat)
            results[label] = (python, stepper)
    (p0, s0), (p1, s1) = results["0 steps"], results["200 steps"]
    print(f"{'':>10} {'python s':>9} {'stepper s':>10} {'ratio':>7}")
    print(f"{'whole run':>10} {p1:>9.2f} {s1:>10.2f} {s1 / p1:>6.2f}x")
    print(f"{'loop only':>10} {p1 - p0:>9.2f} {s1 - s0:>10.2f} {(s1 - s0) / (p1 - p0):>6.2f}x")


if __name__ == "__main__":
    main()
