"""Helpers for the engine tests: run a script through the engine in this process, or through the real
`stepper` command in a subprocess.

Importing torch costs seconds, so the in-process helper is used wherever the engine API can show the
behaviour, and each script's run is cached (a run is deterministic: seed 0, no keys).
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

import stepper
from stepper.engine import Session, load_script

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
STEPPER_DIR = Path(stepper.__file__).resolve().parent

# A run that never ends would hang the suite; this is a safety net, not a speed requirement.
SAFETY_TIMEOUT = 120


def script_path(name: str) -> str:
    return str(SCRIPTS / name)


def run_session(path: str, **options) -> Session:
    """Run a script to the end under the engine, without stopping at any pause."""
    session = Session(load_script(path), seed=options.pop("seed", 0), mode="continue", **options)
    session.start()
    session.join(SAFETY_TIMEOUT)
    assert session.finished, f"{path} did not finish"
    return session


@functools.cache
def run_script(name: str) -> Session:
    """The (cached) finished session of one script in tests/scripts."""
    return run_session(script_path(name))


def phases_of(session: Session) -> list[tuple[str, ...]]:
    return [snapshot.phases for snapshot in session.history]


def line_of(name: str, text: str, nth: int | None = None) -> int:
    """The 1-based number of the line of tests/scripts/NAME whose stripped text is `text`: the only
    one, or the nth (0-based) when the script has several."""
    lines = (SCRIPTS / name).read_text().splitlines()
    found = [i + 1 for i, line in enumerate(lines) if line.strip() == text]
    if nth is None:
        assert len(found) == 1, f"expected exactly one line {text!r} in {name}, found {found}"
        return found[0]
    return found[nth]


# --- the real command line ---------------------------------------------------------------------------


@dataclass
class CliResult:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    def json_lines(self) -> list[dict]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]


def _command(args: list[str]) -> list[str]:
    return [sys.executable, "-m", "stepper", *args]


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    env.setdefault("OMP_NUM_THREADS", "1")  # many torch processes at once share few cores
    env.pop("PYTHONWARNINGS", None)
    return env


def run_cli_many(scenarios: dict[str, list[str]], cwd: str | None = None) -> dict[str, CliResult]:
    """Start every `stepper` command at once (each imports torch), then collect them all."""
    started = {
        name: subprocess.Popen(
            _command(args),
            cwd=cwd,
            env=_environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, args in scenarios.items()
    }
    results = {}
    for name, process in started.items():
        try:
            out, err = process.communicate(timeout=SAFETY_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
            pytest.fail(f"`stepper {' '.join(scenarios[name])}` did not finish:\n{err}")
        results[name] = CliResult(scenarios[name], process.returncode, out, err)
    return results


def assert_clear_message(text: str) -> None:
    """A message for a learner: something said, no traceback, nothing from inside stepper's package."""
    assert text.strip(), "expected a message on stderr"
    assert "Traceback (most recent call last)" not in text
    assert str(STEPPER_DIR) not in text
    assert "stepper/engine" not in text and "stepper/frontends" not in text
    # One paragraph: no blank line splits the message into several.
    assert "\n\n" not in text.strip(), text
