"""Time to the first frame of `stepper run`, against a bare Textual app started the same way.

Both run in a pseudo-terminal at 80×24 from a fresh process; the clock stops when the first frame's
text is on screen (for stepper: the code panel with "loading PyTorch…", drawn before torch is
imported). Target: ratio ≤ 1.5.

    python benchmarks/tui_first_frame.py [--repeat 5]
"""

from __future__ import annotations

import argparse

from tui_terminal import bare_app, median, stepper, time_until


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    bare, ours = [], []
    for _ in range(args.repeat):  # interleaved, so a change in the machine's load hits both alike
        bare.append(time_until(bare_app, "bare textual ready"))
        ours.append(time_until(stepper, "loading PyTorch"))
    print(f"bare Textual app, first frame: {median(bare) * 1000:7.0f} ms (median of {args.repeat})")
    print(f"stepper run, first frame:      {median(ours) * 1000:7.0f} ms")
    print(f"ratio: {median(ours) / median(bare):.2f}x (target ≤ 1.5x)")


if __name__ == "__main__":
    main()
