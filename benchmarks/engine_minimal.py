"""How far the toy loop's cost is from a bare minimum: the least a `sys.settrace` engine can do.

engine_floor.py takes stepper's engine apart. This one builds, from nothing, the smallest engine of
the same shape and times it on the same loop (the default lesson's, 3,000 epochs, in a thread):

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
import statistics
import sys
import threading
import time

import torch
from torch.nn.modules import module as module_hooks
from torch.optim import optimizer as optimizer_hooks

LOOP = """
import torch
from torch import nn

torch.manual_seed(0)
x = torch.linspace(-1, 1, 100).unsqueeze(1)
y = 2 * x + 1 + 0.1 * torch.randn(100, 1)
model = nn.Linear(1, 1)
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
started = CLOCK()
for epoch in range(EPOCHS):
    preds = model(x)
    loss = loss_fn(preds, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
SECONDS.append(CLOCK() - started)
"""
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


def run(variant: str, epochs: int) -> float:
    """µs per iteration of the loop under `variant`, run in a thread as stepper runs a script."""
    seconds: list[float] = []
    code = compile(LOOP, "<minimal-engine-loop>", "exec")
    engine = MinimalEngine(variant, code.co_filename)
    engine.namespace.update(__name__="__main__", EPOCHS=epochs, SECONDS=seconds, CLOCK=time.perf_counter)

    def target() -> None:
        if variant in ("tracer", "minimal"):
            sys.settrace(engine.global_trace)
        try:
            exec(code, engine.namespace)
        finally:
            sys.settrace(None)

    if variant != "plain":
        engine.install()
    try:
        thread = threading.Thread(target=target)
        thread.start()
        thread.join()
    finally:
        engine.uninstall()
    return seconds[0] / epochs * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    run("plain", args.epochs)  # warm up: the first optimizer's imports
    times: dict[str, list[float]] = {name: [] for name in VARIANTS}
    for _ in range(args.repeat):
        for name in VARIANTS:
            times[name].append(run(name, args.epochs))
    plain = statistics.median(times["plain"])
    print(f"the default lesson's loop, {args.epochs} epochs, a minimal engine; medians of {args.repeat}")
    for name in VARIANTS:
        value = statistics.median(times[name])
        print(f"  {name:<8} {value:6.0f} µs per iteration   {value / plain:4.2f}x")


if __name__ == "__main__":
    main()
