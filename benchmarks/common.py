"""Shared by the benchmarks that time whole processes.

A loop's own time is read by a clock inside the script: `with_loop_clock` gives a copy of a script
whose top-level training loop is timed with `time.perf_counter()` and whose seconds are written to the
file named by $STEPPER_BENCH_CLOCK. The same copy runs under `python` and under stepper, so the two
loop times compare like for like, without start-up (Python, the torch import, the screen) in either.
(Earlier versions subtracted a separate 0-epoch run from each wall time instead; on this 2-core
machine the difference of two noisy process times often moved the ratio by ±0.3×.)
"""

from __future__ import annotations

import compileall
import os
import statistics
import subprocess
import tempfile
import time

CLOCK = "STEPPER_BENCH_CLOCK"
PACKAGE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "stepper")


def compile_stepper() -> None:
    """Write stepper's bytecode before any run is timed, as a first run (or pip) does for a user.

    The baselines' packages (textual, torch) come compiled from pip; an editable install of stepper
    writes its own `__pycache__` at its first run, unless PYTHONDONTWRITEBYTECODE is set, as it is on
    the build machines. There, without this, every stepper process compiled its ~100 ms of sources
    again, which alone made the first frame 1.9x a bare app's instead of 1.4x."""
    compileall.compile_dir(PACKAGE, quiet=1)


compile_stepper()  # (every benchmark imports this module before it times anything)


def with_loop_clock(text: str) -> str:
    """`text` with a clock started before its first top-level `for` loop and read after that loop."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("for "))
    after = (i for i in range(start + 1, len(lines)) if lines[i] and not lines[i][0].isspace())
    end = next(after, len(lines))  # the first line back at the top level
    started = "import time as _clock; _clock_started = _clock.perf_counter()"
    stopped = (
        "_clock_seconds = _clock.perf_counter() - _clock_started; "
        "open(__import__('os').environ['" + CLOCK + "'], 'w').write(repr(_clock_seconds))"
    )
    return "\n".join(lines[:start] + [started] + lines[start:end] + [stopped] + lines[end:]) + "\n"


def write_clocked(text: str, folder: str, name: str) -> str:
    path = os.path.join(folder, name)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(with_loop_clock(text))
    return path


class LoopClock:
    """Where the clocked scripts started from this process write their loop's seconds."""

    def __init__(self) -> None:
        handle, self.path = tempfile.mkstemp(prefix="stepper-clock-")
        os.close(handle)
        os.environ[CLOCK] = self.path  # children inherit it

    def read(self) -> float:
        """The seconds the last clocked run wrote (and forget them, so a run that wrote none fails)."""
        with open(self.path, encoding="utf-8") as handle:
            text = handle.read()
        open(self.path, "w").close()
        if not text:
            raise RuntimeError("the script never reached the end of its loop")
        return float(text)

    def close(self) -> None:
        os.unlink(self.path)


def timed(cmd: list[str], clock: LoopClock) -> tuple[float, float]:
    """(wall seconds, the loop's own seconds) of one run of `cmd`, its output discarded."""
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start, clock.read()


def medians(runs: list[tuple[float, ...]]) -> tuple[float, ...]:
    return tuple(statistics.median(column) for column in zip(*runs, strict=True))


def print_layers(title: str, times: dict[str, list[float]]) -> None:
    """Each variant's median µs per iteration and its ratio to the "plain" one, in the given order."""
    plain = statistics.median(times["plain"])
    print(title)
    for name, values in times.items():
        value = statistics.median(values)
        print(f"  {name:<10} {value:6.0f} µs per iteration   {value / plain:4.2f}x")
