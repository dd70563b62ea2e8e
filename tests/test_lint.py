"""The code stays lint-clean and formatted (ruff, configured in pyproject.toml)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUFF = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
needs_ruff = pytest.mark.skipif(not Path(RUFF).exists(), reason="ruff is installed with the test extras")


def ruff(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [RUFF, *args, "stepper", "tests", "benchmarks"], cwd=ROOT, capture_output=True, text=True
    )


@needs_ruff
def test_ruff_finds_nothing():
    result = ruff("check")
    assert result.returncode == 0, result.stdout + result.stderr


@needs_ruff
def test_the_code_is_as_ruff_formats_it():
    result = ruff("format", "--check")
    assert result.returncode == 0, result.stdout + result.stderr
