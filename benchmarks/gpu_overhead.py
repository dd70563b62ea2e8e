"""stepper on a GPU: what a run under the engine costs against the same script under plain python.

Writes a script that trains an MLP of `--layers` square layers of `--width` on `cuda` (batch
`--batch`, SGD, `--steps` steps; ~100M parameters by default) and times its loop inside the script,
with `torch.cuda.synchronize()` at both ends (a GPU runs its kernels after Python has queued them:
without it the clock would stop before the work is done). The script runs three ways in this process,
rounds interleaved: plain (runpy in a thread), under the engine running on (no screen: `c`), and as
`--jsonl` writing every pause. It prints the loop's time per step, the ratios, and how many of the
big tensors' summaries came from a sample (marked ≈: a pause may spend only 15% of its phase's
compute on summaries, `--exact-stats` turns that off).

    python benchmarks/gpu_overhead.py [--width 4096] [--layers 6] [--batch 512] [--steps 30]

Without a GPU it says so and stops (`--device cpu` runs the same on the CPU, to try the benchmark).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import torch  # noqa: E402
from engine_floor import run_plain  # noqa: E402  (the script alone, in a thread, as stepper runs it)

from stepper.engine import Session, load_script  # noqa: E402
from stepper.frontends.transcript import run_transcript  # noqa: E402

SCRIPT = """
import os, time
import torch
from torch import nn

device = {device!r}
torch.manual_seed(0)
x = torch.randn({batch}, {width}, device=device)
y = torch.randn({batch}, {width}, device=device)
layers = []
for _ in range({layers}):
    layers += [nn.Linear({width}, {width}), nn.ReLU()]
model = nn.Sequential(*layers[:-1]).to(device)
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

if device == "cuda":
    torch.cuda.synchronize()
_started = time.perf_counter()
for step in range({steps}):
    preds = model(x)
    loss = loss_fn(preds, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
if device == "cuda":
    torch.cuda.synchronize()
open(os.environ["STEPPER_GPU_CLOCK"], "w").write(repr(time.perf_counter() - _started))
print(f"final loss {{loss.item():.4f}}")
"""


def run_engine(path: str, jsonl: bool) -> Session:
    session = Session(load_script(path), seed=0, mode="continue", views=False)
    if jsonl:
        run_transcript(session, "jsonl", io.StringIO(), io.StringIO())
    else:
        session.start()
        session.join()
    assert session.end is not None and session.end.status == "ok", session.end
    return session


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--width", type=int, default=4096)
    parser.add_argument("--layers", type=int, default=6)
    parser.add_argument("--batch", type=int, default=512)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        print("no GPU here: nothing to measure (`--device cpu` runs the same on the CPU)")
        return
    folder = tempfile.mkdtemp()
    path = os.path.join(folder, "mlp_on_device.py")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(
            SCRIPT.format(
                device=args.device, **{k: getattr(args, k) for k in ("width", "layers", "batch", "steps")}
            )
        )
    clock = os.path.join(folder, "clock")
    os.environ["STEPPER_GPU_CLOCK"] = clock

    def seconds() -> float:
        with open(clock, encoding="utf-8") as handle:
            return float(handle.read())

    params = args.layers * (args.width * args.width + args.width)
    name = torch.cuda.get_device_name() if args.device == "cuda" else "CPU"
    print(f"{name}: {params / 1e6:.1f}M parameters, batch {args.batch}, {args.steps} steps", end="")
    print(f", torch {torch.__version__}")
    run_plain(path)  # warm up: kernels, the allocator, the first optimizer's imports
    times: dict[str, list[float]] = {"plain": [], "engine (c)": [], "--jsonl": []}
    approx = total = 0
    for _ in range(args.repeat):
        run_plain(path)
        times["plain"].append(seconds())
        session = run_engine(path, jsonl=False)
        times["engine (c)"].append(seconds())
        for snapshot in session.history:
            for stats in [*snapshot.params.values(), *snapshot.grads.values()]:
                if stats is not None and stats.values is None:
                    total += 1
                    approx += stats.approx
        run_engine(path, jsonl=True)
        times["--jsonl"].append(seconds())
    base = statistics.median(times["plain"])
    for label, values in times.items():
        median = statistics.median(values)
        print(f"  {label:<11} {median / args.steps * 1e3:8.2f} ms per step   {median / base:5.2f}x")
    print(f"  summaries of big tensors taken from a sample (≈): {approx} of {total}")


if __name__ == "__main__":
    main()
