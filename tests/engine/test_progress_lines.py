"""A progress line the script leaves open on stderr, when stderr and stdout reach the same terminal
or pipe: each pause of the plain transcript still starts on a line of its own."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "progress_on_stderr.py"


def _run_on_a_terminal(args: list[str]) -> tuple[int, str]:
    """Run a command with stdout and stderr on one pseudo-terminal; what it wrote there."""
    main, child = pty.openpty()
    process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=child, stderr=child)
    os.close(child)
    received = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # (the terminal closes when the process ends)
            break
        if not chunk:
            break
        received += chunk
    os.close(main)
    return process.wait(timeout=300), received.decode("utf-8", "replace")


def test_a_pause_after_a_progress_line_on_stderr_starts_a_line_of_its_own():
    status, text = _run_on_a_terminal([sys.executable, "-m", "stepper", "run", str(SCRIPT), "--plain"])
    assert status == 0, text
    lines = text.replace("\r\n", "\n").split("\n")
    progress = [line for line in lines if "train " in line]
    assert [line.strip("\r") for line in progress] == ["train 1/3 loss=1.000", "train 2/3 loss=0.640",
                                                      "train 3/3 loss=0.410"]  # fmt: skip
    # Every pause header is a line of its own, never the tail of a progress line.
    assert sum(line.startswith("#") for line in lines) == 12
