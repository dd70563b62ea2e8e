"""What a pause costs on a ~100M-parameter model, against the compute of the phase it follows.

Runs benchmarks/scripts/mlp_100m.py (six 4096x4096 layers, batch 64, plain SGD, 3 steps) twice in
this process: once as plain Python with each of the five lines timed, once under the engine (continue
mode, no screen) with each pause's cost timed (copying the summaries: the statistics of every tensor
that changed, on its own device). Prints, per phase, the median compute time, the median pause cost,
and their ratio (target: ≤ 20%).

    python benchmarks/big_model_pause.py
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import torch  # noqa: E402

from stepper.engine import Session, load_script  # noqa: E402
from stepper.engine import session as session_module  # noqa: E402

SCRIPT = os.path.join(HERE, "scripts", "mlp_100m.py")
PHASES = ("forward", "loss", "zero_grad", "backward", "step")


def plain_phase_times() -> dict[str, list[float]]:
    """The script's own model and data (its set-up run here with the loop emptied), then its loop's
    five lines, each timed."""
    text = open(SCRIPT, encoding="utf-8").read()
    setup, count = re.subn(r"range\(3\)", "range(0)", text)
    assert count == 1, "mlp_100m.py no longer loops over range(3)"
    setup = "\n".join(line for line in setup.splitlines() if not line.startswith("print("))
    namespace: dict = {"__name__": "__setup__"}
    exec(compile(setup, SCRIPT, "exec"), namespace)
    model, loss_fn, optimizer = namespace["model"], namespace["loss_fn"], namespace["optimizer"]
    x, y = namespace["x"], namespace["y"]
    times: dict[str, list[float]] = {phase: [] for phase in PHASES}

    def timed(phase, work):
        start = time.perf_counter()
        result = work()
        times[phase].append(time.perf_counter() - start)
        return result

    for _ in range(3):
        preds = timed("forward", lambda: model(x))
        loss = timed("loss", lambda p=preds: loss_fn(p, y))
        timed("zero_grad", optimizer.zero_grad)
        timed("backward", loss.backward)
        timed("step", optimizer.step)
    return times


def pause_costs() -> dict[str, list[float]]:
    """Each pause's cost under the engine: taking its snapshot and recording it."""
    costs: dict[str, list[float]] = {phase: [] for phase in PHASES}
    take, deliver = session_module.Session._take, session_module.Session._deliver
    started: list[float] = []

    def timed_take(self, phases, frame, line):
        started.append(time.perf_counter())
        return take(self, phases, frame, line)

    def timed_deliver(self, snapshot):
        cost = time.perf_counter() - started.pop()
        for phase in snapshot.phases:
            costs[phase].append(cost)
        return deliver(self, snapshot)

    session_module.Session._take, session_module.Session._deliver = timed_take, timed_deliver
    try:
        session = Session(load_script(SCRIPT), seed=0, mode="continue", views=False)
        session.start()
        session.join()
    finally:
        session_module.Session._take, session_module.Session._deliver = take, deliver
    assert session.end is not None and session.end.status == "ok", session.end
    return costs


def main() -> None:
    params = 6 * (4096 * 4096 + 4096)
    print(f"model: {params / 1e6:.1f}M parameters, {torch.get_num_threads()} torch threads")
    compute = plain_phase_times()
    costs = pause_costs()
    print(f"{'phase':>10} {'compute ms':>11} {'pause ms':>9} {'pause/compute':>14}")
    for phase in PHASES:
        c = statistics.median(compute[phase]) * 1e3
        p = statistics.median(costs[phase]) * 1e3 if costs[phase] else float("nan")
        print(f"{phase:>10} {c:>11.1f} {p:>9.1f} {p / c:>13.0%}")


if __name__ == "__main__":
    main()
