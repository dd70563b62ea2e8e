"""The stepper app: drives one engine `Session` from the keyboard and draws its pauses.

Data flows one way. The session's worker thread posts `SessionChanged` (no data, so a burst collapses
to one); the app then reads `session.history` and `session.state` and hands each panel a `Frame`.
Nothing here runs the script: the app only calls the session's thread-safe control methods.
"""

from __future__ import annotations

import ast
import asyncio
import os
import sys
import time

from textual import events, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.geometry import Size
from textual.timer import Timer
from textual.widgets import Footer

from .. import guard
from ..engine import Output, Paused, ScriptSource, Session, SessionEvent
from ..engine.detect import NONFINITE
from ..frontends.transcript import lines_text, paused_lines
from . import terminal
from .frame import Frame, frame_at
from .messages import SessionChanged
from .terminal import TerminalOptions
from .widgets import CodeView, ErrorPanel, GradsView, LossPlot, Notice, ParamsView, PhaseStrip, StatusBar
from .widgets.status import StatusInfo
from .widgets.teaching import TeachingViews
from .widgets.warnings import WarningsBar

SPEEDS = (1, 2, 4, 8, 16, 32, 64)  # phases per second while playing
# While running at full speed (c) the screen is redrawn from the latest pause at most this often: the
# script never waits for the screen, and drawing every pause would cost more than the pauses.
RUNNING_FPS = 15
# Drawing holds the interpreter lock the script needs, and a core torch's threads want: while running,
# the screen may take at most this share of the time, so after a costly frame the next one waits
# longer than 1/RUNNING_FPS (a 1M-parameter MLP's run: 1.73x plain at a 10% share, 1.37x at 3%).
RUNNING_DRAW_SHARE = 0.03
DEFAULT_SPEED = 2  # index into SPEEDS: 4 phases a second
# A single phase or step (space, s) usually pauses again within milliseconds: the status bar says
# "running…" only once the script has run this long, so a quick step does not send it twice.
QUIET_RUN = 0.1
# While running (c), playing (>) or running to a step (g), these keys keep it going; any other key pauses.
# (ctrl+z stops the whole process where it is, and `fg` carries on from there: nothing to pause first)
KEEP_PLAYING = {"plus", "equals_sign", "minus", "ctrl+c", "q", "ctrl+z"}
# The teaching views and live knobs too: turning the lr up while playing is how a run is made to explode.
KEEP_PLAYING |= {"e", "d", "a", "m", "z", "left_square_bracket", "right_square_bracket"}
# Over a slow link the bytes of one escape sequence (a mouse report, an arrow key) can arrive so far
# apart that the escape is read alone and the rest as keys: `[` (the lr ÷10 knob), `<`, digits, `M`,
# `m`, `c`. For this long after an escape, such characters are taken for that rest and ignored.
SEQUENCE_TAIL = 1.0  # seconds
SEQUENCE_CHARS = frozenset("[]<>;?0123456789~ABCDFHPQRSZMmcu")
# The rest of a split sequence starts with what follows an escape in one (`[` or `O`, or, when the
# escape and `[` came together, `<` or a digit): a key that cannot start it, as `c` typed after
# escape closed a screen, is a key.
SEQUENCE_STARTS = frozenset("[O<0123456789;?")
MAX_QUEUED = 32  # space/n and s presses kept while a phase runs
LOSS_ROWS = 6  # the loss plot's least height, its border included
VIEW_KEYS = {"explain": "e", "fit": "d", "graph": "a", "optimizer": "m"}  # the teaching views' toggles


class StepperApp(App[None]):
    CSS_PATH = "stepper.tcss"
    TITLE = "stepper"
    ENABLE_COMMAND_PALETTE = False

    BINDINGS = [
        Binding("space,n", "next_phase", "phase", key_display="spc", id="next_phase"),
        Binding("s,enter", "next_step", "step", id="next_step"),
        Binding("c", "continue_run", "run", id="continue_run"),
        Binding("greater_than_sign", "play", "play", key_display=">", show=False, id="play"),
        Binding("x", "toggle_breakpoint", "breakpoint", show=False, id="toggle_breakpoint"),
        Binding("p", "pause", "pause", id="pause"),
        Binding("b,left", "back", "back", key_display="←", id="back"),
        Binding("f,right", "forward", "fwd", key_display="→", id="forward"),
        Binding("g", "go_to_step", "goto", id="go_to_step"),
        Binding("r", "restart", "restart", id="restart"),
        Binding("o", "output", "output", show=False, id="output"),
        Binding("l", "toggle_log", "log", show=False, id="toggle_log"),
        Binding("t", "focus_tree", "tree", show=False, id="focus_tree"),  # a big model's tree
        Binding("e", "toggle_view('explain')", "explain", show=False, id="view_explain"),
        Binding("d", "toggle_view('fit')", "data & fit", show=False, id="view_fit"),
        Binding("a", "toggle_view('graph')", "autograd graph", show=False, id="view_graph"),
        Binding("m", "toggle_view('optimizer')", "optimizer", show=False, id="view_optimizer"),
        Binding("right_square_bracket", "lr_up", "lr ×10", key_display="]", show=False, id="lr_up"),
        Binding("left_square_bracket", "lr_down", "lr ÷10", key_display="[", show=False, id="lr_down"),
        Binding("z", "skip_zero_grad", "skip zero_grad", show=False, id="skip_zero_grad"),
        Binding("plus,equals_sign", "faster", "faster", show=False, id="faster"),
        Binding("minus", "slower", "slower", show=False, id="slower"),
        Binding("ctrl+s", "save_screenshot", "screenshot", show=False, id="screenshot"),
        Binding("ctrl+l", "redraw", "redraw", show=False, id="redraw"),
        Binding("ctrl+z", "suspend_process", "suspend", show=False, id="suspend"),
        Binding("w", "export", "export", show=False, id="export"),
        Binding("question_mark", "help", "help", key_display="?", id="help"),
        Binding("q", "quit", "quit", id="quit"),
        Binding("ctrl+c", "quit", "quit", show=False, priority=True, id="quit_ctrl_c"),
    ]

    def __init__(
        self, session: Session, *, autostart: bool = True, options: TerminalOptions | None = None
    ) -> None:
        super().__init__()
        self.session = session
        # Where `w` and ctrl+s write: the folder stepper started in (a script may move to another).
        self.start_dir = os.getcwd()
        self.options = options or TerminalOptions()  # --ascii, --animations, --export (terminal.py)
        self.exported_on_exit = False
        self.signal_wakeup: int | None = None  # read end of the signal wakeup fd (terminal.py)
        self.suspended = False  # ctrl+z has the process stopped, or just continued in the background
        self.suspend_asked = False  # the SIGTSTP on its way is ctrl+z's own (terminal.stop_handler)
        self.export_message = ""
        self.export_failed = False  # --export DIR could not be written as the app quit: exit status 1
        self.generation = 0  # bumped on restart; messages from an older session are ignored
        self.cursor: int | None = None  # the pause looked at in history; None = the live one
        self.playing = False
        self.continuing = False  # running at full speed (c) until a breakpoint, NaN/Inf, the end or a key
        self._run_timer: Timer | None = None  # redraws the screen while continuing
        # Playing faster than RUNNING_FPS: when the last frame was drawn, and the timer that draws the
        # latest pause once the frame interval is up (see `_draw_playing`).
        self._play_drawn = 0.0
        self._play_draw_timer: Timer | None = None
        self._clock = time.monotonic  # (tests replace it)
        self._run_from: tuple[float, int] = (0.0, 0)  # (clock, step) where the current run began
        self._drawn_at: tuple[float, float] = (0.0, 0.0)  # (UI thread's CPU time, clock) at the last frame
        self.speed = DEFAULT_SPEED
        self.target_step: int | None = None  # running forward to this step (g)
        self.log_scale = False
        self.autostart = autostart
        self._play_timer: Timer | None = None
        self._notice = ""
        self._shown: tuple | None = None  # what the panels last drew, to skip identical redraws
        self._key_states: tuple = ()
        self._nonfinite_stop: tuple[int, int] | None = None  # (generation, pause) a run stopped at
        self._played_from = (-1, 0)  # (generation, pause) where the last play began
        self._stepped_at = 0.0  # clock when the last single phase or step (space, s) began
        # space/n and s pressed while the last one still runs (a burst from a stalled SSH link): run
        # each in turn at the next pauses rather than drop them.
        self._queued_steps: list[str] = []
        self._escape_at = -1.0  # clock of the last escape key (see SEQUENCE_TAIL)
        self._in_tail = False  # the keys since that escape were the rest of a sequence
        # Quitting (`q`, a signal): Textual mounts nothing from then on, so a signal that came as the
        # app started can leave the panels unmounted, and what reaches for them must not.
        self.quitting = False

    # --- layout ----------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield PhaseStrip(id="phases")
        with Horizontal(id="body"):
            with Vertical(id="left"):
                yield ErrorPanel(id="error")
                yield CodeView(self.session.source, id="code")
                yield TeachingViews(id="teaching")
            with Vertical(id="right"):
                yield ParamsView(id="params")
                yield GradsView(id="grads")
                yield LossPlot(id="loss")
        yield WarningsBar(id="warnings")
        yield Notice(lesson_hint(self.session.source), id="notice")
        yield StatusBar(id="status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        if self.quitting:  # (a signal as the screen went up: nothing to set up, no script to start)
            return
        terminal.setup(self)
        self.leave_room_for_the_panels(self.size)
        self.leave_room_for_the_loss()
        # Back from ctrl+z (fg): the terminal shows the shell's screen, so draw every row again.
        self.app_resume_signal.subscribe(self, lambda app: self._resumed())
        self.update_view()
        if self.autostart:
            # Start the session after the first frame is drawn: its worker imports torch, which holds
            # the interpreter for seconds and would otherwise delay the first paint.
            self.call_after_refresh(self.start_session)

    def start_session(self) -> None:
        generation = self.generation

        def listener(event: SessionEvent) -> None:  # runs in the script's thread
            waiting = isinstance(event, Paused) and event.waiting
            if self.continuing and not waiting and isinstance(event, (Paused, Output)):
                return  # a run at full speed is drawn by its timer; only where it stops is news
            reason = event.reason if waiting else None
            self.post_message(SessionChanged(generation, waiting, reason))

        self.session.listener = listener
        # The script's signal handlers are set by this (the main) thread, in the app's loop.
        loop = asyncio.get_running_loop()
        session = self.session
        session.main_thread_serves = True
        session.wake_main = lambda: loop.call_soon_threadsafe(session.run_main_thread_calls)
        self.session.pause_on_nonfinite = True  # running, playing or `s` stops at the first NaN/Inf
        self.session.skip_unseen_views = True  # a run at full speed takes the views only where it stops
        if self.session.mode == "continue":
            self.start_continuing()  # `--until-step` and friends: run to the first breakpoint
        self.session.start()
        self.update_view()

    def on_resize(self, event: events.Resize) -> None:
        if self.quitting:
            return
        terminal.check_size(self, event.size)  # runs before Textual's own handler updates app.size
        self.leave_room_for_the_panels(event.size)
        self.leave_room_for_the_loss(event.size)

    def leave_room_for_the_loss(self, size: Size | None = None) -> None:
        """Parameters and gradients may each take half the right column, but not the loss plot's
        last LOSS_ROWS rows: at 80×24 a model with a few tensors had filled the column and the loss
        plot was gone. The column is the terminal (`size`, by default the app's) less the rows above
        and below it, a warning's included: worked out, not read from the last layout, so that one
        layout settles it (a second, after a Resize, made the loss plot's ticks differ by timing)."""
        if self.quitting:  # (the panels may not be there)
            return
        size = size or self.size
        column = size.height - 4 - self.query_one(WarningsBar).rows_at(size.width)
        if column <= 0:  # (not laid out yet)
            return
        params, grads = self.query_one(ParamsView), self.query_one(GradsView)
        if self.focused is params:  # (while the learner walks the tree, the tree comes first)
            heights = (column // 2, column // 2)
        else:
            heights = split_rows(column - LOSS_ROWS, params.rows_wanted(), grads.rows_wanted())
        for panel, most in zip((params, grads), heights, strict=True):
            if panel.styles.max_height != most:
                panel.styles.max_height = most

    def leave_room_for_the_panels(self, size: Size) -> None:
        """A warning may take what the right column can spare: its panels need 4 rows each and the
        loss plot LOSS_ROWS (below that, one of them lost its border or went off the screen)."""
        if size.height > 0 and not self.quitting:
            self.query_one(WarningsBar).fit_to(size.height - 4 - (4 + 4 + LOSS_ROWS))

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self.leave_room_for_the_loss()

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        self.leave_room_for_the_loss()

    def on_unmount(self) -> None:
        self.session.listener = None
        self.session.stop(timeout=0.5)

    # --- what is on screen -----------------------------------------------------------------------------

    @property
    def shown_index(self) -> int | None:
        """The index in history of the pause on screen (None before the first pause)."""
        count = len(self.session.history)
        if count == 0:
            return None
        return self.cursor if self.cursor is not None else count - 1

    @property
    def live(self) -> bool:
        return self.cursor is None

    @property
    def settled(self) -> bool:
        """The script waits at a pause (or has ended), nothing is running, and the screen shows it."""
        session = self.session
        if session.state not in ("paused", "finished") or self.running:
            return False
        shown = self._shown
        return shown is not None and shown[:2] == (self.generation, self.current_frame().index)

    @property
    def running(self) -> bool:
        """The app is letting the script run on: continuing (c), playing (>) or running to a step (g)."""
        return self.continuing or self.playing or self.target_step is not None

    def current_frame(self) -> Frame:
        session = self.session
        return frame_at(session.source, session.history, self.cursor, session.end, session.source_of)

    def state(self) -> tuple[str, str]:
        """The status badge: (state key, label)."""
        session = self.session
        if session.end is not None:
            end = session.end
            if end.status == "error":
                return "error", f"error: {end.error.type}" if end.error else "error"
            how = "stopped" if end.stopped else "exited" if end.exited else "finished"
            return "finished", f"{how} after {end.steps} steps"
        if session.state in ("idle", "loading"):
            return "loading", "loading PyTorch…"
        if self.continuing:
            return "running", f"▶▶ running{self.run_rate()}"
        if self.playing:
            return "playing", f"▶ playing {SPEEDS[self.speed]}/s"
        if self.target_step is not None:
            return "running", f"running to step {self.target_step}…"
        if session.state == "running":
            return "running", "running…" if session.history else "starting the script…"
        return "paused", "paused"

    def update_view(self) -> None:
        if not self.query(PhaseStrip):
            return  # a timer fired as the app closes (its panels are gone): nothing to draw
        frame = self.current_frame()
        key = (self.generation, frame.index, frame.error, self.log_scale)
        if key != self._shown:
            self._shown = key
            self.query_one(PhaseStrip).show(frame)
            self.query_one(WarningsBar).show(frame)  # (first: the rows it takes are the column's)
            self.query_one(ErrorPanel).show(frame)
            self.query_one(CodeView).show(frame)
            self.query_one(ParamsView).show(frame)
            self.query_one(GradsView).show(frame)
            self.query_one(LossPlot).show(frame, self.log_scale)
            self.query_one(TeachingViews).show(frame)
            self.leave_room_for_the_loss()
        code = self.query_one(CodeView)
        in_script = code.source is self.session.source  # (line breakpoints are the script's own)
        code.show_breakpoints(self.session.breakpoints.lines if in_script else frozenset())
        state, label = self.state()
        count = len(self.session.history)
        live = self.live or frame.index == count - 1
        knobs = self.session.knobs if live else frame.snapshot.knobs
        info = StatusInfo(state, label, frame.snapshot, frame.index, count, live, knobs)
        if state == "running" and not self.running and time.monotonic() - self._stepped_at < QUIET_RUN:
            self.set_timer(QUIET_RUN, self.update_view)  # still running by then: say so
        else:
            self.query_one(StatusBar).show(info)
        self.query_one(Notice).say(self._notice)
        # The footer rebuilds itself on refresh_bindings (costly): only when a key's state changed.
        keys = tuple(self.check_action(binding.action, ()) for binding in self.BINDINGS)
        if keys != self._key_states:
            self._key_states = keys
            self.refresh_bindings()

    def say(self, message: str) -> None:
        self._notice = message

    # --- the session talking ---------------------------------------------------------------------------

    def on_session_changed(self, message: SessionChanged) -> None:
        if message.generation != self.generation:
            return
        session = self.session
        if message.waiting and session.state != "paused":
            # The engine tells us about a pause just before the script starts waiting there, and a
            # command sent in between would be lost; look again in a moment.
            self.set_timer(0.002, lambda: self.on_session_changed(message))
            return
        if message.reason and self.target_step is None:
            # A breakpoint (--until-step, --until-loss, --break, x) or a NaN stopped the run: say which.
            self.say(f"Stopped: {message.reason}. c runs on, space/n one phase.")
        if self.continuing and session.state == "paused":
            self.stop_running()  # a run at full speed stopped by itself (the reason says where)
        if session.finished:
            if self.running:
                self.stop_running_at_the_end()
        elif session.state == "paused" and self.target_step is not None and not self.stop_at_nonfinite():
            if self.live_step() >= self.target_step:
                self.say(f"Reached step {self.target_step}.")
                self.target_step = None
            else:
                session.next_step()
        elif session.state == "paused" and self._queued_steps and not self.running:
            if message.reason or not self.live:  # a breakpoint or NaN stop: the learner looks first
                self._queued_steps.clear()
            else:
                self._single(self._queued_steps.pop(0))
                return
        if self.playing and SPEEDS[self.speed] > RUNNING_FPS:
            self._draw_playing()
        else:
            self.update_view()

    def _draw_playing(self) -> None:
        """Draw the latest pause, at most RUNNING_FPS times a second, as a run at full speed is drawn.

        At 32 or 64 phases a second a frame per pause is faster than anyone reads, and at 80×24 it
        wrote 55–105 KiB a second: a slow SSH link falls behind and the keys lag. A pause that comes
        sooner is drawn when the frame interval is up (the latest one by then)."""
        wait = self._play_drawn + 1 / RUNNING_FPS - self._clock()
        if wait <= 0:
            self._draw_played()
        elif self._play_draw_timer is None:
            self._play_draw_timer = self.set_timer(wait, self._draw_played)

    def _draw_played(self) -> None:
        self._play_draw_timer = None
        self._play_drawn = self._clock()
        self.update_view()

    def action_suspend_process(self) -> None:
        guard.screen_shown(False)  # (ctrl+z: the shell has the terminal until `fg`)
        self.suspended = True
        self.suspend_asked = True
        try:
            super().action_suspend_process()  # (sends SIGTSTP, whose handler runs before it returns)
        finally:
            self.suspend_asked = False

    def _resumed(self) -> None:
        self.suspended = False
        guard.screen_shown(True)
        self.action_redraw()

    def stop_at_nonfinite(self) -> bool:
        """Playing or running to a step stops (once) at the pause where NaN/Inf first appeared."""
        history = self.session.history
        if not history or not (self.playing or self.target_step is not None):
            return False
        where = (self.generation, history[-1].index)
        if where == self._nonfinite_stop or not any(w.code == NONFINITE for w in history[-1].warnings):
            return False
        self._nonfinite_stop = where
        self.stop_running()
        self.say("Stopped where NaN/Inf first appeared (see the warning). space/n or c go on.")
        self.update_view()
        return True

    def live_step(self) -> int:
        history = self.session.history
        return history[-1].step if history else 0

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded and self._sequence_tail(event):
            return
        # "Any key pauses": while playing or running to a step, a key other than the speed keys stops
        # the run and does nothing else, so the learner can stop exactly where they are.
        if (
            isinstance(event, events.Key)
            and not event.is_forwarded
            and self.running
            and event.key not in KEEP_PLAYING
            and len(self.screen_stack) == 1
        ):
            self.stop_running()
            if self.session.state == "running":
                self.session.pause()  # a run to a step stops at the very next pause, not the next update
            self.say("Paused. space/n: next phase · c: run on")
            self.update_view()
            return
        running = self.session.state == "running" and len(self.screen_stack) == 1
        if isinstance(event, events.Key) and not event.is_forwarded and event.key == "p" and running:
            # A long `s` (no update for many phases) is stopped by p too; the footer does not grey p
            # on and off around every short run, so this is handled before the bindings.
            self.session.pause()
            self.say("Pausing at the next pause…")
            self.update_view()
            return
        await super().on_event(event)

    def _sequence_tail(self, event: events.Key) -> bool:
        """Is this key the rest of an escape sequence that a slow link split (a mouse report or an
        arrow key whose bytes came too far apart, read as escape then `[`, `<`, digits, `M`…)? Those
        are ignored for a moment after an escape: `[` alone would divide the learning rate by 10."""
        now = time.monotonic()
        if event.key == "escape":
            self._escape_at, self._in_tail = now, False
            return False
        chars = SEQUENCE_CHARS if self._in_tail else SEQUENCE_STARTS
        if now - self._escape_at < SEQUENCE_TAIL and event.character and event.character in chars:
            self._escape_at, self._in_tail = now, True  # (the rest of the same sequence may still come)
            return True
        self._in_tail = False
        return False

    # --- which keys apply now --------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        covered = type(self.screen).__name__ == "TooSmallScreen"  # (screens load when first used)
        if covered and action not in ("quit", "redraw", "suspend_process"):
            return False  # keys would act on the screen it covers, unseen
        session = self.session
        # A phase runs in about a millisecond: the keys stay lit while it does (greying them for that
        # moment would rebuild the footer twice per key press). Pressing one then does nothing.
        can_run = session.state in ("paused", "running") and not self.running
        browsing = not self.live
        enabled = {
            "next_phase": can_run or (browsing and not session.finished),
            "next_step": can_run or (browsing and not session.finished),
            "continue_run": can_run or self.continuing,
            "play": can_run or self.playing,
            "pause": self.running,
            "back": (self.shown_index or 0) > 0,
            "forward": browsing,
            "go_to_step": bool(session.history),
            "faster": self.speed < len(SPEEDS) - 1,
            "slower": self.speed > 0,
        }.get(action, True)
        return True if enabled else None  # None: shown greyed out in the footer

    # --- actions ---------------------------------------------------------------------------------------

    def return_to_live(self) -> bool:
        """Stepping from a past pause first comes back to the live one (and says so). True if it did."""
        if self.live:
            return False
        self.cursor = None
        self.say("Back at the live pause (b/← looks back again). Press the key again to run on.")
        self.update_view()
        return True

    def action_next_phase(self) -> None:
        self._single("phase")

    def action_next_step(self) -> None:
        self._single("step")

    def _single(self, what: str) -> None:
        """One phase or one step; pressed again while the last still runs, it waits its turn."""
        if self.return_to_live():
            return
        state = self.session.state
        if state == "paused":
            self.say("")
            self._stepped_at = time.monotonic()
            self.session.next_phase() if what == "phase" else self.session.next_step()
            self.update_view()
        elif state == "running" and not self.running and len(self._queued_steps) < MAX_QUEUED:
            self._queued_steps.append(what)

    def action_continue_run(self) -> None:
        if self.continuing:  # (a key pauses before it gets here; the footer's `c` comes here)
            self.action_pause()
            return
        if self.return_to_live() or self.session.finished:
            return
        self.say("Running to a breakpoint, NaN/Inf or the end: any key pauses.")
        self.start_continuing()
        self.session.continue_()
        self.update_view()

    def start_continuing(self) -> None:
        """Let the script run on by itself; a timer redraws the screen from the latest pause meanwhile."""
        self.continuing = True
        history = self.session.history
        self._run_from = (time.monotonic(), history[-1].step if history else 0)
        self._drawn_at = (time.thread_time(), time.monotonic())
        if self._run_timer is None:
            self._run_timer = self.set_interval(1 / RUNNING_FPS, self._running_tick)

    def _running_tick(self) -> None:
        cpu, now = time.thread_time(), time.monotonic()
        if cpu - self._drawn_at[0] > RUNNING_DRAW_SHARE * (now - self._drawn_at[1]):
            return  # drawing the last frame took more than its share: skip this one
        self._drawn_at = (cpu, now)
        self.update_view()

    def run_rate(self) -> str:
        """` · 1,234 steps/s` for the run going on, once it has run long enough to say."""
        started, step = self._run_from
        seconds = time.monotonic() - started
        steps = self.live_step() - step
        return f" · {steps / seconds:,.0f} steps/s" if seconds > 0.5 and steps > 0 else "…"

    def action_toggle_breakpoint(self) -> None:
        code = self.query_one(CodeView)
        line = code.cursor_line
        if line is None:
            self.say("No line yet: the code panel's cursor appears with the first pause.")
            self.update_view()
            return
        if code.source is not self.session.source:
            name = self.session.source.display_name
            self.say(f"Breakpoints are lines of {name} only; this is {code.source.display_name}.")
        elif line not in self.session.breakpoints.lines and not self.session.source.has_code(line):
            self.say(f"Line {line} has no code: ↑/↓ move the cursor to a line that runs.")
        elif self.session.breakpoints.toggle_line(line):
            # A run stops only at a pause, so a line where none happens would never stop it: say so.
            seen = any(snapshot.line == line for snapshot in self.session.history)
            where = "" if seen else " (no pause has happened there yet)"
            self.say(f"Breakpoint on line {line}{where}. c runs to it, x removes it.")
        else:
            self.say(f"Breakpoint on line {line} removed.")
        self.update_view()

    def action_play(self) -> None:
        if self.playing:
            self.stop_running()
            self.update_view()
            return
        if self.return_to_live() or self.session.finished:
            return
        self.playing = True
        self._played_from = (self.generation, len(self.session.history) - 1)
        self.say(f"Playing at {_rate(SPEEDS[self.speed])}: + / - change speed, any key pauses.")
        self._restart_timer()
        self.update_view()

    def action_pause(self) -> None:
        self.stop_running()
        if self.session.state == "running":
            self.session.pause()
        self.update_view()

    def stop_running(self) -> None:
        self.playing = False
        self.continuing = False
        self.target_step = None
        if self._run_timer is not None:
            self._run_timer.stop()
            self._run_timer = None
        if self._play_timer is not None:
            self._play_timer.stop()
            self._play_timer = None

    def _restart_timer(self) -> None:
        if self._play_timer is not None:
            self._play_timer.stop()
        self._play_timer = self.set_interval(1 / SPEEDS[self.speed], self._play_tick)

    def _play_tick(self) -> None:
        session = self.session
        if session.finished:
            self.stop_running_at_the_end()
            self.update_view()
        elif session.state == "paused" and not self.stop_at_nonfinite() and not self.stop_at_breakpoint():
            session.next_phase()

    def stop_at_breakpoint(self) -> bool:
        """Playing stops at the run's breakpoints (--break, --until-step, --until-loss), as `s` does.

        The engine checks breakpoints only while it runs on by itself; playing is one phase at a time,
        so the app looks at each new pause itself (the loss condition: where it first holds)."""
        history, breakpoints = self.session.history, self.session.breakpoints
        generation, start = self._played_from
        if generation != self.generation or len(history) - 1 <= start:
            return False
        now, before = history[-1], history[-2] if len(history) > 1 else None
        reason = None
        if breakpoints.until_step == now.step and "step" in now.phases:
            reason = f"reached step {now.step}"
        elif now.line in breakpoints.lines and now.file == self.session.source.path:
            reason = f"breakpoint on line {now.line}"
        elif breakpoints.loss is not None and now.loss is not None:
            op, value = breakpoints.loss

            def met(loss: float | None) -> bool:
                return loss is not None and (loss < value if op == "<" else loss > value)

            if met(now.loss) and not (before is not None and met(before.loss)):
                reason = f"loss {op} {value:g} (it is {now.loss:.6g})"
        if reason is None:
            return False
        self.stop_running()
        self.say(f"Stopped: {reason}. space/n or c go on.")
        self.update_view()
        return True

    def stop_running_at_the_end(self) -> None:
        """The run ended while playing or running to a step: say so (not "Running to step…" forever)."""
        end = f"The run ended at step {self.live_step()}"
        if self.target_step is not None and self.live_step() < self.target_step:
            end += f", before step {self.target_step}"
        raised = self.session.end is not None and self.session.end.status == "error"
        if paused_lines(self.session) is not None:  # (no breakpoint line paused: why none stopped it)
            missed = lines_text(sorted(self.session.breakpoints.lines))
            end += f"; {missed} never paused, so no breakpoint stopped it"
        self.say(end + (": the script raised." if raised else "."))
        self.stop_running()

    def action_faster(self) -> None:
        self._change_speed(+1)

    def action_slower(self) -> None:
        self._change_speed(-1)

    def _change_speed(self, delta: int) -> None:
        self.speed = max(0, min(len(SPEEDS) - 1, self.speed + delta))
        self.say(f"Speed: {_rate(SPEEDS[self.speed])}.")
        if self.playing:
            self._restart_timer()
        self.update_view()

    def action_back(self) -> None:
        index = self.shown_index
        if index is None or index == 0:
            self.say("This is the first pause." if index == 0 else "")
        else:
            self.cursor = index - 1
            self.say("Looking back: f/→ goes forward, space/n/s return to the live pause first.")
        self.update_view()

    def action_forward(self) -> None:
        if self.live:
            self.say("Already at the live pause.")
        else:
            self.cursor += 1
            if self.cursor >= len(self.session.history) - 1:
                self.cursor = None
                self.say("Back at the live pause.")
        self.update_view()

    def action_go_to_step(self) -> None:
        from .screens.goto import GoToStepScreen  # screens are imported when first shown: a faster start

        self.push_screen(GoToStepScreen(self.live_step()), self.go_to_step)

    def go_to_step(self, step: int | None) -> None:
        """Show the pause just after update `step` (step 0: the first pause), running forward if needed."""
        if step is None:
            return
        history = self.session.history
        step = max(0, step)
        if step <= self.live_step():
            index = pause_after_step(history, step)
            self.cursor = None if index >= len(history) - 1 else index
            self.say(f"Step {step}: pause {index + 1} of {len(history)}.")
        elif self.session.finished:
            self.say(f"The run ended at step {self.live_step()}; there is no step {step}.")
        else:
            self.cursor = None
            self.target_step = step
            self.say(f"Running to step {step}… (any key stops)")
            if self.session.state == "paused":
                self.session.next_step()
        self.update_view()

    def action_restart(self) -> None:
        old = self.session
        self.stop_running()
        old.listener = None
        breakpoints = old.breakpoints.fresh()  # the same breakpoints, as at the first start
        self.session = Session(
            old.source, seed=old.seed, max_steps=old.max_steps, argv=old.argv, views=old.views,
            history_mb=old.history_mb, stats_budget=old.stats_budget,
            breakpoints=breakpoints, mode="continue" if breakpoints.describe() else "phase",
        )  # fmt: skip
        self.generation += 1
        self.cursor = None
        guard.output_left()  # (what the old run printed is not printed again, as `q` would not)
        self.say("Restarted the script from the start.")
        self.update_view()
        self._replace_session(old, self.session)

    @work(thread=True, group="restart")
    def _replace_session(self, old: Session, new: Session) -> None:
        # Off the UI thread: the old script stops at its next line, which may take a moment if it is
        # inside a long computation. The new one starts only after, as both would patch torch.
        old.stop(timeout=10.0)
        self.call_from_thread(self._start_if_current, new)

    def _start_if_current(self, session: Session) -> None:
        if session is self.session and session.state == "idle":
            self.start_session()

    def action_toggle_log(self) -> None:
        self.log_scale = not self.log_scale
        self.say(f"Loss plot: {'log' if self.log_scale else 'linear'} scale.")
        self.update_view()

    def action_toggle_view(self, name: str) -> None:
        shown = self.query_one(TeachingViews).toggle(name)
        if not shown and self.focused is None:
            self.query_one(CodeView).focus()  # hiding it took the focus away: ↑/↓ move its cursor again
        key = VIEW_KEYS[name]
        self.say(f"{key} again shows the code." if shown else f"Code panel back ({key} shows the view).")
        self.update_view()

    def action_redraw(self) -> None:
        """ctrl+l (and after a suspend): draw the whole screen again, as after a resize; the panels
        otherwise repaint only the rows that change, so a stray message over them (`wall`) stayed."""
        self.screen.refresh(layout=True)
        for widget in self.screen.walk_children():
            widget.refresh()

    def action_lr_up(self) -> None:
        self._scale_lr(up=True)

    def action_lr_down(self) -> None:
        self._scale_lr(up=False)

    def _scale_lr(self, up: bool) -> None:
        history = self.session.history
        if self.session.finished:
            self.say("The run has ended: knobs change a running script.")
        elif not history or history[-1].optimizer is None:
            self.say("No torch.optim optimizer found (yet): the lr knob scales an optimizer's lr.")
        else:
            self.session.scale_lr(up)
            lr = next((k for k in self.session.knobs if k.startswith("lr")), None)
            now = f"now {lr} the script's own" if lr else "back to the script's own"
            self.say(f"Learning rate {'×' if up else '÷'}10 ({now}), from the next step. ] and [ change it.")
        self.update_view()

    def action_skip_zero_grad(self) -> None:
        if self.session.finished:
            self.say("The run has ended: knobs change a running script.")
        else:
            skip = "zero_grad skipped" not in self.session.knobs
            self.session.skip_zero_grad(skip)
            if skip:
                self.say("zero_grad now does nothing: each backward adds onto .grad. z turns it back on.")
            else:
                self.say("zero_grad clears the gradients again.")
        self.update_view()

    def action_output(self) -> None:
        from ..engine import output
        from .screens.output import OutputScreen

        output.drain()  # (a shell command's output still in its pipe)
        self.push_screen(OutputScreen(self.session.output))

    def action_focus_tree(self) -> None:
        params = self.query_one(ParamsView)
        if params.can_focus:
            params.focus()
            return
        panels = [params, self.query_one(GradsView)]
        if any(panel.overflowing for panel in panels):
            # A small model whose values do not all fit this terminal: the tree shows one line per
            # tensor (and the selected one's values under it), for this model too from now on.
            params.tree.forced = True
            for panel in panels:
                panel._rebuild()
            params.focus()
            return
        # A small model's parameters are all on screen already: say so rather than do nothing.
        self.say("Every parameter fits on screen: the tree (t) is for big models' many tensors.")
        self.update_view()

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        self.push_screen(HelpScreen())

    def action_save_screenshot(self) -> None:
        # (Into the folder stepper started in, even while the script runs in another it moved to.)
        name = f"stepper-pause-{(self.shown_index or 0) + 1}.svg"
        path = self.save_screenshot(filename=name, path=self.start_dir)
        self.say(f"Saved {os.path.relpath(path, self.start_dir)}")
        self.update_view()

    def action_export(self) -> None:
        from .exporting import export_to, timestamped_directory

        self.say(export_to(self, timestamped_directory(self.start_dir), self.start_dir)[1])
        self.update_view()

    def action_quit(self) -> None:
        self.quitting = True
        terminal.export_on_exit(self)  # --export DIR: the screen as it was, before anything stops
        self.stop_running()
        self.session.listener = None
        self.session.stop(timeout=0.5)
        self.exit(return_code=self.exit_status())

    def exit_status(self) -> int:
        end = self.session.end
        return 0 if end is None else end.exit_code  # (the script's own sys.exit(N) gives N)


def _rate(phases: int) -> str:
    return "1 phase a second" if phases == 1 else f"{phases} phases a second"


def split_rows(room: int, wanted: int, other: int) -> tuple[int, int]:
    """The most rows each of two panels stacked in `room` may take, given the rows each wants: each
    all it wants when both fit; else the one that wants less than half all it wants, the other the
    rest; else half each. Never under 4 (a border, and two lines of a tensor)."""
    if wanted + other > room:
        half = room // 2
        if wanted <= half:
            other = room - wanted
        elif other <= half:
            wanted = room - other
        else:
            wanted = other = half
    return max(4, wanted), max(4, other)


def lesson_hint(source: ScriptSource) -> str:
    """A built-in lesson's one-line title, shown when there is no message (else the default hint)."""
    if not source.lesson:
        return ""
    try:
        title = (ast.get_docstring(ast.parse(source.text)) or "").strip().split("\n")[0]
    except SyntaxError:
        return ""
    return f"{source.lesson}: {title}  (? for help)" if title else ""


def pause_after_step(history, step: int) -> int:
    """Index of the pause that reports update number `step` (0: the first pause)."""
    if step <= 0 or not history:
        return 0
    for snapshot in history:
        if snapshot.step >= step and "step" in snapshot.phases:
            return snapshot.index
    for snapshot in history:
        if snapshot.step >= step:
            return snapshot.index
    return len(history) - 1


def run_app(session: Session, options: TerminalOptions | None = None) -> int:
    """Run the app on `session` until the learner quits. Exit status as python's for the script (1
    when it raised, N after its sys.exit(N)), 128 + the signal's number after SIGTERM, SIGHUP or
    SIGINT."""
    from ..engine.output import capture_fds

    app = StepperApp(session, options=options)
    # While the screen is up, fds 1 and 2 are pipes: what the script's shell commands and C code
    # write is kept with its prints, not drawn over the screen; Textual draws on a duplicate of the
    # real stderr (sys.__stderr__ meanwhile). Leaving the block puts them back and delivers the rest.
    with (
        capture_fds(),
        terminal.screen_on_stdout(),
        terminal.signals_quit(app) as received,
        terminal.signals_wake_the_loop(app),
        terminal.job_control(app),
    ):
        guard.screen_shown(True)
        try:
            app.run()
        finally:  # (Textual has taken its screen down, also when an exception leaves it)
            guard.screen_shown(False)
    from ..serve import served

    if not served():  # (a browser tab has no terminal to leave it in; the pipe carries only packets)
        leave_output_behind(app.session)
        guard.output_left()
    if app.export_message:
        print(f"stepper: {app.export_message}", file=sys.stderr)
    app.session.wait_thread_gone()
    if received:
        return 128 + received[0]
    if app.return_code not in (None, 0):
        return app.return_code
    status = app.exit_status()
    return 1 if status == 0 and app.export_failed else status


def leave_output_behind(session: Session) -> None:
    """Once the screen is gone, what the script printed is printed for real, in order (as `python`
    would have left it in the terminal; the screen only showed it on its output page), and an error
    that ended the run is said again in words."""
    from ..engine.output import unwrap, write_pieces
    from ..frontends.transcript import error_paragraph

    streams = {"stdout": unwrap(sys.stdout), "stderr": unwrap(sys.stderr)}
    write_pieces(list(session.output), streams)  # (a copy: a stopped script may still be printing)
    end = session.end
    if end is not None and end.error is not None:
        streams["stderr"].write(error_paragraph(end, session.source.display_name) + "\n")
    for stream in streams.values():
        stream.flush()
