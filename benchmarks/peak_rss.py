"""Peak memory (resident set) of a stepper session against the plain script. Target: ≤ 1.25×.

Each run is a fresh process started by a small wrapper that reports its child's peak RSS
(`getrusage(RUSAGE_CHILDREN).ru_maxrss`): `python SCRIPT`, `stepper run SCRIPT --jsonl` (output
thrown away), and the screen in a pseudo-terminal at 80×24 running to the end at full speed
(`--until-step` past the last step starts it running), then quit with `q`. Scripts: the default
lesson for 10,000 epochs, and the ~1M-parameter MLP (200 steps).

    python benchmarks/peak_rss.py
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time

import pexpect
from tui_terminal import COLUMNS, ROWS, STEPPER

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from stepper.lessons import find_lesson  # noqa: E402

# Runs argv[2:] and writes its peak RSS in KiB (Linux's unit for ru_maxrss) to the file argv[1].
WRAPPER = """
import resource, subprocess, sys
subprocess.run(sys.argv[2:], stdin=None if sys.stdin.isatty() else subprocess.DEVNULL,
               stdout=None if sys.stdout.isatty() else subprocess.DEVNULL)
open(sys.argv[1], "w").write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
"""
FAR = "100000000"  # a step no run here reaches: the screen runs to the end without waiting


def peak_mib(command: list[str], in_terminal: bool = False) -> float:
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as result:
        wrapped = [sys.executable, "-c", WRAPPER, result.name, *command]
        if in_terminal:
            run_screen(wrapped)
        else:
            subprocess.run(wrapped, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return int(result.read()) / 1024


def run_screen(wrapped: list[str]) -> None:
    """The screen in a pseudo-terminal: wait until the run has finished, then quit."""
    env = dict(os.environ, TERM="xterm-256color")
    child = pexpect.spawn(wrapped[0], wrapped[1:], env=env, dimensions=(ROWS, COLUMNS))
    screen = b""
    deadline = time.monotonic() + 600
    try:
        while b"finished after" not in screen[-20000:] and time.monotonic() < deadline:
            try:
                screen = (screen + child.read_nonblocking(65536, timeout=0.1))[-40000:]
            except pexpect.TIMEOUT:
                pass
        if b"finished after" not in screen:
            raise TimeoutError("the screen never said the run finished")
        child.send("q")
        child.expect(pexpect.EOF, timeout=60)
    finally:
        if child.isalive():
            child.terminate(force=True)


def main() -> None:
    text = open(find_lesson("linear").path, encoding="utf-8").read()
    with tempfile.TemporaryDirectory() as folder:
        lesson = os.path.join(folder, "linear_10000.py")
        with open(lesson, "w", encoding="utf-8") as handle:
            handle.write(re.sub(r"range\(100\)", "range(10000)", text))
        mlp = os.path.join(HERE, "scripts", "mlp_1m.py")
        scripts = [("default lesson, 10,000 epochs", lesson), ("1M-parameter MLP", mlp)]
        for name, script in scripts:
            plain = peak_mib([sys.executable, script])
            jsonl = peak_mib([STEPPER, "run", "--seed", "0", script, "--jsonl"])
            screen = peak_mib([STEPPER, "run", "--seed", "0", script, "--until-step", FAR], in_terminal=True)
            print(f"{name}: plain {plain:.0f} MiB")
            print(f"    --jsonl           {jsonl:5.0f} MiB  {jsonl / plain:.2f}x")
            print(f"    screen, running   {screen:5.0f} MiB  {screen / plain:.2f}x   (target ≤ 1.25x)")


if __name__ == "__main__":
    main()
