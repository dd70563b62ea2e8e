"""Helpers for the app tests: build an app on a script, wait for the worker, read the screen as text.

The engine's worker imports torch and runs the script in a thread, so a test waits for it to settle
(the script waiting at a pause, and the app showing that pause) before it looks at the screen.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from textual.app import App
from textual.pilot import Pilot

from stepper.engine import Session, load_script
from stepper.lessons import find_lesson
from stepper.tui import StepperApp

HERE = Path(__file__).resolve().parent
SCRIPTS = HERE / "scripts"
# A run that never settles would hang the suite; a safety net, not a speed requirement.
SAFETY_TIMEOUT = 60.0


def lesson_session(**options) -> Session:
    lesson = find_lesson("linear")
    return Session(load_script(lesson.path, lesson="linear"), seed=options.pop("seed", 0), **options)


def script_session(name: str, **options) -> Session:
    return Session(load_script(str(SCRIPTS / name)), seed=options.pop("seed", 0), **options)


def make_app(session: Session | None = None) -> StepperApp:
    return StepperApp(session or lesson_session())


async def settle(pilot: Pilot, timeout: float = SAFETY_TIMEOUT) -> None:
    app = pilot.app
    deadline = time.monotonic() + timeout
    while not app.settled:
        thread = app.session._thread
        if thread is not None and not thread.is_alive() and not app.session.finished:
            raise AssertionError("the engine's worker thread died without finishing the session")
        if time.monotonic() > deadline:
            raise AssertionError(f"the app did not settle (session state {app.session.state!r})")
        await asyncio.sleep(0.01)
        await pilot.pause()
    await pilot.pause()


async def press(pilot: Pilot, *keys: str) -> None:
    """Press each key and wait for the script to reach its next pause."""
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


def screen_lines(app: App) -> list[str]:
    strips = app.screen._compositor.render_strips()
    return ["".join(segment.text for segment in strip).rstrip() for strip in strips]


def screen_text(app: App) -> str:
    return "\n".join(screen_lines(app))


def drive(body, session: Session | None = None, size: tuple[int, int] = (80, 24)) -> StepperApp:
    """Run `body(pilot)` against a fresh app, after the script's first pause (or its end) is on screen."""
    app = make_app(session)

    async def run() -> None:
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await body(pilot)

    asyncio.run(run())
    return app
