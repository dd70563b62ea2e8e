"""How much slower is a script under stepper than under plain python?

Runs the default lesson (and the same file with more epochs) three ways, each in a fresh process:
plain `python LESSON`, and `stepper run LESSON --jsonl` with output to /dev/null. Prints wall times
and the ratio stepper / python, plus the ratio on the loop's own time (wall minus the same file run
with 0 epochs, which is the cost of starting Python and importing torch).

    python benchmarks/engine_overhead.py [--repeat 3]
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

sys.path.insert(0, os.path.dirname(HERE))

from stepper.lessons import find_lesson  # noqa: E402


def lesson_with_epochs(epochs: int, folder: str) -> str:
    text = open(find_lesson("linear").path, encoding="utf-8").read()
    text, count = re.subn(r"range\(100\)", f"range({epochs})", text)
    assert count == 1, "the default lesson no longer loops over range(100)"
    if epochs == 0:
        text = text.replace("print(f\"loss {loss.item()", "print(f\"loss {0")
    path = os.path.join(folder, f"linear_{epochs}.py")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        rows = []
        base_python = base_stepper = None
        for epochs in (0, 100, 10_000):
            path = lesson_with_epochs(epochs, folder)
            python = wall([sys.executable, path], args.repeat)
            command = [sys.executable, "-m", "stepper", "run", path, "--jsonl", "--seed", "0"]
            stepper = wall(command, args.repeat)
            if epochs == 0:
                base_python, base_stepper = python, stepper
                continue
            loop = python - base_python
            own = (stepper - base_stepper) / loop if loop > 0.2 else float("nan")
            rows.append((epochs, python, stepper, stepper / python, own))
    print(f"{'epochs':>7} {'python s':>9} {'stepper s':>10} {'wall ratio':>11} {'loop-only ratio':>16}")
    for epochs, python, stepper, ratio, own in rows:
        own_text = "n/a" if own != own else f"{own:.2f}x"  # a loop too short to time apart
        print(f"{epochs:>7} {python:>9.2f} {stepper:>10.2f} {ratio:>10.2f}x {own_text:>16}")


if __name__ == "__main__":
    main()
