"""Save an SVG picture of the app on the default lesson (the README's screenshot).

    python -m stepper.tui.screenshot docs/screenshot.svg --size 100x30 --step 20 --phase backward

Runs the app headless with seed 0, goes to the given step and phase, and has the app save a
screenshot of itself (Textual's `save_screenshot`), so the picture is exactly what a learner sees.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time

from ..engine import PHASES, Session, load_script
from ..lessons import find_lesson
from .app import StepperApp


async def _settle(app: StepperApp, pilot, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not app.settled:
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not reach a pause")
        await asyncio.sleep(0.01)
        await pilot.pause()
    await pilot.pause()


async def take(path: str, size: tuple[int, int], step: int, phase: str, lesson: str) -> str:
    source = load_script(find_lesson(lesson).path, lesson=lesson)
    app = StepperApp(Session(source, seed=0))
    async with app.run_test(size=size) as pilot:
        await _settle(app, pilot)
        if step > 0:
            await pilot.press("g", *str(step), "enter")
            await _settle(app, pilot)
        # From the pause just after update `step`, run on to the wanted phase of the next iteration.
        for _ in range(PHASES.index(phase) + 1 if step > 0 else PHASES.index(phase)):
            await pilot.press("space")
            await _settle(app, pilot)
        app.say("")
        app.update_view()
        await pilot.pause()
        folder, name = os.path.split(os.path.abspath(path))
        return app.save_screenshot(filename=name, path=folder)


def main() -> None:
    parser = argparse.ArgumentParser(description="Save an SVG screenshot of stepper on a lesson.")
    parser.add_argument("path", nargs="?", default="docs/screenshot.svg")
    parser.add_argument("--size", default="100x30", help="terminal size, COLUMNSxROWS")
    parser.add_argument("--step", type=int, default=20, help="after this many updates")
    parser.add_argument("--phase", default="backward", choices=PHASES)
    parser.add_argument("--lesson", default="linear")
    args = parser.parse_args()
    columns, rows = (int(n) for n in args.size.lower().split("x"))
    print(asyncio.run(take(args.path, (columns, rows), args.step, args.phase, args.lesson)))


if __name__ == "__main__":
    main()
