"""When stepper's process dies where none of it can clean up, the terminal and the output survive.

A segfault in the script's C code (an extension, a library built for another torch), an abort, or the
kernel's out-of-memory killer (SIGKILL, what a script meets on a shared machine when it asks for more
memory than there is) ends the process at once. The terminal would stay on the alternate screen in raw
mode, and what the script had printed, kept for the output page, would die with the process.

`guard()` forks before the screen, torch or any thread starts. The child goes on as stepper always
did, and writes a few records to a file the parent shares: each piece of the script's output as it
arrives, when the screen goes up and down (`screen_shown`), and when what was printed so far has been
left in the terminal or belongs to a run the learner restarted (`output_left`). The parent, the process
the shell waits for, only waits. When the child ends with its screen down, the parent exits with its
status. When a signal killed it, or it ended with its screen still up (C's `exit()` in a library, or
`os._exit()` from another thread), the parent:

- puts the terminal back (its settings as they were; the screen's modes off, if it was up);
- prints what the script printed that is not in the terminal yet, and what C code or a shell command
  wrote to fds 1 and 2 that the child never read (the child sends it the read ends of its output
  pipes as its capture starts: `_share_pipes`);
- says which signal and where the script was (Python's faulthandler in the child writes its frames
  to a second file), and what the signal usually means;
- exits with 128 + the signal's number, as a shell reports it (or with the child's status).

Transcripts (`--plain`, `--jsonl`) are guarded too, with no copy of the output: they write each
pause and each piece of output through as it comes. After a death by a signal the parent says what
killed the script and, for JSONL, writes the end line the child could not (`_report_transcript`).

Job control passes through the parent. ctrl+z stops the child (Textual sends itself SIGTSTP), and the
parent then stops itself, so the shell sees the job stopped; `fg` continues both. A signal that a
process sends the parent (SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGTSTP) is passed on; the terminal's own signals
(ctrl+c, a hang-up) reach the child by themselves. The child dies with the parent. A child still
there `HANGUP_GRACE` seconds after a hang-up is stuck where its own handler cannot run: the parent
kills it (not under `nohup`).
"""

from __future__ import annotations

import contextlib
import json
import linecache
import mmap
import os
import signal
import socket
import struct
import sys
import sysconfig
import tempfile
import threading
import time
from dataclasses import dataclass, field

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
# Signals a person sends to end a program: a death by one of them (before the screen set its
# handlers) needs no explanation.
_ASKED_TO_END = ("SIGINT", "SIGTERM", "SIGHUP")
# A hang-up (the SSH connection dropped, the terminal window closed) ends the child through its own
# handler, in well under a second. Should the child be stuck where no Python handler can run (its main
# thread waiting for good), nothing else would ever end it, and Textual's key reader would spin on the
# closed terminal, keeping a core of a shared machine busy for hours: the parent ends it this many
# seconds after the hang-up. Not when the shell started stepper with SIGHUP ignored (`nohup`).
HANGUP_GRACE = 10.0

# The records the child writes: a tag and the length of what follows.
_HEADER = struct.Struct("<cI")
_OUTPUT_TAGS = {"stdout": b"o", "stderr": b"e"}
_OUTPUT_STREAMS = {tag: name for name, tag in _OUTPUT_TAGS.items()}
_SCREEN_UP, _SCREEN_DOWN, _OUTPUT_LEFT, _ENDED = b"u", b"d", b"m", b"z"
_records_fd: int | None = None  # in a guarded child: where its records go
_pipes_to: socket.socket | None = None  # in a guarded child: where the capture's pipes are sent
# A transcript's updates so far, in memory the two processes share (written at every update, it costs
# no system call).
_STEPS = struct.Struct("<q")
_steps: mmap.mmap | None = None


def tty_attributes() -> list | None:
    """The terminal's settings now (echo, line editing), to put back later; None without a terminal."""
    try:
        import termios

        return termios.tcgetattr(sys.stdin.fileno())
    except Exception:  # (no termios, no terminal: a pipe, as under `stepper serve`, is termios.error)
        return None


def restore_tty(saved: list | None, screen: bool = True) -> None:
    """Put back the terminal settings stepper started with and, with `screen`, switch the screen's
    modes off (not when it is down already: leaving the alternate screen would move the cursor back to
    where it went up, and what follows would be written over the lines since). Harmless when Textual
    has done so already; does nothing when the terminal has gone (SIGHUP), or is the shell's (a job
    killed while ctrl+z had it stopped: the terminal would stop a background process for this)."""
    if in_background():
        return
    try:
        if saved is not None:
            import termios

            termios.tcsetattr(sys.stdin.fileno(), termios.TCSANOW, saved)
        if screen and sys.__stdout__ is not None and sys.__stdout__.isatty():
            os.write(sys.__stdout__.fileno(), RESET.encode())
    except Exception:  # (termios.error is not an OSError: a hung-up terminal raises it, EIO)
        pass


def in_background() -> bool:
    """Is the terminal another process group's now (the shell's, after ctrl+z)? False without one.
    (Asked of fd 0, the terminal the screen reads keys from: a script may have replaced sys.stdin.)"""
    try:
        return os.tcgetpgrp(0) != os.getpgrp()
    except OSError:
        return False


# --- what the screen's process tells the parent (nothing, when it is not guarded) -------------------------


def guarded() -> bool:
    """Is this process the guarded child (a parent waits to print what it leaves behind)?"""
    return _records_fd is not None


def screen_shown(up: bool) -> None:
    """The screen went up (the alternate screen, raw keys) or came down (ctrl+z, or quitting)."""
    _record(_SCREEN_UP if up else _SCREEN_DOWN)


def output_left() -> None:
    """What the script printed so far is in the terminal now (the screen quit and printed it), or
    belongs to a run the learner restarted: after a crash, only what comes later is printed."""
    _record(_OUTPUT_LEFT)


def steps_done(steps: int) -> None:
    """A transcript's count of updates, for the end line the parent writes should the process die."""
    if _steps is not None:
        _STEPS.pack_into(_steps, 0, steps)


def transcript_ended() -> None:
    """The transcript has written its end: the parent adds none, whatever happens at exit."""
    _record(_ENDED)


def _record(tag: bytes, data: bytes = b"") -> None:
    if _records_fd is not None:
        with contextlib.suppress(OSError):  # (a full disk costs the copy, never the run)
            os.write(_records_fd, _HEADER.pack(tag, len(data)) + data)


# --- the fork ------------------------------------------------------------------------------------------


def guard(script: str, transcript: str | None = None) -> None:
    """Fork a parent that outlives the screen's process (see the module's docstring). Returns in the
    child; the parent never returns. Does nothing where it cannot fork safely: no `fork`, or threads
    already running (a fork copies only the calling one).

    `transcript` ("plain" or "jsonl"): guard a transcript instead of the screen. It writes each pause
    and each piece of output through as it comes, so there is nothing to print again; the parent says
    what killed the process and, for JSONL, writes the end line a program reading it waits for."""
    global _steps
    if not hasattr(os, "fork") or not hasattr(signal, "sigwaitinfo") or threading.active_count() > 1:
        return
    if transcript is not None:
        try:
            _steps = mmap.mmap(-1, _STEPS.size)  # (anonymous: shared with the child, gone with both)
        except OSError:
            return
    saved = tty_attributes()
    ends = hangup_ends()
    # Files with no name: nothing is left behind, whichever process is killed first.
    try:
        records_fd = _unnamed_file("stepper-output-")
    except OSError:  # (no writable temporary folder: run unguarded, as before)
        return
    try:
        frames_fd = _unnamed_file("stepper-frames-")
    except OSError:
        _close(records_fd)
        return
    # The child sends the read ends of its output pipes here (`_share_pipes`): what C code or a shell
    # command wrote just before the child died is still in them, and the parent prints it.
    try:
        pipes_from, pipes_to = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    except OSError:
        pipes_from = pipes_to = None
    parent = os.getpid()
    try:
        child = os.fork()
    except OSError:  # (no process to spare: run unguarded, as before)
        child = -1
    if child <= 0:
        _close_sockets(pipes_from)
        if child == 0:
            _be_the_child(parent, records_fd, frames_fd, pipes_to, keep_output=transcript is None)
        else:
            _close(records_fd, frames_fd)
            _close_sockets(pipes_to)
            _steps = None
        return
    _close_sockets(pipes_to)
    code, status = 1, 0
    held: list[tuple[str, int]] = []
    try:
        status = _wait(child, ends)
        records, frames = _read(records_fd), _read(frames_fd).decode("utf-8", "replace")
        left, held = _left_in_pipes(pipes_from)
        if transcript is None:
            code = _report(status, saved, records, frames, script, left)
        else:
            code = _report_transcript(status, transcript, records, frames, script, left)
    finally:  # (whatever happens here, this process never goes on to be a second screen)
        _close(records_fd, frames_fd)
        _close_sockets(pipes_from)
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        _forward_later(held, stdout_fd=2 if transcript == "jsonl" else 1)
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGINT:
            _die_by(signal.SIGINT)  # (a shell ends a list of commands when one of them died by ctrl+c)
        os._exit(code)


def hangup_ends() -> bool:
    """Whether a hang-up should end stepper: not when it was started with SIGHUP ignored (`nohup`)."""
    return signal.getsignal(signal.SIGHUP) != signal.SIG_IGN


def _die_by(signum: int) -> None:
    with contextlib.suppress(Exception):
        signal.signal(signum, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signum})
        os.kill(os.getpid(), signum)


def _unnamed_file(prefix: str) -> int:
    fd, path = tempfile.mkstemp(prefix=prefix)
    os.unlink(path)
    return fd


def _close_sockets(*sockets: socket.socket | None) -> None:
    for sock in sockets:
        if sock is not None:
            sock.close()


def _share_pipes(reads: dict[str, int]) -> None:
    """(In the child, as its output capture starts.) Send the parent the read ends of the pipes."""
    if _pipes_to is not None:
        with contextlib.suppress(OSError):
            socket.send_fds(_pipes_to, [" ".join(reads).encode()], list(reads.values()))


# What the parent reads from a pipe at most: a process that outlived the child and goes on writing
# must not hold it up.
_LEFT_AT_MOST = 1 << 20


def _left_in_pipes(
    pipes_from: socket.socket | None,
) -> tuple[list[tuple[str, str]], list[tuple[str, int]]]:
    """(In the parent, the child gone.) What is still in the child's output pipes: written to fds 1
    and 2 (by C code, a shell command) and never read, as (stream, text) pieces; and the pipes that a
    process the script started still holds, which may write more (kept open: see `_forward_later`).
    The child reads its pipes until it stops capturing, so after an ordinary end they are empty."""
    if pipes_from is None:
        return [], []
    received: list[tuple[list[str], list[int]]] = []
    with contextlib.suppress(OSError):  # (BlockingIOError: no more)
        pipes_from.setblocking(False)  # (recv_fds drops its flags argument before Python 3.12)
        while True:
            message, fds, _, _ = socket.recv_fds(pipes_from, 256, 4)
            received.append((message.decode("ascii", "replace").split(), fds))
    pieces, held = [], []
    if received:
        names, fds = received[-1]  # (the latest capture's: earlier ones were stopped and read)
        for name, fd in zip(names, fds, strict=False):
            text, writers = _read_what_is_there(fd)
            if text:
                pieces.append((name, text.decode("utf-8", "replace")))
            if writers:
                held.append((name, fd))
    kept = {fd for _, fd in held}
    for _, fds in received:
        _close(*(fd for fd in fds if fd not in kept))
    return pieces, held


def _read_what_is_there(fd: int) -> tuple[bytes, bool]:
    """What the pipe holds now, and whether a writer still holds it (no end of file yet)."""
    chunks, size, writers = [], 0, True
    with contextlib.suppress(OSError):  # (BlockingIOError: it is empty now)
        os.set_blocking(fd, False)
        while size < _LEFT_AT_MOST:
            chunk = os.read(fd, 65536)
            if not chunk:
                writers = False
                break
            chunks.append(chunk)
            size += len(chunk)
    return b"".join(chunks), writers


def _forward_later(held: list[tuple[str, int]], stdout_fd: int) -> None:
    """A process the script started outlives it (a shell command run with `&`, a server it launched)
    and still holds its output pipes. Under python it would go on writing to the terminal; here a
    small process forwards what it writes (stdout to `stdout_fd`) until the last writer has closed
    its end, while the shell has its prompt back."""
    if not held:
        return
    try:
        forwarder = os.fork()
    except OSError:
        forwarder = -1
    if forwarder != 0:
        _close(*(fd for _, fd in held))
        return
    try:
        import select

        signal.pthread_sigmask(signal.SIG_SETMASK, set())  # (what _wait blocked: a hang-up ends it)
        for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGTSTP):
            signal.signal(number, signal.SIG_DFL)
        targets = {fd: stdout_fd if name == "stdout" else 2 for name, fd in held}
        poller = select.poll()
        for fd in targets:
            os.set_blocking(fd, True)
            poller.register(fd, select.POLLIN)
        while targets:
            for fd, _ in poller.poll():
                data = os.read(fd, 65536)
                if not data:  # (its last writer is gone)
                    poller.unregister(fd)
                    del targets[fd]
                while data:
                    data = data[os.write(targets[fd], data) :]
    finally:
        os._exit(0)


def _read(fd: int) -> bytes:
    with contextlib.suppress(OSError):
        return os.pread(fd, os.fstat(fd).st_size, 0)
    return b""


def _close(*fds: int) -> None:
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)


# --- the child: stepper as always, leaving records for the parent ----------------------------------------


def _be_the_child(
    parent: int, records_fd: int, frames_fd: int, pipes_to: socket.socket | None, keep_output: bool
) -> None:
    import faulthandler

    from .engine import output

    global _records_fd, _pipes_to
    _records_fd, _pipes_to = records_fd, pipes_to
    _die_with(parent)
    faulthandler.enable(file=frames_fd, all_threads=True)
    os.register_at_fork(after_in_child=_forked_by_the_script)
    output.pipes_made = _share_pipes
    if not keep_output:
        return

    def keep(stream: str, text: str) -> None:
        _record(_OUTPUT_TAGS.get(stream, b"o"), text.encode("utf-8", "replace"))

    output.copy_to = keep


def _forked_by_the_script() -> None:
    """A process the script forks (a DataLoader's or multiprocessing's worker) is not the screen's: its
    crash and its output are its own, not records of the screen's process (the parent would name the
    worker's line as where the screen died)."""
    import faulthandler

    global _records_fd, _steps, _pipes_to
    _records_fd = _steps = None
    _close_sockets(_pipes_to)
    _pipes_to = None
    faulthandler.disable()


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


# --- the parent: wait, and clean up after the child if it could not ---------------------------------------


def _wait(child: int, hangup_ends: bool = False) -> int:
    """The child's status once it has ended, passing job control and signals through meanwhile. With
    `hangup_ends`, a child still there `HANGUP_GRACE` seconds after a SIGHUP is killed, and its status
    is then that of a death by SIGHUP, which is what ended it."""
    # SIGTSTP is taken below too (blocked, its default action never stops this process by itself): a
    # `kill -TSTP` of stepper's pid is passed on like the rest, and the terminal's ctrl+z is the
    # child's, which has it too.
    signal.signal(signal.SIGTSTP, signal.SIG_DFL)
    heard = {signal.SIGCHLD, signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGTSTP}
    signal.pthread_sigmask(signal.SIG_BLOCK, heard)  # (taken one by one below, with who sent them)
    deadline: float | None = None  # when a child still there after a hang-up is killed
    killed = False
    while True:
        pid, status = os.waitpid(child, os.WNOHANG | os.WUNTRACED)
        if pid == child and not os.WIFSTOPPED(status):
            if killed and os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
                return int(signal.SIGHUP)  # (a wait status: killed by signal n is n, on Linux)
            return status
        if pid == child:
            # The child stopped (ctrl+z): stop too, as it did, so the shell sees the job stopped. `fg`
            # continues the whole process group, the child with it. (No SIGCONT of our own besides:
            # Textual's own handler resumed the screen on each, and a second key reader kept the
            # process from ending; tui/terminal.py's continue_handler now resumes once.)
            _stop_once()
            _continue_if_left_stopped(child)
            continue
        if deadline is None:
            info = signal.sigwaitinfo(heard)
        else:
            info = signal.sigtimedwait(heard, max(0.0, deadline - time.monotonic()))
            if info is None:  # the hang-up's grace is over, and the child is still there
                deadline, killed = None, True
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child, signal.SIGKILL)
                continue
        if info.si_signo == signal.SIGHUP and hangup_ends and deadline is None and not killed:
            deadline = time.monotonic() + HANGUP_GRACE
        # A process's kill() has si_code <= 0 (SI_USER, SI_QUEUE, SI_TKILL); the terminal's ctrl+c,
        # ctrl+z or hang-up comes from the kernel (> 0), and the child, in the same process group, has it.
        if info.si_signo != signal.SIGCHLD and info.si_code <= 0:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, info.si_signo)


def _stop_once() -> None:
    """Stop this process (SIGTSTP, as ctrl+z does) until it is continued. A ctrl+z the terminal sent
    the whole group may still wait, blocked: it is taken first, or it would stop us again after `fg`."""
    if signal.SIGTSTP in signal.sigpending():
        signal.sigwaitinfo({signal.SIGTSTP})
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTSTP})
    try:
        os.kill(os.getpid(), signal.SIGTSTP)  # (delivered at once: this is the process's only thread)
    finally:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTSTP})


def _continue_if_left_stopped(child: int, wait: float = 0.5) -> None:
    """We were continued (`fg`), and the child with us, as one process group. Should the child be left
    stopped (this process continued alone, by `kill -CONT` and its pid), continue it ourselves, and
    only then (a continued child needs no second SIGCONT). (A screen that stayed
    down after `fg` was not this: its child was running, asleep; see tui/terminal.py's
    signals_wake_the_loop.)"""
    deadline = time.monotonic() + wait
    while _stopped(child):
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGCONT)
            return
        time.sleep(0.01)


def _stopped(pid: int) -> bool:
    """Whether the process is stopped now (Linux's /proc; elsewhere, taken as not)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as file:
            return file.read().rpartition(")")[2].split()[0] in ("T", "t")
    except (OSError, IndexError):
        return False


@dataclass
class _Records:
    screen_up: bool = False
    ended: bool = False  # a transcript wrote its end
    output: list[tuple[str, str]] = field(default_factory=list)  # (stream, text) not yet in the terminal


def _parse(data: bytes) -> _Records:
    records, at = _Records(), 0
    while at + _HEADER.size <= len(data):
        tag, size = _HEADER.unpack_from(data, at)
        at += _HEADER.size
        if tag in (_SCREEN_UP, _SCREEN_DOWN):
            records.screen_up = tag == _SCREEN_UP
        elif tag == _OUTPUT_LEFT:
            records.output.clear()
        elif tag == _ENDED:
            records.ended = True
        else:
            records.output.append(
                (_OUTPUT_STREAMS.get(tag, "stdout"), data[at : at + size].decode("utf-8", "replace"))
            )
        at += size
    return records


def _report(
    status: int, saved: list | None, data: bytes, frames: str, script: str, left: list[tuple[str, str]]
) -> int:
    """`left`: what was still in the output pipes, written after all of `data`'s output."""
    records = _parse(data)
    code = os.waitstatus_to_exitcode(status)  # (-n after a death by signal n)
    signum = -code if code < 0 else 0
    signame = _signal_name(signum) if signum else ""
    if not signum and not records.screen_up and not records.output and not left:
        return code  # (it ended as stepper ends)
    for stream in (sys.stdout, sys.stderr):  # (what the terminal cannot show is replaced, not fatal)
        with contextlib.suppress(Exception):
            stream.reconfigure(errors="replace")
    restore_tty(saved, screen=records.screen_up)
    # What the script printed that the screen did not leave in the terminal: after a crash, or when an
    # exception or a hung quit (terminal.watchdog) ended the screen before it could print it.
    from .engine.output import write_pieces

    try:
        printed = write_pieces(records.output + left, {"stdout": sys.stdout, "stderr": sys.stderr})
    except OSError:  # (the terminal has gone: a hang-up)
        printed = False
    asked_to_end = signame in _ASKED_TO_END or code in {128 + _signal_number(n) for n in _ASKED_TO_END}
    if asked_to_end or not (signum or records.screen_up):
        return 128 + signum if signum else code  # (nothing to explain)
    name = os.path.basename(script)
    if signum:
        what = MEANINGS.get(signame, "a signal that ends a process unless it is caught")
        where = _where(_script_line(frames, script), script)
        said = f"the process running {name} was killed by {signame} (signal {signum}){where}: {what}."
        code = 128 + signum
    else:
        said = (
            f"the process running {name} ended (exit status {code}) with its screen still up: code "
            "outside stepper ended it at once (C's exit() in a library, or os._exit() called from "
            "another thread than the script's)."
        )
    after = " The terminal is put back, and what the script printed is above." if printed else (
        " The terminal is put back."
    )  # fmt: skip
    print(f"stepper: {said}{after}", file=sys.stderr, flush=True)
    return code


def _report_transcript(
    status: int, kind: str, data: bytes, frames: str, script: str, left: list[tuple[str, str]]
) -> int:
    """After a transcript's process ended: print what was left in its output pipes (`left`); when a
    signal killed it, say so (unless a person sent one to end it) and, for JSONL without its end
    line, write one."""
    if left:
        from .engine.output import write_pieces

        # (JSONL's stdout carries only JSON: the script's stdout went to stderr, and so does this.)
        out = sys.stderr if kind == "jsonl" else sys.stdout
        with contextlib.suppress(Exception):  # (a reader gone: nothing to tell)
            write_pieces(left, {"stdout": out, "stderr": sys.stderr})
    code = os.waitstatus_to_exitcode(status)
    if code >= 0:
        return code  # (it ended as stepper ends; its pauses and output are written already)
    signum = -code
    signame = _signal_name(signum)
    name = os.path.basename(script)
    found = _script_line(frames, script)
    if signame in _ASKED_TO_END:
        said = f"the process running {name} was ended by {signame} (signal {signum})."
    else:
        what = MEANINGS.get(signame, "a signal that ends a process unless it is caught")
        where = _where(found, script)
        said = f"the process running {name} was killed by {signame} (signal {signum}){where}: {what}."
        print(f"stepper: {said}", file=sys.stderr, flush=True)
    if kind == "jsonl" and not _parse(data).ended:
        path, line = (found[0], found[1]) if found else (None, None)
        steps = 0 if _steps is None else _STEPS.unpack_from(_steps, 0)[0]
        with contextlib.suppress(OSError):  # (a reader gone: nothing to tell)
            sys.stdout.write(error_end_line(steps, signame, said, 128 + signum, path, line) + "\n")
            sys.stdout.flush()
    return 128 + signum


def error_end_line(
    steps: int, kind: str, message: str, exit_code: int, file: str | None = None, line: int | None = None
) -> str:
    """A JSONL end line for a run that ended where the engine could not say how (a signal, ctrl+c)."""
    error = {"type": kind, "message": message, "file": file, "line": line, "hint": ""}
    end = {"event": "end", "steps": steps, "status": "error", "error": error, "exit_code": exit_code}
    return json.dumps(end)


def _signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def _signal_number(name: str) -> int:
    return int(getattr(signal, name))


def _where(found: tuple[str, int, str] | None, script: str) -> str:
    """`, at train.py:23 (out = ext.forward(x))` for what _script_line found, or "" for None."""
    if found is None:
        return ""
    path, number, code = found
    shown = os.path.relpath(path, os.path.dirname(os.path.abspath(script)))
    return f", at {shown}:{number}" + (f" ({code})" if code else "")


def _script_line(frames: str, script: str) -> tuple[str, int, str] | None:
    """(file, line, its text): the script's innermost line, from faulthandler's frames, in the thread
    that died (or, when that thread ran no Python, a native thread of a library's, in any thread);
    None when it wrote none (SIGKILL) or no line is the script's."""
    folder = os.path.dirname(os.path.abspath(script))
    # Files beside the script that are not its own: an environment or the interpreter's library inside
    # its folder (a .venv, a Python under the home folder when the script is there too).
    installed = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.abspath(__file__))}
    installed.update(path for key, path in sysconfig.get_paths().items() if key != "scripts")
    installed = {os.path.abspath(path) + os.sep for path in installed}
    current = frames.partition("Current thread")[2].split("\n\n", 1)[0]  # (blocks end with a blank line)
    for block in (current, frames):
        for line in block.splitlines():
            line = line.strip()
            if not line.startswith('File "'):
                continue
            path, _, after = line[len('File "') :].partition('", line ')
            number = after.split(" ", 1)[0]
            path = os.path.abspath(path)
            if not number.isdigit() or not path.startswith(folder + os.sep):
                continue
            if any(path.startswith(prefix) for prefix in installed) or "-packages" + os.sep in path:
                continue
            return path, int(number), linecache.getline(path, int(number)).strip()
    return None
