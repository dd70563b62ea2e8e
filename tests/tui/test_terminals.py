"""Any terminal: too small and resized, no colour, ASCII only, slow links, signals, and the `w` export.

Pilot tests for what the app draws; the installed `stepper run` in real pseudo-terminals (pexpect +
pyte, TERM=xterm / screen / NO_COLOR) for keys and escape sequences; and tmux, whose pane outlives the
app, to see what SIGHUP and SIGTERM leave behind (`stty -a`, the cursor, the alternate screen).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pexpect
import pyte
import pytest
from pty_terminal import STEPPER, PtyTerminal
from textual import constants
from tui_helpers import (
    SAFETY_TIMEOUT,
    lesson_session,
    press,
    screen_lines,
    screen_text,
    script_session,
    settle,
)

from stepper.tui import StepperApp
from stepper.tui.screens.help import HelpScreen
from stepper.tui.screens.too_small import TooSmallScreen
from stepper.tui.terminal import TerminalOptions, animation_level, ascii_char, ascii_text, escape_delay

TMUX = shutil.which("tmux")
needs_stepper = pytest.mark.skipif(STEPPER is None, reason="the stepper command is not installed")
needs_tmux = pytest.mark.skipif(TMUX is None or STEPPER is None, reason="needs tmux and the stepper command")


def run_app(body, app: StepperApp, size: tuple[int, int] = (80, 24)) -> StepperApp:
    async def run() -> None:
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await body(pilot)

    asyncio.run(run())
    return app


async def resize(pilot, width: int, height: int) -> None:
    await pilot.resize_terminal(width, height)
    for _ in range(3):  # Textual applies a resize on a short timer
        await asyncio.sleep(0.02)
        await pilot.pause()


def too_small_text(width: int, height: int) -> str:
    return f"terminal too small (need 80×22, have {width}×{height})"


# --- too small, and resizing ----------------------------------------------------------------------------

# (80×23 and 80×22: an 80×24 terminal less tmux's or screen's status line, once or nested twice)
SIZES = [(79, 24), (80, 24), (80, 23), (80, 21), (120, 40), (40, 10), (80, 22), (1, 1), (10, 3), (81, 25)]


def check_screen(app: StepperApp, width: int, height: int) -> None:
    small = width < 80 or height < 22
    assert isinstance(app.screen, TooSmallScreen) == small
    text = screen_text(app)
    if small and width >= 60:
        assert too_small_text(width, height) in text
    elif not small:
        assert "parameters" in text and "pause " in text


def test_too_small_screen_comes_and_goes_while_paused():
    async def body(pilot):
        app = pilot.app
        for width, height in SIZES:
            await resize(pilot, width, height)
            check_screen(app, width, height)
        # Keys do nothing to the screen the cover hides...
        await resize(pilot, 60, 20)
        await press(pilot, "space", "s")
        assert app.shown_index == 0 and len(app.session.history) == 1
        # ...and everything works at full size afterwards.
        await resize(pilot, 80, 24)
        await press(pilot, "space")
        assert app.shown_index == 1 and "pause 2/2" in screen_text(app)

    run_app(body, StepperApp(lesson_session()))


def test_resizing_while_playing_and_running_never_crashes():
    async def body(pilot):
        app = pilot.app
        await pilot.press("greater_than_sign")  # play: phases keep running while the terminal changes size
        for width, height in SIZES * 2:
            await resize(pilot, width, height)
            check_screen(app, width, height)
        assert app.playing
        await resize(pilot, 80, 24)
        await pilot.press("p")
        await settle(pilot)
        assert len(app.session.history) > 1
        await pilot.press("g", "3", "0", "enter")  # run to a step, resizing as it runs
        for width, height in SIZES:
            await resize(pilot, width, height)
        await resize(pilot, 100, 30)
        await settle(pilot)
        assert app.live_step() == 30 and "pause" in screen_text(app)

    run_app(body, StepperApp(lesson_session()))


def test_help_opened_before_the_terminal_shrank_is_there_after():
    async def body(pilot):
        app = pilot.app
        await pilot.press("question_mark")
        await pilot.pause()
        await resize(pilot, 70, 20)
        assert isinstance(app.screen, TooSmallScreen)
        await resize(pilot, 80, 24)
        assert isinstance(app.screen, HelpScreen)

    run_app(body, StepperApp(lesson_session()))


def test_starting_in_a_small_terminal_says_so_and_q_quits():
    async def body(pilot):
        app = pilot.app
        assert too_small_text(70, 20) in screen_text(app)
        await pilot.press("q")

    app = run_app(body, StepperApp(lesson_session()), size=(70, 20))
    assert app.return_code == 0


# --- ASCII only -----------------------------------------------------------------------------------------


def non_ascii(text: str) -> set[str]:
    return {char for char in text if not char.isascii()}


def svg_text(svg: str) -> str:
    """The visible text of an SVG screenshot (its <text> elements), entities decoded. Rich writes
    each space as a no-break space (&#160;) so SVG keeps it: that is a space on screen."""
    import html

    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    return "\n".join(html.unescape(t).replace("\xa0", " ") for t in texts)


def test_ascii_screen_has_no_character_outside_ascii():
    seen = []

    async def body(pilot):
        app = pilot.app
        await press(pilot, *["space"] * 13)  # into the third step: a loss curve, old → new, ✓ phases
        for key in ["", "e", "d", "a", "m", "m", "question_mark"]:
            if key:
                await pilot.press(key)
                await pilot.pause()
            text = screen_text(app)
            seen.append(text)
            assert not non_ascii(text), (key, non_ascii(text), text)
            assert not non_ascii(svg_text(app.export_screenshot())), key

    run_app(body, StepperApp(lesson_session(), options=TerminalOptions(ascii=True)))
    first = seen[0]
    assert "+- lesson linear --" in first and "+forward > +loss > +zero_grad > *backward" in first
    assert "|" in first and "*" in first.split("loss per step")[1]  # the plot, in plain markers


def test_ascii_fit_view_tells_the_data_from_the_model():
    # Both were drawn as `*` (the data's • and the line's braille, made ASCII), under a legend that
    # promised `- model`.
    async def body(pilot):
        app = pilot.app
        await press(pilot, *["space"] * 13)  # step 2: the model's line is nearly flat, at 0.27
        await pilot.press("d")
        await pilot.pause()
        lines = screen_lines(app)
        assert "* data  - model" in "\n".join(lines)
        plot = [line.split("|")[2] for line in lines if line.count("|") >= 4 and "data" not in line]
        assert any(row.count("*") >= 2 for row in plot)  # the data
        assert any(row.count("-") >= 10 and "*" not in row for row in plot)  # the model's line

    run_app(body, StepperApp(lesson_session(), options=TerminalOptions(ascii=True)))


def test_ascii_snapshot_80x24(snap_compare):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await press(pilot, *["space"] * 9)

    app = StepperApp(lesson_session(), options=TerminalOptions(ascii=True))
    assert snap_compare(app, run_before=run_before, terminal_size=(80, 24))


def test_ascii_replacements_keep_every_cell():
    assert ascii_text("step 1  │  ✓forward → ▶loss") == "step 1  |  +forward > *loss"
    assert ascii_text("╭─┤├┼╯") == "+-||++"  # an axis with ticks stays a straight line
    assert ascii_char("⣿") == "." and ascii_char("⠀") == " " and ascii_char("é") == "e"
    assert ascii_text("x∈[-2, 2] μ=0.1 σ=1") == "x=[-2, 2] u=0.1 s=1"
    assert ascii_char("漢") == "??"  # two cells stay two cells


# --- animations and the escape delay --------------------------------------------------------------------


def test_no_animations_over_ssh_unless_asked():
    ssh = {"SSH_CONNECTION": "10.0.0.2 50000 10.0.0.1 22"}
    assert animation_level(TerminalOptions(), ssh) == "none"
    assert animation_level(TerminalOptions(animations=True), ssh) == "full"
    assert (
        animation_level(TerminalOptions(), {**ssh, "TEXTUAL_ANIMATIONS": "basic"})
        == constants.TEXTUAL_ANIMATIONS
    )
    assert animation_level(TerminalOptions(), {}) == constants.TEXTUAL_ANIMATIONS


def test_escape_delay_is_longer_over_ssh_unless_escdelay_is_set():
    assert escape_delay({}) == constants.ESCAPE_DELAY
    assert escape_delay({"SSH_CONNECTION": "x"}) >= 0.3
    assert escape_delay({"SSH_CONNECTION": "x", "ESCDELAY": "25"}) == constants.ESCAPE_DELAY


def test_the_app_turns_animations_off_over_ssh(monkeypatch):
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.2 50000 10.0.0.1 22")
    monkeypatch.delenv("TEXTUAL_ANIMATIONS", raising=False)
    monkeypatch.delenv("ESCDELAY", raising=False)
    monkeypatch.setattr(constants, "ESCAPE_DELAY", constants.ESCAPE_DELAY)  # restored after the test

    async def body(pilot):
        assert pilot.app.animation_level == "none"
        assert constants.ESCAPE_DELAY >= 0.3

    run_app(body, StepperApp(lesson_session()))
    forced = StepperApp(lesson_session(), options=TerminalOptions(animations=True))
    run_app(lambda pilot: asyncio.sleep(0), forced)
    assert forced.animation_level == "full"


def test_no_timer_runs_while_paused():
    async def body(pilot):
        app = pilot.app
        await pilot.press("greater_than_sign")  # play
        await asyncio.sleep(0.3)
        await pilot.press("p")
        await settle(pilot)
        nodes = [app, *app.walk_children(with_self=False)]
        running = [(node, timer) for node in nodes for timer in node._timers if timer._active.is_set()]
        assert running == [], running

    run_app(body, StepperApp(lesson_session()))


# --- the w export ---------------------------------------------------------------------------------------


def test_w_exports_the_session_with_a_screenshot(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    async def body(pilot):
        await press(pilot, "s", "s")
        await pilot.press("w")
        await pilot.pause()
        notice = screen_lines(pilot.app)[-3]
        assert "Exported 5 files to stepper-export-" in notice

    run_app(body, StepperApp(lesson_session()))
    (folder,) = tmp_path.glob("stepper-export-*")
    assert sorted(p.name for p in folder.iterdir()) == [
        "loss.csv", "output.txt", "screenshot.svg", "trace.jsonl", "transcript.md",
    ]  # fmt: skip
    assert "lesson linear" in svg_text((folder / "screenshot.svg").read_text())
    assert (folder / "loss.csv").read_text().splitlines()[0] == "step,loss"


def test_w_works_after_the_script_raised_and_twice_in_a_second(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    async def body(pilot):
        await press(pilot, "s", "s", "s")
        assert pilot.app.session.end.status == "error"
        await pilot.press("w", "w")
        await pilot.pause()

    run_app(body, StepperApp(script_session("fails_at_step_2.py")))
    folders = sorted(tmp_path.glob("stepper-export-*"))
    assert len(folders) == 2
    for folder in folders:
        assert "The script raised" in (folder / "transcript.md").read_text()
        assert "error" in svg_text((folder / "screenshot.svg").read_text())


def test_w_and_the_export_dir_write_where_stepper_started_though_the_script_moved(tmp_path, monkeypatch):
    # The script changed folder (os.chdir) before its first pause: `w`, ctrl+s and --export write
    # into stepper's own folder, and after the run the process is back there.
    started, moved = tmp_path / "started", tmp_path / "moved"
    started.mkdir()
    moved.mkdir()
    monkeypatch.chdir(started)
    monkeypatch.setenv("STEPPER_TEST_SCRIPT_DIR", str(moved))

    async def body(pilot):
        assert os.getcwd() == str(moved)  # (paused inside the run, in the script's folder)
        await pilot.press("w", "ctrl+s")
        await pilot.pause()
        await press(pilot, "c")
        await pilot.press("q")

    options = TerminalOptions(export_dir="out")
    run_app(body, StepperApp(script_session("moves_to_another_folder.py"), options=options))
    assert os.getcwd() == str(started)
    assert len(list(started.glob("stepper-export-*"))) == 1 and list(started.glob("stepper-pause-*.svg"))
    assert (started / "out" / "transcript.md").exists()
    assert list(moved.iterdir()) == []


def test_export_dir_is_written_by_the_app_as_it_quits(tmp_path):
    target = tmp_path / "out"

    async def body(pilot):
        await press(pilot, "s")
        await pilot.press("q")

    app = run_app(body, StepperApp(lesson_session(), options=TerminalOptions(export_dir=str(target))))
    assert (target / "screenshot.svg").exists() and (target / "transcript.md").exists()
    assert "Exported 5 files" in app.export_message


def test_an_export_dir_the_app_cannot_write_is_said_and_marked_failed(tmp_path):
    target = tmp_path / "out"
    target.write_text("a file where the folder should go\n")

    async def body(pilot):
        await pilot.press("q")

    app = run_app(body, StepperApp(lesson_session(), options=TerminalOptions(export_dir=str(target))))
    assert app.export_failed and app.export_message.startswith("Could not export")
    assert target.read_text() == "a file where the folder should go\n"


# --- real terminals: TERM=xterm, TERM=screen, NO_COLOR --------------------------------------------------


def Terminal(env: dict[str, str], *args: str) -> PtyTerminal:  # noqa: N802 - reads like a class
    return PtyTerminal(["run", "--seed", "0", *args], env)


TERMINALS = {
    "xterm": {"TERM": "xterm"},
    "screen": {"TERM": "screen"},
    "tmux-256color-no-color": {"TERM": "tmux-256color", "NO_COLOR": "1"},
}


@needs_stepper
@pytest.mark.parametrize("env", TERMINALS.values(), ids=TERMINALS.keys())
def test_keys_and_escape_sequences_in_real_terminals(env):
    # ESCDELAY as curses reads it: a long wait, so the split arrow key below is one key on any machine.
    term = Terminal({**env, "ESCDELAY": "2000"})
    try:
        term.wait_for("paused", "pause 1/1")
        for count in range(2, 5):
            term.child.send(" ")
            term.wait_for(f"pause {count}/{count}")
        # Nothing is drawn while the app waits at a pause (once the last frame is out).
        while not term.quiet_for(1.0):
            pass
        assert term.quiet_for(2.0)
        term.child.send("\x1b[D")  # left arrow: back in history
        term.wait_for("history 3/4")
        term.child.send("\x1b")  # left arrow again, its bytes split as a slow link might deliver them
        time.sleep(0.2)
        term.child.send("[D")
        term.wait_for("history 2/4")
        assert "lr ×" not in term.text()  # the `[` was not taken for the lr ÷10 knob
        term.child.send("\x1bOC")  # right arrow in application-cursor mode (SS3)
        term.wait_for("history 3/4")
        if env.get("NO_COLOR"):
            # Without colour the line just run is still reverse video, the phase still marked.
            row = next(y for y, line in enumerate(term.screen.display) if "◀ zero_grad" in line)
            assert any(term.screen.buffer[row][x].reverse for x in range(5, 30))
            assert "▶zero_grad" in term.screen.display[0]
        term.child.send("q")
        term.child.expect(pexpect.EOF, timeout=SAFETY_TIMEOUT)
        term.raw += term.child.before or b""
        term.child.close()
        assert term.child.exitstatus == 0
        tail = term.raw[-400:]
        assert b"\x1b[?25h" in tail and b"\x1b[?1049l" in tail  # cursor shown, normal screen back
    finally:
        term.close()


@needs_stepper
def test_ascii_flag_in_a_real_terminal():
    term = Terminal({"TERM": "xterm"}, "--ascii")
    try:
        text = term.wait_for("paused", "pause 1/1")
        assert not non_ascii(text), non_ascii(text)
        assert "+- lesson linear" in text
        term.child.send("q")
        term.child.expect(pexpect.EOF, timeout=SAFETY_TIMEOUT)
    finally:
        term.close()


@needs_stepper
def test_export_dir_from_the_command_line_has_the_screenshot(tmp_path):
    target = tmp_path / "session"
    term = Terminal({"TERM": "xterm"}, "--export", str(target))
    try:
        term.wait_for("paused", "pause 1/1")
        term.child.send("s")
        term.wait_for("pause 5/5")
        term.child.send("q")
        term.child.expect(pexpect.EOF, timeout=SAFETY_TIMEOUT)
        term.stream.feed(term.child.before or b"")
        assert "Exported 5 files" in term.text()
    finally:
        term.close()
    assert "step" in svg_text((target / "screenshot.svg").read_text())
    assert (target / "transcript.md").read_text().count("## Pause") == 5


# --- signals: the pane outlives the app -----------------------------------------------------------------


class Pane:
    """A shell in a detached tmux pane (its own tmux server) that runs `stepper run` and, after it,
    `stty -a`: what the terminal was left like."""

    def __init__(self, tmp: Path, *args: str, env: str = "TERM=xterm", program: str | None = None) -> None:
        """`program`: what runs in place of the installed `stepper` (given `run --seed 0 ARGS`)."""
        self.socket = f"stepper-test-{uuid.uuid4().hex[:8]}"
        self.tmp = tmp
        shell = f"env -u NO_COLOR -u SSH_CONNECTION {env} bash --norc --noprofile"
        self.tmux("new-session", "-d", "-x", "80", "-y", "24", "-s", "t", shell)
        flags = " ".join(args)
        command = (
            # (`trap : INT`: when ctrl+c ends stepper, the shell still runs the rest of the line)
            f"trap : INT; bash -c 'echo $$ > {tmp}/pid; exec {program or STEPPER} run --seed 0 {flags}'; "
            # (`DO""NE`: the typed command stays on the pane, and only the shell's output says DONE)
            f'echo EXIT=$? > {tmp}/exit; stty -a > {tmp}/stty; echo DO""NE'
        )
        self.tmux("send-keys", "-t", "t", command, "Enter")

    def tmux(self, *args: str) -> str:
        return subprocess.run(
            [TMUX, "-L", self.socket, *args], capture_output=True, text=True, check=True
        ).stdout

    def text(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "t")

    def wait_for(self, needle: str) -> str:
        deadline = time.monotonic() + SAFETY_TIMEOUT
        while time.monotonic() < deadline:
            text = self.text()
            if needle in text:
                return text
            time.sleep(0.1)
        raise AssertionError(f"never saw {needle!r} in the pane:\n{self.text()}")

    def pid(self) -> int:
        return int((self.tmp / "pid").read_text())

    def paused(self) -> int:
        """Wait for the screen's first pause; the stepper process's pid."""
        self.wait_for("pause 1/1")
        return self.pid()

    def children(self, pid: int) -> list[int]:
        """The processes `pid` started (the crash guard's child, under stepper's pid)."""
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]

    def __enter__(self) -> Pane:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def flags(self) -> dict[str, str]:
        line = self.tmux("display", "-p", "-t", "t", "#{cursor_flag} #{alternate_on} #{mouse_any_flag}")
        cursor, alternate, mouse = line.split()
        return {"cursor": cursor, "alternate": alternate, "mouse": mouse}

    def close(self) -> None:
        subprocess.run([TMUX, "-L", self.socket, "kill-server"], capture_output=True)


def steps_then_quits(pane: Pane, pid: int, fg: bool = False) -> None:
    """The screen at pause 1 (after `fg`, with `fg`) still steps on a key (`space`: pause 2), and `q`
    ends the process and leaves the terminal as it was."""
    if fg:
        pane.tmux("send-keys", "-t", "t", "fg", "Enter")
        # (Textual resumes from its SIGCONT handler, which the kernel often gives to another thread
        # than the main one: the screen comes back only if that wakes the app's loop)
        pane.wait_for("pause 1/1")
    pane.tmux("send-keys", "-t", "t", "space")
    pane.wait_for("pause 2/2")
    pane.tmux("send-keys", "-t", "t", "q")
    assert gone(pid), "the stepper process is still there"
    assert pane.flags() == {"cursor": "1", "alternate": "0", "mouse": "0"}


def gone(pid: int, within: float = SAFETY_TIMEOUT) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.02)
    return False


@needs_tmux
@pytest.mark.parametrize(
    "signal_name, when",
    [("SIGHUP", "paused"), ("SIGTERM", "paused"), ("SIGTERM", "loading"), ("SIGHUP", "playing")],
)
def test_signals_leave_a_sane_terminal_and_no_process(tmp_path, signal_name, when):
    import signal

    pane = Pane(tmp_path, env="TERM=screen")
    try:
        pane.wait_for("loading PyTorch" if when == "loading" else "pause 1/1")
        if when == "playing":
            pane.tmux("send-keys", "-t", "t", ">")  # play
            pane.wait_for("playing")
        pid = pane.pid()
        os.kill(pid, getattr(signal, signal_name))
        assert gone(pid), "the stepper process is still there"
        text = pane.wait_for("DONE")
        status = 128 + getattr(signal, signal_name)
        assert (tmp_path / "exit").read_text().strip() == f"EXIT={status}"
        stty = (tmp_path / "stty").read_text()
        assert re.search(r"(^|\s)echo(\s|$)", stty) and re.search(r"(^|\s)icanon(\s|$)", stty), stty
        assert pane.flags() == {"cursor": "1", "alternate": "0", "mouse": "0"}
        assert "\x1b" not in text and "[?" not in text and "^[" not in text
    finally:
        pane.close()


def test_a_signal_another_thread_takes_still_runs_its_handler_while_the_loop_sleeps():
    # What `fg` met now and then: Linux gave SIGCONT to another thread than the main one, and that
    # thread noted it only after the main thread had gone to sleep in the loop with nothing scheduled.
    # CPython runs the Python handler (Textual's resume) only in the main thread, so the screen did
    # not come back. The wakeup fd wakes the loop.
    import signal
    import threading
    import types

    from stepper.tui import terminal

    app = types.SimpleNamespace(signal_wakeup=None)
    handled = threading.Event()
    ran_in_main: list[bool] = []
    in_time: list[bool] = []

    def handler(signum, frame) -> None:
        ran_in_main.append(threading.current_thread() is threading.main_thread())
        handled.set()

    async def body() -> None:
        loop = asyncio.get_running_loop()
        over = loop.create_future()

        def another_thread() -> None:
            time.sleep(0.2)  # (the main thread is asleep in the loop by then, with no timer to wake it)
            signal.pthread_kill(threading.get_ident(), signal.SIGUSR1)  # (this thread takes it)
            in_time.append(handled.wait(SAFETY_TIMEOUT))
            loop.call_soon_threadsafe(over.set_result, None)  # (ends the test either way)

        terminal.watch_signal_wakeup(app)
        thread = threading.Thread(target=another_thread)
        thread.start()
        await over
        thread.join()

    previous = signal.signal(signal.SIGUSR1, handler)
    try:
        with terminal.signals_wake_the_loop(app):
            assert app.signal_wakeup is not None
            asyncio.run(body())
    finally:
        signal.signal(signal.SIGUSR1, previous)
    assert in_time == [True], "the handler waited until something else woke the loop"
    assert ran_in_main == [True]
    assert app.signal_wakeup is None and signal.set_wakeup_fd(-1) == -1  # (put back as it was)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="forks")
def test_a_process_the_script_forks_does_not_keep_the_screens_signal_wakeup():
    # A DataLoader's worker is forked from the script's thread; a signal it gets must not write into
    # the screen's wakeup pipe (the byte would wake the screen's loop for nothing).
    import signal
    import threading
    import types

    from stepper.tui import terminal

    app = types.SimpleNamespace(signal_wakeup=None)
    held: list[int] = []

    def fork_and_look() -> None:
        child = os.fork()
        if child == 0:  # (in the worker: -1 when no wakeup fd is set)
            os._exit(0 if signal.set_wakeup_fd(-1) == -1 else 1)
        held.append(os.waitpid(child, 0)[1])

    with terminal.signals_wake_the_loop(app):
        assert app.signal_wakeup is not None
        worker = threading.Thread(target=fork_and_look)  # (as the script's thread forks)
        worker.start()
        worker.join()
    assert held == [0]


# --- slow links: split escape sequences, bursts of keys ---------------------------------------------------


def test_the_rest_of_an_escape_sequence_split_by_a_slow_link_is_not_taken_for_keys():
    # Over a laggy link a mouse report `ESC [ < 35 ; 10 ; 5 M` can arrive as escape, then the rest:
    # its `[` alone used to divide the learning rate by 10.
    async def body(pilot):
        app = pilot.app
        await pilot.press("escape", "left_square_bracket", "less_than_sign", "3", "5", "semicolon", "M")
        await settle(pilot)
        assert app.session.knobs == ()
        app._escape_at = -1.0  # long after that escape, `[` is the knob again
        await press(pilot, "left_square_bracket")
        assert app.session.knobs == ("lr ×0.1",)

    run_app(body, StepperApp(lesson_session()))


def test_a_key_typed_right_after_escape_closed_a_screen_is_a_key():
    # `c` cannot start the rest of an escape sequence: pressed just after escape closed the output
    # screen, it runs on (it used to be swallowed for a second as a split sequence's `c`).
    async def body(pilot):
        app = pilot.app
        await press(pilot, "o")
        await press(pilot, "escape")
        await press(pilot, "c")
        assert app.continuing or app.session.finished

    run_app(body, StepperApp(lesson_session()))


def test_steps_asked_for_while_one_still_runs_are_run_in_turn_not_dropped():
    # Keys typed over a stalled SSH link arrive in one burst: ten spaces made one phase.
    async def body(pilot):
        app = pilot.app
        for _ in range(4):  # in one go: the first starts a phase, the others find it running
            app.action_next_phase()
        app.action_next_step()
        await settle(pilot)
        for _ in range(20):  # (the queued ones run one after another, each at the pause before it)
            await asyncio.sleep(0.02)
            await settle(pilot)
        history = app.session.history
        # four phases (loss, zero_grad, backward, step), then one whole step: up to the next update
        assert [s.phases for s in history[1:5]] == [("loss",), ("zero_grad",), ("backward",), ("step",)]
        assert app.shown_index == len(history) - 1 == 9 and history[9].step == 2

    run_app(body, StepperApp(lesson_session()))


def test_a_locale_that_is_not_utf8_gets_the_ascii_screen():
    from stepper.tui.terminal import speaks_utf8

    assert speaks_utf8({"LANG": "en_US.UTF-8"}) and speaks_utf8({"LC_CTYPE": "C.utf8"}) and speaks_utf8({})
    assert not speaks_utf8({"LC_ALL": "C", "LANG": "en_US.UTF-8"})  # LC_ALL wins, as in the C library
    assert not speaks_utf8({"LANG": "en_US.ISO-8859-1"}) and not speaks_utf8({"LC_ALL": "POSIX"})


def test_a_transcript_writes_stand_ins_where_its_stream_cannot_encode_a_character():
    import io

    from stepper.format import write_anywhere

    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii")
    write_anywhere(stream)
    stream.write("#3 step 1 · step  x∈[-1, 1] ☃\n")
    stream.flush()
    assert raw.getvalue() == b"#3 step 1 . step  x in [-1, 1] ?\n"


def test_a_hung_up_terminal_does_not_stop_the_terminal_being_restored(monkeypatch):
    import termios

    from stepper.tui import terminal

    def hung_up(*args):
        raise termios.error(5, "Input/output error")  # (not an OSError)

    monkeypatch.setattr(termios, "tcsetattr", hung_up)
    terminal.restore_tty([0, 0, 0, 0, 0, 0, []])  # says nothing, raises nothing


def test_without_a_terminal_for_keys_or_screen_stepper_says_which(monkeypatch, capsys):
    import sys

    from stepper import cli

    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False, raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert cli._interactive_or_plain() == "plain"
    assert "standard input is not a terminal" in capsys.readouterr().err
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setenv("TERM", "dumb")
    assert cli._interactive_or_plain() == "plain"
    assert "TERM=dumb" in capsys.readouterr().err


@needs_stepper
def test_with_stderr_redirected_the_screen_is_still_drawn_on_the_terminal(tmp_path):
    # Textual draws on standard error: `stepper run 2>err.txt` drew the screen into the file.
    err = tmp_path / "err.txt"
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "SSH_CONNECTION")}
    child = pexpect.spawn("/bin/sh", ["-c", f'"{STEPPER}" run 2>"{err}"'], env=env, dimensions=(24, 80))
    screen = pyte.Screen(80, 24)
    stream = pyte.ByteStream(screen)
    deadline = time.monotonic() + SAFETY_TIMEOUT
    while "pause 1/1" not in "\n".join(screen.display) and time.monotonic() < deadline:
        try:
            stream.feed(child.read_nonblocking(65536, timeout=0.05))
        except pexpect.TIMEOUT:
            pass
    assert "pause 1/1" in "\n".join(screen.display)
    child.send("q")
    child.expect(pexpect.EOF, timeout=SAFETY_TIMEOUT)
    assert b"\x1b[" not in err.read_bytes()  # no screen in the file


@needs_stepper
def test_a_c_locale_gets_the_ascii_screen_without_asking():
    # LC_ALL=C (a minimal server, or a session whose client sent no locale): tmux then drew every box
    # line and arrow as `_`; stepper now draws only ASCII there, as with --ascii.
    term = Terminal({"LC_ALL": "C", "TERM": "xterm"})
    try:
        term.wait_for("pause 1/1")
        assert not non_ascii(term.raw.decode("utf-8", errors="replace")), non_ascii(term.raw.decode())
        assert "+- lesson linear --" in term.text()
    finally:
        term.close()
