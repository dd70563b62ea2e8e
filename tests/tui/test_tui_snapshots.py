"""SVG snapshots of the screen: the default lesson after each of the five phases, at 80×24 and 120×40,
plus the help screen and the error panel. Seed 0, no clocks, no blinking cursor: the pictures are
the same on every run. Update them with `pytest tests/tui --snapshot-update` after a deliberate change.
"""

from __future__ import annotations

import pytest
from tui_helpers import make_app, press, script_session, settle

from stepper.engine import PHASES

SIZES = [(80, 24), (120, 40)]


def after_phases(count: int):
    """A run_before that waits for the first pause, then runs `count` more phases."""

    async def run_before(pilot) -> None:
        await settle(pilot)
        await press(pilot, *["space"] * count)

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("phase", PHASES)
def test_lesson_after_each_phase(snap_compare, phase, size):
    # The first pause is just after the first forward; each further phase is one more key press.
    # Phases of the second iteration show more (old → new, a loss curve, grads cleared).
    count = PHASES.index(phase) + len(PHASES)
    assert snap_compare(make_app(), run_before=after_phases(count), terminal_size=size)


def test_help_screen(snap_compare):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("question_mark")

    assert snap_compare(make_app(), run_before=run_before, terminal_size=(80, 24))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_error_panel(snap_compare, size):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await press(pilot, "s", "s", "s")

    app = make_app(script_session("fails_at_step_2.py"))
    assert snap_compare(app, run_before=run_before, terminal_size=size)
