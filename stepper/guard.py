"""When the screen's process dies where none of it can clean up, the terminal and the output survive.

A segfault in the script's C code (an extension, a library built for another torch), an abort, or the
kernel's out-of-memory killer (SIGKILL, what a script meets on a shared machine when it asks for more
memory than there is) ends the process at once. The terminal would stay on the alternate screen in raw
mode, and what the script had printed, kept for the output page, would die with the process.

`guard()` forks before the screen, torch or any thread starts. The child goes on as stepper always
did. The parent, the process the shell waits for, only waits. When the child ends normally, the parent
exits with its status. When a signal killed it, the parent:

- puts the terminal back (its settings as they were, the screen's modes off);
- prints what the script printed (the child appends each piece to a file as it arrives);
- says where the script was (Python's faulthandler in the child writes its frames to a second file)
  and what the signal usually means;
- exits with 128 + the signal's number, as a shell reports it.

Job control passes through the parent. ctrl+z stops the child (Textual sends itself SIGTSTP), and the
parent then stops itself, so the shell sees the job stopped; `fg` continues both. SIGTERM and SIGHUP
sent to the parent are passed on. The child dies with the parent.
"""

from __future__ import annotations

import contextlib
import linecache
import os
import signal
import struct
import sys
import tempfile
import threading
import time

# What a screen that ended by hand leaves as it found it: the kitty keyboard protocol, mouse reports,
# focus reports and bracketed paste off, lines wrapping again, the alternate screen left, the cursor
# shown.
RESET = (
    "\x1b[<u\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1015l\x1b[?1004l\x1b[?2004l\x1b[?7h"
    "\x1b[?1049l\x1b[?25h"
)

# What each fatal signal usually means, for a learner who never met one.
MEANINGS = {
    "SIGSEGV": "a segmentation fault: C or C++ code (an extension, a library built for another version "
    "of torch) used memory it does not own",
    "SIGBUS": "a bus error: C code read memory that is not there (a memory-mapped file that shrank)",
    "SIGABRT": "an abort: a C or C++ library stopped the process (a failed assertion, an uncaught C++ "
    "exception)",
    "SIGFPE": "an arithmetic error in C code (an integer division by zero)",
    "SIGILL": "an illegal instruction: a library built for a newer processor than this one",
    "SIGKILL": "no process can catch it or clean up after it. When nobody sent it, it was the kernel's "
    "out-of-memory killer: the script asked for more memory than the machine had (`dmesg` or "
    "`journalctl -k` says so), and a smaller batch or model would fit",
}

_STREAM_TAGS = {"stdout": b"o", "stderr": b"e"}
_HEADER = struct.Struct("<cI")  # a piece of output: its stream's tag and its length in bytes


def tty_attributes() -> list | None:
    """The terminal's settings now (echo, line editing), to put back later; None without a terminal."""
    try:
        import termios

        return termios.tcgetattr(sys.stdin.fileno())
    except Exception:  # (no termios, no terminal: a pipe, as under `stepper serve`, is termios.error)
        return None


def restore_tty(saved: list | None) -> None:
    """Put back the terminal settings stepper started with and switch the screen's modes off.
    Harmless when Textual has done so already; does nothing when the terminal has gone (SIGHUP)."""
    try:
        if saved is not None:
            import termios

            termios.tcsetattr(sys.stdin.fileno(), termios.TCSANOW, saved)
        if sys.__stdout__ is not None and sys.__stdout__.isatty():
            os.write(sys.__stdout__.fileno(), RESET.encode())
    except Exception:  # (termios.error is not an OSError: a hung-up terminal raises it, EIO)
        pass


def guard(script: str) -> None:
    """Fork a parent that outlives the screen's process (see the module's docstring). Returns in the
    child; the parent never returns. Does nothing where it cannot fork safely: no `fork`, or threads
    already running (a fork copies only the calling one)."""
    if not hasattr(os, "fork") or threading.active_count() > 1:
        return
    saved = tty_attributes()
    output_fd, output_path = tempfile.mkstemp(prefix="stepper-output-")
    frames_fd, frames_path = tempfile.mkstemp(prefix="stepper-frames-")
    parent = os.getpid()
    try:
        child = os.fork()
    except OSError:  # (no process to spare: run unguarded, as before)
        child = -1
    if child <= 0:
        if child == 0:
            _be_the_child(parent, output_fd, frames_fd)
        else:
            _forget(output_fd, output_path, frames_fd, frames_path)
        return
    code = 1
    try:
        status = _wait(child)
        code = _report(status, saved, output_path, frames_path, script)
    finally:  # (whatever happens here, this process never goes on to be a second screen)
        _forget(output_fd, output_path, frames_fd, frames_path)
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _forget(*files: int | str) -> None:
    """Close the descriptors and delete the paths among `files`."""
    for item in files:
        with contextlib.suppress(OSError):
            os.close(item) if isinstance(item, int) else os.unlink(item)


# --- the child: stepper as always, leaving traces for the parent ----------------------------------------


def _be_the_child(parent: int, output_fd: int, frames_fd: int) -> None:
    import faulthandler

    from .engine import output

    _die_with(parent)
    faulthandler.enable(file=frames_fd, all_threads=True)

    def keep(stream: str, text: str) -> None:
        data = text.encode("utf-8", "replace")
        with contextlib.suppress(OSError):  # (a full disk costs the copy, never the run)
            os.write(output_fd, _HEADER.pack(_STREAM_TAGS.get(stream, b"o"), len(data)) + data)

    output.copy_to = keep


def _die_with(parent: int) -> None:
    """A parent killed outright (SIGKILL) must not leave the screen running on in the shell's terminal:
    the child gets SIGHUP, which quits the screen as a closed terminal does."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(1, int(signal.SIGHUP), 0, 0, 0) == 0:  # (1: PR_SET_PDEATHSIG, Linux)
            if os.getppid() != parent:  # (it died before that took effect)
                os.kill(os.getpid(), signal.SIGHUP)
            return
    except (OSError, AttributeError):
        pass

    def watch() -> None:  # (elsewhere: look now and then)
        while os.getppid() == parent:
            time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGHUP)

    threading.Thread(target=watch, name="stepper-guard", daemon=True).start()


# --- the parent: wait, and clean up after a death by signal --------------------------------------------


def _wait(child: int) -> int:
    """The child's status once it has ended, passing job control and signals through meanwhile."""
    # ctrl+c and ctrl+\ reach the child from the terminal itself; ctrl+z is the child's to take.
    for name in ("SIGINT", "SIGQUIT", "SIGTSTP"):
        signal.signal(getattr(signal, name), signal.SIG_IGN)

    def pass_on(signum: int, frame) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signum)

    for name in ("SIGTERM", "SIGHUP"):
        signal.signal(getattr(signal, name), pass_on)
    while True:
        _, status = os.waitpid(child, os.WUNTRACED)
        if not os.WIFSTOPPED(status):
            return status
        # The child stopped (ctrl+z): stop too, as it did, so the shell sees the job stopped. `fg`
        # continues the whole process group, the child with it. (Not a SIGCONT of our own besides:
        # Textual's handler would resume the screen twice, and its second key reader kept the
        # process from ending.)
        signal.signal(signal.SIGTSTP, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTSTP)
        signal.signal(signal.SIGTSTP, signal.SIG_IGN)


def _report(status: int, saved: list | None, output_path: str, frames_path: str, script: str) -> int:
    if not os.WIFSIGNALED(status):
        return os.waitstatus_to_exitcode(status)
    signum = os.WTERMSIG(status)
    restore_tty(saved)
    _replay(output_path)
    try:
        name = signal.Signals(signum).name
    except ValueError:
        name = f"signal {signum}"
    what = MEANINGS.get(name, "a signal that ends a process unless it is caught")
    where = _where(frames_path, script)
    print(
        f"stepper: the process running {os.path.basename(script)} was killed by {name} (signal {signum})"
        f"{where}: {what}. The terminal is put back, and what the script printed is above.",
        file=sys.stderr,
    )
    return 128 + signum


def _replay(path: str) -> None:
    """Print what the script printed, each piece to the stream it was written to."""
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError:
        return
    streams = {b"o": sys.stdout, b"e": sys.stderr}
    last, at = None, 0
    while at + _HEADER.size <= len(data):
        tag, size = _HEADER.unpack_from(data, at)
        at += _HEADER.size
        text = data[at : at + size].decode("utf-8", "replace")
        at += size
        stream = streams.get(tag, sys.stdout)
        if last is not None and last is not stream:
            last.flush()  # (in the order they were written)
        stream.write(text)
        last = stream
    for stream in streams.values():
        stream.flush()
    if last is not None and not text.endswith("\n"):
        print(file=last, flush=True)  # (a progress line written with \r and no newline)


def _where(frames_path: str, script: str) -> str:
    """`, at train.py:23 (out = ext.forward(x))`: the script's innermost line in the thread that
    died, from faulthandler's frames; "" when it wrote none (SIGKILL) or no line is the script's."""
    try:
        with open(frames_path, encoding="utf-8", errors="replace") as file:
            text = file.read()
    except OSError:
        return ""
    folder = os.path.dirname(os.path.abspath(script))
    current = text.split("Current thread", 1)
    if len(current) < 2:
        return ""
    for line in current[1].splitlines()[1:]:
        line = line.strip()
        if not line.startswith('File "'):
            break
        path, _, rest = line[len('File "') :].partition('", line ')
        number = rest.split(" ", 1)[0]
        path = os.path.abspath(path)
        installed = "site-packages" in path or "dist-packages" in path  # (a .venv inside the project)
        if not number.isdigit() or not path.startswith(folder + os.sep) or installed:
            continue
        code = linecache.getline(path, int(number)).strip()
        shown = os.path.relpath(path, folder)
        return f", at {shown}:{number}" + (f" ({code})" if code else "")
    return ""
