"""How far the toy loop's cost is from a bare minimum: the least a `sys.settrace` engine can do.

engine_floor.py takes stepper's engine apart. This one builds, from nothing, the smallest engine of
the same shape and times it on the same file (the default lesson at 3,000 epochs, its loop clocked
as in common.py, run in a thread):

- plain     the loop alone;
- hooks     torch hooks that only note each phase (module calls, backward, zero_grad, the step)
            and switch tracing off inside torch's calls, as stepper's do;
- tracer    plus a line tracer on the script's frames that hands what the hooks noted to a pause at
            the next line boundary (no pause is taken);
- minimal   plus, at each of the five pauses an iteration, the two parameters' and two gradients'
            summaries (every value, mean, min, max, norm; kept while a tensor is unchanged) written
            as one JSON line.

What the minimal engine leaves out is what stepper's pauses are for: loss detection from the script's
own variables, hand-written updates and `.data` edits, names, notices, the optimizer, history. So
its ratio is a floor for this design, not a target met: the gap to engine_floor.py's figures is the
cost of those. Medians of 5, rounds interleaved.

    python benchmarks/engine_minimal.py [--epochs 3000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import sys
import tempfile
import threading

import torch
from torch.nn.modules import module as module_hooks
from torch.optim import optimizer as optimizer_hooks

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from common import LoopClock, print_layers  # noqa: E402
from engine_overhead import lesson_with_epochs  # noqa: E402

VARIANTS = ("plain", "hooks", "tracer", "minimal")


def summary(tensor) -> str:
    values = tensor.detach().reshape(-1).tolist()
    mean = sum(values) / len(values)
    norm = math.sqrt(sum(v * v for v in values))
    return (
        f'{{"shape": {list(tensor.shape)}, "mean": {mean!r}, "min": {min(values)!r}, '
        f'"max": {max(values)!r}, "norm": {norm!r}, "values": {values}}}'
    )


class MinimalEngine:
    def __init__(self, variant: str, filename: str) -> None:
        self.variant = variant
        self.filename = filename
        self.phases: list[str] = []
        self.depth = 0
        self.lines: dict[object, int] = {}
        self.cache: dict[tuple, str] = {}
        self.out = io.StringIO()
        self.namespace: dict = {}
        self.undo: list = []

    # --- tracing on and off around torch's own calls ---------------------------------------------

    def off(self) -> None:
        sys.settrace(None)

    def on(self) -> None:
        sys.settrace(self.global_trace if self.variant != "hooks" else None)

    def install(self) -> None:
        engine = self

        def pre(module, args):
            engine.depth += 1
            if engine.depth == 1:
                engine.off()

        def post(module, args, output):
            engine.depth -= 1
            if engine.depth == 0:
                engine.phases.append("loss" if output.dim() == 0 else "forward")
                engine.on()

        def before_step(optimizer, args, kwargs):
            engine.off()

        def after_step(optimizer, args, kwargs):
            engine.phases.append("step")
            engine.on()

        handles = [
            module_hooks.register_module_forward_pre_hook(pre),
            module_hooks.register_module_forward_hook(post),
            optimizer_hooks.register_optimizer_step_pre_hook(before_step),
            optimizer_hooks.register_optimizer_step_post_hook(after_step),
        ]
        self.undo += [handle.remove for handle in handles]
        self.wrap(torch.autograd, "backward", "backward")
        self.wrap(torch.optim.Optimizer, "zero_grad", "zero_grad")

    def wrap(self, owner, name: str, phase: str) -> None:
        original = getattr(owner, name)
        engine = self

        def wrapper(*args, **kwargs):
            engine.off()
            try:
                return original(*args, **kwargs)
            finally:
                engine.phases.append(phase)
                engine.on()

        setattr(owner, name, wrapper)
        self.undo.append(lambda: setattr(owner, name, original))

    def uninstall(self) -> None:
        while self.undo:
            self.undo.pop()()

    # --- the line tracer and the pause -------------------------------------------------------------

    def global_trace(self, frame, event, arg):
        return self.local_trace if frame.f_code.co_filename == self.filename else None

    def local_trace(self, frame, event, arg):
        if event == "line":
            finished = self.lines.get(frame)
            self.lines[frame] = frame.f_lineno
            if finished is not None and self.phases:
                phases, self.phases = self.phases, []
                if self.variant == "minimal":
                    self.pause(phases, finished)
        return self.local_trace

    def pause(self, phases: list[str], line: int) -> None:
        model = self.namespace["model"]
        params, grads = [], []
        for name, tensor in (("model.weight", model.weight), ("model.bias", model.bias)):
            params.append(f'"{name}": {self.summary_of((name, id(tensor), tensor._version), tensor)}')
            grad = tensor.grad
            text = "null" if grad is None else self.summary_of((name, id(grad), grad._version), grad)
            grads.append(f'"{name}": {text}')
        if len(self.cache) > 64:
            self.cache.clear()
        self.out.write(
            f'{{"event": "pause", "phases": {json.dumps(phases)}, "line": {line}, '
            f'"params": {{{", ".join(params)}}}, "grads": {{{", ".join(grads)}}}}}\n'
        )

    def summary_of(self, key: tuple, tensor) -> str:
        text = self.cache.get(key)
        if text is None:
            text = self.cache[key] = summary(tensor)
        return text


def run(variant: str, path: str, clock: LoopClock, epochs: int) -> float:
    """µs per iteration of the lesson's loop under `variant`, run in a thread as stepper runs a script."""
    with open(path, encoding="utf-8") as handle:
        code = compile(handle.read(), path, "exec")
    engine = MinimalEngine(variant, path)
    engine.namespace.update(__name__="__main__", __file__=path)

    def target() -> None:
        out, sys.stdout = sys.stdout, io.StringIO()  # (the lesson prints its result)
        if variant in ("tracer", "minimal"):
            sys.settrace(engine.global_trace)
        try:
            exec(code, engine.namespace)
        finally:
            sys.settrace(None)
            sys.stdout = out

    if variant != "plain":
        engine.install()
    try:
        thread = threading.Thread(target=target)
        thread.start()
        thread.join()
    finally:
        engine.uninstall()
    return clock.read() / epochs * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    clock = LoopClock()
    times: dict[str, list[float]] = {name: [] for name in VARIANTS}
    try:
        with tempfile.TemporaryDirectory() as folder:
            path = lesson_with_epochs(args.epochs, folder)  # the very file engine_floor.py runs
            run("plain", path, clock, args.epochs)  # warm up: the first optimizer's imports
            for _ in range(args.repeat):
                for name in VARIANTS:
                    times[name].append(run(name, path, clock, args.epochs))
    finally:
        clock.close()
    title = f"the default lesson, {args.epochs} epochs, a minimal engine; medians of {args.repeat}"
    print_layers(title, times)


if __name__ == "__main__":
    main()
