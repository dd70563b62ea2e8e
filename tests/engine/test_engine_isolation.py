"""The engine knows nothing of the screen: running a script through it never imports textual."""

from __future__ import annotations

import json
import subprocess
import sys

from engine_helpers import SAFETY_TIMEOUT, script_path

PROBE = """
import json, sys
from stepper.engine import Session, load_script

session = Session(load_script(sys.argv[1]), seed=0, mode="continue")
session.start()
session.join()
from stepper.frontends.transcript import plain_block  # the non-interactive front end, too
plain_block(session.history[-1])
print(json.dumps({
    "pauses": len(session.history),
    "status": session.end.status,
    "textual": sorted(m for m in sys.modules if m == "textual" or m.startswith("textual.")),
}))
"""


def test_engine_runs_a_script_without_importing_textual():
    # textual is installed (the TUI needs it), so only the engine's own imports can keep it out.
    assert subprocess.run([sys.executable, "-c", "import textual"], capture_output=True).returncode == 0
    result = subprocess.run(
        [sys.executable, "-c", PROBE, script_path("module_optimizer.py")],
        capture_output=True,
        text=True,
        timeout=SAFETY_TIMEOUT,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["status"] == "ok" and report["pauses"] == 15
    assert report["textual"] == []


def test_a_run_leaves_torch_as_it_found_it():
    import torch
    from engine_helpers import run_session
    from torch.amp.grad_scaler import GradScaler

    def patched():
        return [
            torch.autograd.backward,
            torch.optim.Optimizer.zero_grad,
            torch.nn.Module.zero_grad,
            vars(torch.Tensor).get("grad"),
            GradScaler.scale,
            GradScaler.step,
            torch.nn.utils.clip_grad_norm_,
            torch.nn.utils.clip_grad.clip_grad_norm_,
            torch.autograd.grad,
        ]

    before = patched()
    session = run_session(script_path("grad_scaler.py"))
    assert session.end.status == "ok" and session.end.steps == 6
    assert all(a is b for a, b in zip(patched(), before, strict=True))


def test_a_compiled_model_hears_no_warning_about_steppers_hooks():
    # Dynamo would trace the hooks inside the compiled model (and warn it cannot trace what they
    # call), and torch warns that global hooks fire twice for a compiled module: neither is the
    # learner's business.
    import warnings

    from engine_helpers import run_session

    from stepper.engine.hooks import COMPILE_HOOKS_WARNING

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        session = run_session(script_path("compiled_model.py"))
        inside = list(warnings.filters)
    assert session.end.status == "ok" and len(session.history) == 10
    # Named as the script wrote the model, not after torch.compile's wrapper (`model._orig_mod.0`).
    names = ["model.0.weight", "model.0.bias", "model.2.weight", "model.2.bias"]
    assert list(session.history[0].params) == names
    assert [str(w.message) for w in caught if "hook" in str(w.message) or "get_ident" in str(w.message)] == []
    # ...and the run took its own filter away again.
    assert not any(getattr(f[1], "pattern", None) == COMPILE_HOOKS_WARNING for f in inside)
