"""The JSONL writer reuses the text of what consecutive pauses share; what it writes must still be
exactly `json.dumps(snapshot.to_json())`, pause after pause."""

from __future__ import annotations

import json

import pytest
from engine_helpers import run_script

from stepper.frontends.transcript import JsonlWriter


@pytest.mark.parametrize(
    # a plain loop, a run into NaN (non-finite numbers, a warning), several parameter tensors and
    # an lr scheduler (the optimizer's numbers change between pauses), two models
    "name",
    [
        "module_optimizer.py",
        "diverging.py",
        "accumulation_scheduler.py",
        "shape_broadcast.py",
        "two_models.py",
    ],
)
def test_each_line_is_the_snapshot_as_json(name):
    session = run_script(name)
    writer = JsonlWriter()
    for snapshot in session.history:
        line = writer.line(snapshot)
        assert line == json.dumps(snapshot.to_json())


def test_a_changed_optimizer_setting_shows_in_the_next_line():
    session = run_script("accumulation_scheduler.py")
    writer = JsonlWriter()
    lrs = [json.loads(writer.line(snapshot))["optimizer"]["lr"] for snapshot in session.history]
    assert len(set(lrs)) > 1  # the scheduler's lr changes are not hidden by the reused text
