"""Every test script is an ordinary PyTorch file: it runs with plain `python`, no stepper involved.

All of them run in one fresh interpreter (torch is imported once), each as `__main__` via runpy, the
way `python script.py` runs it."""

from __future__ import annotations

import json
import subprocess
import sys

from engine_helpers import SAFETY_TIMEOUT, SCRIPTS

RUN_ALL = """
import json, os, runpy, sys, traceback
failures = {}
for path in sys.argv[1:]:
    sys.path.insert(0, os.path.dirname(path))  # as `python script.py` does: its own folder first
    try:
        runpy.run_path(path, run_name="__main__")
    except BaseException as exc:
        failures[path] = "".join(traceback.format_exception_only(type(exc), exc))
    finally:
        sys.path.pop(0)
print("FAILURES", json.dumps(failures), flush=True)
"""


def test_every_script_runs_with_plain_python():
    scripts = sorted(str(path) for path in SCRIPTS.glob("*.py"))
    assert len(scripts) >= 12
    result = subprocess.run(
        [sys.executable, "-c", RUN_ALL, *scripts],
        capture_output=True,
        text=True,
        timeout=SAFETY_TIMEOUT,
    )
    assert result.returncode == 0, result.stderr
    # (Found by its mark: a script's atexit handlers print after it, as the interpreter exits.)
    marked = [line for line in result.stdout.splitlines() if line.startswith("FAILURES ")]
    failures = json.loads(marked[-1].removeprefix("FAILURES "))
    assert failures == {}
