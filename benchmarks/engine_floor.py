"""Where a toy loop's time goes under stepper: the engine taken apart, one layer at a time.

engine_overhead.py measures the whole `--jsonl` run. This one runs the default lesson (3,000 epochs,
clock around its loop, see common.py) inside this process, in a thread as stepper does, five ways:

- plain       the script alone (runpy in a thread);
- hooks       stepper's torch hooks installed, no line tracer, pauses that copy nothing;
- tracer      hooks and the line tracer deciding every phase, each pause copying nothing;
- snapshots   a real session: every pause copied, kept in history (what the screen's `c` does);
- jsonl       the same, with every pause written as a JSON line (what `--jsonl` does).

The middle variants replace two engine methods (`PhaseTracer.install`, `Session._take/_deliver`) with
stand-ins; that is an instrument for this benchmark only. Rounds are interleaved and each figure is
the median, in µs per iteration and as a ratio to plain.

    python benchmarks/engine_floor.py [--epochs 3000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import io
import os
import runpy
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from common import LoopClock, print_layers  # noqa: E402
from engine_overhead import lesson_with_epochs  # noqa: E402

from stepper.engine import session as session_mod  # noqa: E402
from stepper.engine import tracer as tracer_mod  # noqa: E402
from stepper.engine.source import load_script  # noqa: E402
from stepper.frontends.transcript import run_transcript  # noqa: E402

VARIANTS = ("plain", "hooks", "tracer", "snapshots", "jsonl")


def run_plain(path: str) -> None:
    def target() -> None:
        out = sys.stdout
        sys.stdout = io.StringIO()
        try:
            runpy.run_path(path, run_name="__main__")
        finally:
            sys.stdout = out

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()


def run_session(path: str, variant: str) -> None:
    Session, Tracer = session_mod.Session, tracer_mod.PhaseTracer
    saved = Session._take, Session._deliver, Tracer.install
    try:
        if variant in ("hooks", "tracer"):
            Session._take = lambda self, phases, frame, line: None
            Session._deliver = lambda self, snapshot: None
        if variant == "hooks":
            Tracer.install = lambda self: None
        session = Session(load_script(path), seed=0, mode="continue", views=False)
        if variant == "jsonl":
            run_transcript(session, "jsonl", io.StringIO(), io.StringIO())
        else:
            session.start()
            session.join()
    finally:
        Session._take, Session._deliver, Tracer.install = saved


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    clock = LoopClock()
    times: dict[str, list[float]] = {name: [] for name in VARIANTS}
    try:
        with tempfile.TemporaryDirectory() as folder:
            path = lesson_with_epochs(args.epochs, folder)
            run_plain(path)  # warm up: torch's imports, the first optimizer's dynamo import
            clock.read()
            for _ in range(args.repeat):
                for name in VARIANTS:
                    run_plain(path) if name == "plain" else run_session(path, name)
                    times[name].append(clock.read() / args.epochs * 1e6)
    finally:
        clock.close()
    print_layers(f"default lesson, {args.epochs} epochs, in this process; medians of {args.repeat}", times)


if __name__ == "__main__":
    main()
