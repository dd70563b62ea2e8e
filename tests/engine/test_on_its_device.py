"""A script that moves its model and data to the GPU runs as on the CPU: the same phases, and every
summary computed where the tensor lives equals torch's own reductions of the live tensor at that pause.

On a machine without a GPU the script trains on the CPU and these tests check the same code paths
there; on a machine with one (a lent device in a session), they check CUDA tensors."""

from __future__ import annotations

import math

import torch
from engine_helpers import script_path

from stepper.engine import PHASES, Paused, Session, load_script

DEVICE = "cuda:0" if torch.cuda.is_available() else "cpu"


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-4, abs_tol=1e-6)


def run_checking_each_pause() -> tuple[Session, list[str]]:
    """Run the script; at every pause (in the script's thread, before it goes on) compare each summary
    with the live tensor it was taken from. Returns the session and the mismatches found."""
    session = Session(load_script(script_path("on_its_device.py")), seed=0, mode="continue", views=False)
    problems: list[str] = []

    def listener(event) -> None:
        if not isinstance(event, Paused):
            return
        snapshot = event.snapshot
        for name, tensor in session._capture.watch.items():
            for label, live, stats in (
                (name, tensor, snapshot.params.get(name)),
                (name + ".grad", tensor.grad, snapshot.grads.get(name)),
            ):
                if live is None:
                    if stats is not None:
                        problems.append(f"#{snapshot.index} {label}: summary of a tensor that is None")
                    continue
                flat = live.detach().reshape(-1).double()
                want = {
                    "mean": flat.mean().item(), "min": flat.min().item(), "max": flat.max().item(),
                    "std": flat.std(correction=0).item(), "norm": torch.linalg.vector_norm(flat).item(),
                }  # fmt: skip
                if stats.device != DEVICE:
                    problems.append(f"#{snapshot.index} {label}: device {stats.device}, not {DEVICE}")
                for key, value in want.items():
                    if not close(getattr(stats, key), value):
                        problems.append(f"#{snapshot.index} {label}.{key}: {getattr(stats, key)} != {value}")
                if stats.values is not None and stats.values != tuple(live.detach().reshape(-1).tolist()):
                    problems.append(f"#{snapshot.index} {label}: values differ from the live tensor")

    session.listener = listener
    session.start()
    session.join(120)
    assert session.finished and session.end.status == "ok", session.end
    return session, problems


def test_each_pause_on_the_device_shows_the_live_tensors_true_values():
    session, problems = run_checking_each_pause()
    assert problems == []
    # Both kinds of summary were checked: the last layer's one bias kept whole, the 96×8 weight
    # summarised on its device.
    last = session.history[-1]
    assert last.params["model.2.bias"].values is not None and last.params["model.0.weight"].values is None


def test_a_loop_on_the_device_pauses_at_the_same_five_phases():
    session, _ = run_checking_each_pause()
    phases = [snapshot.phases for snapshot in session.history]
    assert phases == [(phase,) for phase in PHASES] * 6
    assert session.end.steps == 6
    assert f"{DEVICE.split(':')[0]}: loss" in "".join(text for _, text in session.output)
