"""How much memory does the pause history of a long run take?

Runs the default lesson for 10,000 epochs (50,000 pauses) in this process, once as the transcripts
take snapshots (at full speed) and once as the screen takes them when every step is looked at (`g`
to a far step: each pause with the data-and-fit view and the autograd graph), and reports the memory
the history holds: Python's traced allocations with the history, minus after dropping it, next to
the history's own estimate (which its --history-mb budget is held against; default 256 MiB).

    python benchmarks/history_memory.py [EPOCHS]
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

EPOCHS = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000  # a smaller number for a quick look


def traced_mib() -> float:
    gc.collect()
    return tracemalloc.get_traced_memory()[0] / 2**20


def history_mib(path: str, views: bool) -> tuple[int, float, float, int]:
    """(pauses, traced MiB, estimated MiB, pauses thinned to summaries)."""
    session = Session(load_script(path), seed=0, mode="phase" if views else "continue", views=views)
    tracemalloc.start()
    session.start()
    if views:
        # One step at a time, as the screen runs to a step: every pause takes the views.
        while session.wait() and not session.finished:
            session.next_step()
    session.join()
    with_history = traced_mib()
    history = session.history
    pauses, estimate = len(history), history.bytes / 2**20
    thinned = sum(snapshot.summary_only for snapshot in history)
    history.clear()
    without = traced_mib()
    tracemalloc.stop()
    return pauses, with_history - without, estimate, thinned


def main() -> None:
    text = open(find_lesson("linear").path, encoding="utf-8").read()
    text = re.sub(r"range\(100\)", f"range({EPOCHS})", text)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, f"linear_{EPOCHS}.py")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        for views in (False, True):
            pauses, mib, estimate, thinned = history_mib(path, views)
            label = "stepping, views" if views else "transcript"
            per_pause = mib * 2**20 / pauses
            print(
                f"{label:>15}: {pauses} pauses, history ≈ {mib:.1f} MiB ({per_pause:.0f} B/pause); "
                f"its estimate {estimate:.1f} MiB; {thinned} pauses thinned to summaries"
            )


if __name__ == "__main__":
    main()
