"""SVG snapshots of the teaching views at 80×24, seed 0: each view on the default lesson, the class
regions of the classification lesson, the knobs in the status bar and the warnings bar. Update them
with `pytest tests/tui --snapshot-update` after a deliberate change (and look at the new pictures).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_helpers import make_app, press, settle

from stepper.engine import Session, load_script
from stepper.lessons import find_lesson

SIZE = (80, 24)
TEST_SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"


def keys(*pressed: str):
    """A run_before that waits for the first pause, then presses each key (waiting after each)."""

    async def run_before(pilot) -> None:
        await settle(pilot)
        await press(pilot, *pressed)

    return run_before


def lesson_app(name: str = "linear"):
    return make_app(Session(load_script(find_lesson(name).path, lesson=name), seed=0))


# Each view where it says the most: the update worked out after a step, the fit a few steps in, the
# graph just after the loss extended it, the optimizer's settings.
VIEWS = {
    "explain": ("s", "s", "e"),
    "fit": ("s", "s", "s", "s", "s", "space", "d"),
    "graph": ("s", "space", "space", "a"),
    "optimizer": ("s", "m"),
}


@pytest.mark.parametrize("view", list(VIEWS))
def test_teaching_view(snap_compare, view):
    assert snap_compare(lesson_app(), run_before=keys(*VIEWS[view]), terminal_size=SIZE)


def test_class_regions(snap_compare):
    assert snap_compare(lesson_app("classification"), run_before=keys("s", "s", "s", "d"), terminal_size=SIZE)


def test_knobs_in_the_status_bar(snap_compare):
    run_before = keys("s", "right_square_bracket", "z", "s", "space", "space", "space", "space")
    assert snap_compare(lesson_app(), run_before=run_before, terminal_size=SIZE)


def test_warnings_bar(snap_compare):
    app = make_app(Session(load_script(str(TEST_SCRIPTS / "shape_broadcast.py")), seed=0))
    assert snap_compare(app, run_before=keys("space"), terminal_size=SIZE)
