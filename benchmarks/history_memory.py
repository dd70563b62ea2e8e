"""How much memory does the pause history of a long run take?

Runs the default lesson for 10,000 epochs (50,000 pauses) in this process, once as the transcripts
take snapshots and once with the TUI's extra views (data-and-fit, autograd graph), and reports the
memory the history holds: Python's traced allocations with the history, minus after dropping it.

    python benchmarks/history_memory.py
"""

from __future__ import annotations

import gc
import os
import re
import sys
import tempfile
import tracemalloc

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from stepper.engine import Session, load_script  # noqa: E402
from stepper.lessons import find_lesson  # noqa: E402


def traced_mib() -> float:
    gc.collect()
    return tracemalloc.get_traced_memory()[0] / 2**20


def history_mib(path: str, views: bool) -> tuple[int, float]:
    session = Session(load_script(path), seed=0, mode="continue", views=views)
    tracemalloc.start()
    session.start()
    session.join()
    with_history = traced_mib()
    pauses = len(session.history)
    session.history.clear()
    without = traced_mib()
    tracemalloc.stop()
    return pauses, with_history - without


def main() -> None:
    text = open(find_lesson("linear").path, encoding="utf-8").read()
    text = re.sub(r"range\(100\)", "range(10000)", text)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "linear_10000.py")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        for views in (False, True):
            pauses, mib = history_mib(path, views)
            label = "with TUI views" if views else "transcript"
            per_pause = mib * 2**20 / pauses
            print(f"{label:>15}: {pauses} pauses, history ≈ {mib:.1f} MiB ({per_pause:.0f} B/pause)")


if __name__ == "__main__":
    main()
