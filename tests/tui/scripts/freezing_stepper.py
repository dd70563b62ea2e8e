"""`stepper` with one change, for the hang-up test: the key `w` freezes the screen's main thread for
good, as a deadlock inside Textual would (one was found: its SIGTSTP handler waiting on a queue lock
the thread it interrupted held). Signals are blocked in that thread first, so no Python handler can
ever run again. Writes "frozen" to the file named by $STEPPER_TEST_FROZEN once it is stuck.

    python freezing_stepper.py run [ARGS...]
"""

import os
import signal
import sys
import threading

from stepper import cli
from stepper.tui.app import StepperApp


def freeze(self) -> None:
    signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
    lock = threading.Lock()
    lock.acquire()
    with open(os.environ["STEPPER_TEST_FROZEN"], "w", encoding="utf-8") as handle:
        handle.write("frozen")
    lock.acquire()  # (never given back)


StepperApp.action_export = freeze
sys.exit(cli.main())
