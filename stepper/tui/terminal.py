"""Living in any terminal: small screens, no colour, ASCII-only fonts, slow links, signals.

Everything here is about the terminal, not the training loop, and the app calls it at four places:
`setup(app)` when it mounts, `check_size(app)` on every resize, `run(app)` around `App.run`, and
`export_on_exit(app)` before it quits.

- Below 80×24 the layout cannot fit, so a "terminal too small" screen covers it until the terminal
  grows again (`screens/too_small.py`).
- `--ascii` puts a line filter after every widget that turns each character outside ASCII into one
  ASCII character of the same width (box drawing into `+ - |`, braille and blocks into marks, `▶` into
  `>`): borders, plotext's axes, the footer, scrollbars, and every glyph of every panel, with nothing
  for a panel to remember. The plots also switch from braille lines to plain ASCII markers.
- Over SSH (`SSH_CONNECTION` set) animations are off unless `--animations` asks for them, and
  Textual waits longer for the rest of an escape sequence (see `escape_delay`).
- SIGTERM, SIGHUP and SIGINT (`kill -INT`; ctrl+c too before the screen's raw mode makes it a key)
  quit the app the way `q` does, so Textual restores the terminal; a watchdog restores it by hand and
  ends the process if that has not happened a moment later.
- Job control: a SIGTSTP from another shell stops the screen the way ctrl+z does, from the app's
  loop, and a SIGCONT brings the screen back only after a stop and only once the terminal is
  stepper's again (`fg`), never from the background (`bg`, `kill %1`): see `job_control`.
- Every signal wakes the app's event loop (`signals_wake_the_loop`), so that its Python handler runs
  at once even when another thread took it: Textual brings the screen back after ctrl+z then `fg`
  from its SIGCONT handler.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.segment import Segment
from textual import constants
from textual.color import Color
from textual.filter import LineFilter

from ..guard import guarded, in_background, restore_tty, screen_shown, tty_attributes

if TYPE_CHECKING:
    from .app import StepperApp

# 80×24 is the classic terminal; tmux and screen take a row of it for their status line, and the layout
# still fits the 80×22 left by two of them nested.
MIN_WIDTH, MIN_HEIGHT = 80, 22
# Textual's default wait for the rest of an escape sequence is ESCDELAY=100 ms. Over a slow link the
# bytes of one arrow key can arrive further apart than that and be read as escape, `[`, `D` — and `[`
# is the lr ÷10 knob. Over SSH stepper waits longer (the escape key alone then takes this long).
SSH_ESCAPE_DELAY = 0.3  # seconds
WATCHDOG_SECONDS = 0.8  # after a signal (SIGNALS) the process ends by then, whatever the app is doing
BACKGROUND_EXIT_SECONDS = 10.0  # the same for a stopped screen's export and output (no terminal to restore)
# A SIGCONT that finds the terminal another process group's waits this long for a signal sent with it
# (`kill %1` sends SIGTERM, then SIGCONT) before the process stops again.
CONTINUED_GRACE = 0.5  # seconds
SignalHandler = Callable[[int, object], None]
SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP", "SIGINT") if hasattr(signal, name))


@dataclass(frozen=True)
class TerminalOptions:
    """How `stepper run` was asked to draw (its flags)."""

    ascii: bool = False  # --ascii: only ASCII characters on screen
    animations: bool | None = None  # --animations: True; None: on, except over SSH
    export_dir: str | None = None  # --export DIR: the app writes the session there as it quits


def speaks_utf8(environ=os.environ) -> bool:
    """Does the locale say the terminal takes UTF-8? The first of LC_ALL, LC_CTYPE, LANG that is set
    decides (as the C library does); LC_ALL=C, POSIX or a Latin-1 locale say no (tmux then draws
    every box line and arrow as `_`). With none set, yes: most terminals today are UTF-8."""
    for name in ("LC_ALL", "LC_CTYPE", "LANG"):
        value = environ.get(name)
        if value:
            return "utf8" in value.lower().replace("-", "")
    return True


@contextmanager
def screen_on_stdout() -> Iterator[None]:
    """Textual draws on standard error. When that is redirected (`stepper run 2>log`) but standard
    output is the terminal, it draws there instead: otherwise the screen went into the file and the
    terminal stayed blank. (The script's own stderr is captured either way.)"""
    err, out = sys.__stderr__, sys.__stdout__
    if err is None or err.isatty() or out is None or not out.isatty():
        yield
        return
    from ..engine.output import _Router

    screen = open(os.dup(out.fileno()), "w", encoding=out.encoding or "utf-8", errors="replace")
    # (A router, as capture_fds makes it: the script's own writes to sys.__stderr__ are its output,
    # never drawn over the screen; Textual's go to the screen.)
    sys.__stderr__ = _Router(screen, "stderr")  # type: ignore[misc]
    try:
        yield
    finally:
        sys.__stderr__ = err  # type: ignore[misc]
        screen.close()


def over_ssh(environ: os._Environ | dict = os.environ) -> bool:
    return bool(environ.get("SSH_CONNECTION") or environ.get("SSH_CLIENT"))


def animation_level(options: TerminalOptions, environ=os.environ) -> str:
    """Textual's `animation_level`: `--animations` wins, then TEXTUAL_ANIMATIONS, then off over SSH."""
    if options.animations:
        return "full"
    if "TEXTUAL_ANIMATIONS" in environ:
        return constants.TEXTUAL_ANIMATIONS
    return "none" if over_ssh(environ) else constants.TEXTUAL_ANIMATIONS


def escape_delay(environ=os.environ) -> float:
    """Seconds Textual waits after ESC for the rest of a key's sequence. ESCDELAY (ms, as curses reads
    it) wins when set; over SSH the default is raised to SSH_ESCAPE_DELAY."""
    if "ESCDELAY" in environ or not over_ssh(environ):
        return constants.ESCAPE_DELAY
    return max(constants.ESCAPE_DELAY, SSH_ESCAPE_DELAY)


def setup(app: StepperApp) -> None:
    """Called as the app mounts: animations, the escape delay, the ASCII filter, the loop's signal
    wake-up, the size check."""
    options = app.options
    app.animation_level = animation_level(options)  # type: ignore[assignment]
    # Textual's input parser reads `constants.ESCAPE_DELAY` every time it waits after an ESC.
    constants.ESCAPE_DELAY = escape_delay()  # type: ignore[misc]
    if options.ascii:
        # Filters are Textual's own mechanism for NO_COLOR's monochrome; this one runs after it.
        app._filters.append(AsciiFilter())
    watch_signal_wakeup(app)
    take_job_control(app)
    check_size(app)


def check_size(app: StepperApp, size: tuple[int, int] | None = None) -> None:
    """Cover the screen while the terminal is smaller than the layout needs; uncover it after."""
    from .screens.too_small import TooSmallScreen

    width, height = size or app.size
    small = width < MIN_WIDTH or height < MIN_HEIGHT
    cover = next((s for s in app.screen_stack if isinstance(s, TooSmallScreen)), None)
    if small and cover is None:
        app.push_screen(TooSmallScreen(width, height))
    elif small:
        cover.show_size(width, height)
    elif cover is not None:
        # Anything opened over the cover while it was up (help, …) goes with it.
        while cover in app.screen_stack and len(app.screen_stack) > 1:
            app.pop_screen()


# --- ASCII only ----------------------------------------------------------------------------------------

# One ASCII character per cell for the glyphs stepper draws; anything else falls back to its
# decomposition (é → e), then to a guess from its Unicode name (box drawing), then to `?`.
ASCII = {
    "▶": "*", "◀": "<", "→": ">", "←": "<", "↑": "^", "↓": "v", "✓": "+", "✗": "x", "⚠": "!",
    "⚙": "*", "…": "~", "·": ".", "•": "*", "●": "o", "▲": "^", "■": "#", "◆": "@", "✚": "+",
    "★": "*", "μ": "u", "σ": "s", "∈": "=", "×": "x", "÷": "/", "−": "-", "²": "2", "‖": "|",
    "≤": "<", "≥": ">", "≈": "~", "—": "-", "–": "-", "‘": "'", "’": "'", "“": '"', "”": '"',
    "\u00a0": " ", "⏎": "<",
}  # fmt: skip


@lru_cache(maxsize=4096)
def ascii_char(char: str) -> str:
    """`char` as ASCII, as many characters as the cells it takes on screen."""
    if char.isascii():
        return char
    width = cell_len(char)
    if width == 0:
        return ""
    if char in ASCII:
        return ASCII[char] * width
    code = ord(char)
    if code == 0x2800:  # the empty braille cell
        return " " * width
    if 0x2800 < code <= 0x28FF:
        return "." * width
    name = unicodedata.name(char, "")
    if "BOX DRAWINGS" in name:
        horizontal, vertical = "HORIZONTAL" in name, "VERTICAL" in name
        if horizontal != vertical:
            return ("-" if horizontal else "|") * width
        return "+" * width
    if "BLOCK" in name or "SHADE" in name or "QUADRANT" in name or "SEXTANT" in name:
        return ("#" if "LIGHT SHADE" not in name else ":") * width
    if "TRIANGLE" in name:
        return (">" if "RIGHT" in name else "<" if "LEFT" in name else "^") * width
    if "ARROW" in name:
        return (">" if "RIGHT" in name else "<" if "LEFT" in name else "^" if "UP" in name else "v") * width
    plain = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
    if plain and len(plain) == 1:
        return plain * width
    return "?" * width


def ascii_text(text: str) -> str:
    if text.isascii():
        return text
    return "".join(ascii_char(char) for char in text)


class AsciiFilter(LineFilter):
    """Every segment's text as ASCII, cell for cell (so nothing on screen moves)."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [
            segment
            if segment.text.isascii()
            else Segment(ascii_text(segment.text), segment.style, segment.control)
            for segment in segments
        ]


def plot_marker(widget, marker: str = "braille", ascii_marker: str = "*") -> str:
    """plotext's `marker`, or a plain ASCII one on an ASCII-only screen (--ascii)."""
    options = getattr(widget.app, "options", None)
    return ascii_marker if options is not None and options.ascii else marker


# --- signals and a clean exit ----------------------------------------------------------------------


def export_on_exit(app: StepperApp) -> None:
    """With --export DIR, write the session there, with a screenshot of the screen as it was."""
    directory = app.options.export_dir
    if directory is None or app.exported_on_exit:
        return
    from .exporting import export_to

    app.exported_on_exit = True
    # (Relative to where stepper started: the script may be in another folder it moved to.)
    written, app.export_message = export_to(app, os.path.join(app.start_dir, directory), app.start_dir)
    app.export_failed = not written


@contextmanager
def signals_quit(app: StepperApp) -> Iterator[list[int]]:
    """While the app runs, SIGTERM, SIGHUP and SIGINT quit it like `q` (the script stops, the terminal
    is restored). Yields a list that holds the signal's number if one came. Once the screen is up,
    ctrl+c is a key, so a SIGINT comes from `kill -INT` or from a ctrl+c just before; handled here,
    asyncio sets no handler of its own (that one cancelled Textual's task as it started, and ended
    in a KeyboardInterrupt traceback). A signal the shell has stepper ignore stays ignored."""
    received: list[int] = []
    saved = tty_attributes()

    def on_signal(signum: int, frame) -> None:
        received.append(signum)
        if app.suspended or in_background():
            # ctrl+z left the screen down and the terminal to the shell (`kill %1` on the stopped
            # job: SIGTERM, then SIGCONT). Quitting as `q` does would put the screen up again first,
            # from the background, and the terminal stops a process for that (SIGTTOU): the job
            # stayed stopped. End here instead; the crash guard's parent prints what the script
            # printed, and the terminal is the shell's, as it left it. (The terminal tells, too, when
            # the flag cannot: a stop before the app took over job control went by Textual's handler.)
            # This handler may have interrupted the main thread anywhere: should the export or the
            # output wait on something that can no longer come, the process still ends.
            last_resort = threading.Timer(BACKGROUND_EXIT_SECONDS, os._exit, (128 + signum,))
            last_resort.daemon = True
            last_resort.start()
            with contextlib.suppress(Exception):
                export_on_exit(app)
            if not guarded():  # (no parent to print it: print it here, as the guard's would)
                with contextlib.suppress(Exception):
                    _leave_output_from_the_background(app)
            os._exit(128 + signum)
        watchdog(saved, 128 + signum)  # first: whatever happens next, the process ends
        try:
            app.session.stop(timeout=0)  # thread-safe: the script ends at its next line
            # The app's loop runs in this (the main) thread; `q`'s action quits it from there.
            asyncio.get_running_loop().call_soon_threadsafe(app.action_quit)
        except Exception:
            # Raised here, it would surface inside whatever the main thread was doing (a queue's
            # put, say) and could leave that half done. The watchdog ends the process instead.
            pass

    previous = {}
    if threading.current_thread() is threading.main_thread():
        for number in SIGNALS:
            if signal.getsignal(number) != signal.SIG_IGN:
                previous[number] = signal.signal(number, on_signal)
    try:
        yield received
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if received:
            restore_tty(saved)


@contextmanager
def job_control(app: StepperApp) -> Iterator[None]:
    """While the app runs, ctrl+z, `kill -TSTP`, `fg`, `bg` and `kill %1` go through `stop_handler`
    and `continue_handler` (set as the app mounts: `take_job_control`). After it, SIGTSTP and SIGCONT
    get back what they had before: Textual's handlers would act on a driver that is gone."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {number: signal.getsignal(number) for number in (signal.SIGTSTP, signal.SIGCONT)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            if handler is not None:
                signal.signal(number, handler)


def take_job_control(app: StepperApp) -> None:
    """Put `stop_handler` and `continue_handler` around the Linux driver's own SIGTSTP and SIGCONT
    handlers (nothing to do without that driver: under Pilot, on Windows, outside the main thread)."""
    driver = getattr(app, "_driver", None)
    suspend = getattr(driver, "_sigtstp_application", None)
    resume = getattr(driver, "_sigcont_application", None)
    if suspend is None or resume is None or threading.current_thread() is not threading.main_thread():
        return
    state = JobState()
    loop = asyncio.get_running_loop()
    signal.signal(signal.SIGTSTP, stop_handler(app, suspend, state, loop.call_soon_threadsafe))
    signal.signal(signal.SIGCONT, continue_handler(resume, state))


@dataclass
class JobState:
    down: bool = False  # Textual took the screen down for a stop, and has not put it back up


def stop_handler(app: StepperApp, suspend: SignalHandler, state: JobState, call_soon) -> SignalHandler:
    """SIGTSTP. Textual's handler takes the screen down, writing through its writer thread's queue,
    and then stops the process. Python runs a signal's handler in the main thread between any two
    bytecodes, also inside that queue's `put`, which holds a lock the handler's own writes then wait
    for: a `kill -TSTP` from another shell froze the screen so (1 run in 45, under load). Only ctrl+z
    (`app.action_suspend_process`, which sends the SIGTSTP itself, at a safe point) has Textual's
    handler run at once; a SIGTSTP from elsewhere asks the app's loop to do what ctrl+z does."""

    def on_stop(signum: int, frame) -> None:
        if state.down:  # (stopped before and continued in the background: stop again, as SIGTSTP would)
            stop_self()
        elif app.suspend_asked:
            app.suspend_asked = False
            state.down = True
            suspend(signum, frame)
        else:
            try:
                call_soon(app.action_suspend_process)
            except RuntimeError:  # (the loop is closed: the app is ending; just stop)
                stop_self()

    return on_stop


def stop_self() -> None:
    """Stop this process until a SIGCONT (SIGSTOP: no handler runs for it)."""
    os.kill(os.getpid(), signal.SIGSTOP)


def continue_handler(resume: SignalHandler, state: JobState, grace: float = CONTINUED_GRACE) -> SignalHandler:
    """SIGCONT. Textual's handler puts the screen back up on every SIGCONT; this one does so only
    after a stop, and only once the terminal is stepper's again (`fg`).

    - A SIGCONT with no stop before it (`kill -CONT` of a running screen) leaves the screen alone:
      a second start of Textual's application mode would start a second key reader.
    - One that comes while the terminal is another process group's (`bg`, `kill %1` of the stopped
      job) must not set the terminal's modes: the terminal stops a background process for that
      (SIGTTOU). `kill %1`'s SIGTERM, sent just before the SIGCONT, then waited in a stopped process,
      and the job stayed "Stopped" (1 run in 25, under load: the kernel hands the two signals to
      different threads, and now and then the SIGCONT's Python handler ran first). So a SIGCONT in
      the background first lets a signal sent with it run its handler (SIGTERM's ends the process:
      `signals_quit`), and otherwise stops the process again, the terminal untouched, until `fg`."""

    def on_continue(signum: int, frame) -> None:
        if not state.down:
            return
        if in_background():
            deadline = time.monotonic() + grace
            while time.monotonic() < deadline and in_background():
                # (Short sleeps: a signal another thread noted runs its Python handler between them.)
                time.sleep(0.01)
            if in_background():
                stop_self()  # (`fg` continues it: this handler runs again, from the foreground)
                return
        state.down = False
        resume(signum, frame)

    return on_continue


def _leave_output_from_the_background(app: StepperApp) -> None:
    """Print what the script printed while the terminal is the shell's (the process ends right after).
    A terminal set to stop background writers (`stty tostop`) lets through a process that ignores
    SIGTTOU."""
    from .app import leave_output_behind

    # (Textual has sys.stdout and sys.stderr posting to the app while it runs: write past it.)
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    leave_output_behind(app.session)


_wakeup_set = False  # signals_wake_the_loop has the wakeup fd set


def _no_wakeup_in_a_forked_child() -> None:
    """A process the script forks (a DataLoader's worker) is no screen: a signal it gets must not
    write into the screen's wakeup pipe, which it inherited."""
    if _wakeup_set:
        with contextlib.suppress(ValueError, OSError):
            signal.set_wakeup_fd(-1)  # (the forking thread is that process's main thread)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_no_wakeup_in_a_forked_child)


@contextmanager
def signals_wake_the_loop(app: StepperApp) -> Iterator[None]:
    """While the app runs, a signal wakes its event loop, whichever thread the kernel gave it to.

    CPython runs a signal's Python handler in the main thread only, the next time that thread runs
    Python code; the C part that notes the signal runs in whatever thread the signal was delivered to.
    Textual's Linux driver brings the screen back after ctrl+z from such a handler (its SIGCONT
    handler, set with signal.signal), and Linux often delivers the shell's SIGCONT (`fg`) to one of
    the other threads (the output reader, the script's, torch's). When that thread ran a moment after
    the main thread had gone back to sleep in the loop's select(), with nothing scheduled, nothing
    woke the main thread: the screen stayed down after `fg` until some event came (not a key: the key
    reader is stopped while suspended). Python's remedy, which asyncio's add_signal_handler uses too,
    is the wakeup fd: the C part writes the signal's number to it from any thread, and the loop
    watches its other end (`watch_signal_wakeup`). Textual's handlers stay as they are; they only run
    at once. (Outside the main thread no wakeup fd can be set, and no handler runs: nothing to do.)"""
    global _wakeup_set
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    read, write = os.pipe()
    os.set_blocking(read, False)
    os.set_blocking(write, False)  # (required: the C part must never block on it)
    try:
        previous: int | None = signal.set_wakeup_fd(write, warn_on_full_buffer=False)
        app.signal_wakeup = read
        _wakeup_set = True
    except (ValueError, OSError):
        previous = None
    try:
        yield
    finally:
        _wakeup_set = False
        app.signal_wakeup = None
        # (Put back before closing: the fd's number could be reused by a file a late signal would
        # then be written into.)
        if previous is not None:
            signal.set_wakeup_fd(previous)
        os.close(read)
        os.close(write)


def watch_signal_wakeup(app: StepperApp) -> None:
    """From inside the running loop: watch the wakeup fd that `signals_wake_the_loop` set (there is
    none under Pilot, nor outside the main thread)."""
    if app.signal_wakeup is not None:
        asyncio.get_running_loop().add_reader(app.signal_wakeup, _drain, app.signal_wakeup)


def _drain(fd: int) -> None:
    """Read what the signals wrote (their numbers): waking the loop was the point."""
    try:
        while os.read(fd, 512):
            pass
    except OSError:  # (BlockingIOError: empty, read it all)
        pass


def watchdog(saved: list | None, status: int) -> None:
    """Make sure the process ends soon after a signal, even if something hangs on the way out."""

    def expire() -> None:
        try:
            restore_tty(saved)
            screen_shown(False)  # (put back here: the guard's parent has nothing to add)
        finally:
            os._exit(status)

    timer = threading.Timer(WATCHDOG_SECONDS, expire)
    timer.daemon = True
    timer.start()
