"""A child process in a real pseudo-terminal (pexpect), and the screen a terminal emulator (pyte)
would show: shared by the real-terminal tests."""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import pexpect
import pyte

STEPPER = shutil.which("stepper", path=str(Path(sys.executable).parent)) or shutil.which("stepper")
SAFETY_TIMEOUT = 60.0
# Set by a developer's own terminal, they would change what the app draws.
UNSET = ("NO_COLOR", "SSH_CONNECTION", "COLORTERM")


class PtyTerminal:
    def __init__(self, args: list[str], env: dict[str, str], columns: int = 80, rows: int = 24) -> None:
        clean = {k: v for k, v in os.environ.items() if k not in UNSET}
        env = {**clean, "COLUMNS": str(columns), "LINES": str(rows), **env}
        self.screen = pyte.Screen(columns, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = b""  # every byte the app wrote
        self.seen: list[str] = []  # every distinct screen text, to check what came before what
        self.child = pexpect.spawn(STEPPER, args, env=env, dimensions=(rows, columns))

    def read(self, timeout: float = 0.05) -> bytes:
        try:
            data = self.child.read_nonblocking(65536, timeout=timeout)
        except (pexpect.TIMEOUT, pexpect.EOF):
            return b""
        self.raw += data
        self.stream.feed(data)
        text = self.text()
        if not self.seen or self.seen[-1] != text:
            self.seen.append(text)
        return data

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def wait_for(self, *needles: str) -> str:
        deadline = time.monotonic() + SAFETY_TIMEOUT
        while time.monotonic() < deadline:
            self.read()
            if all(needle in self.text() for needle in needles):
                return self.text()
            if not self.child.isalive():
                self.read()
                break
        raise AssertionError(f"never saw {needles!r} on screen:\n{self.text()}")

    def quiet_for(self, seconds: float) -> bool:
        """True if nothing at all was written to the terminal for `seconds`."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.read(timeout=0.1):
                return False
        return True

    def press(self, keys: str) -> None:
        self.child.send(keys)

    def close(self) -> None:
        if self.child.isalive():
            self.child.terminate(force=True)
