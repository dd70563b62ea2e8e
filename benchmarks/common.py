"""Shared by the benchmarks that time whole processes."""

from __future__ import annotations

import statistics
import subprocess
import time


def wall(cmd: list[str], repeat: int) -> float:
    """Median wall time of running `cmd` (output discarded) `repeat` times."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)
