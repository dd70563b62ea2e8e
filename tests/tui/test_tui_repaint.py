"""A phase step repaints only what changed: what a slow link (SSH) to the terminal has to carry.

Two views of it: which widgets ask Textual for a repaint, and of how much; and the bytes of the
screen updates a step sends, against a full repaint of the same screen (sizes, not times).
"""

from __future__ import annotations

import pytest
from textual._compositor import CompositorUpdate, LayoutUpdate
from textual.widget import Widget
from tui_helpers import drive, press

from stepper.tui import StepperApp
from stepper.tui.widgets import CodeView, GradsView, LossPlot, ParamsView


class Repaints:
    """Every `Widget.refresh` asked for while recording: the widget and its regions (none: all of it)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[tuple[Widget, tuple]] = []
        self.recording = False
        original = Widget.refresh

        def spy(widget: Widget, *regions, **options):
            if self.recording:
                self.calls.append((widget, regions))
            return original(widget, *regions, **options)

        monkeypatch.setattr(Widget, "refresh", spy)

    async def during(self, pilot, key: str) -> None:
        self.calls.clear()
        self.recording = True
        await press(pilot, key)
        self.recording = False

    def of(self, *widgets: Widget) -> list[tuple]:
        return [regions for widget, regions in self.calls if any(widget is w for w in widgets)]


def rows_of(calls: list[tuple]) -> set[int]:
    return {region.y + dy for regions in calls for region in regions for dy in range(region.height)}


def test_a_phase_step_repaints_the_changed_rows_only(monkeypatch):
    repaints = Repaints(monkeypatch)

    async def body(pilot):
        app = pilot.app
        code, params, grads, loss = (
            app.query_one(kind) for kind in (CodeView, ParamsView, GradsView, LossPlot)
        )
        await press(pilot, "s")  # to just after the first update: the loss plot has a point
        assert loss.canvas is not None

        await repaints.during(pilot, "space")  # → forward
        assert app.session.history[-1].phases == ("forward",)
        # The code panel: the line left and the line just run (its label with it), never the whole
        # panel and its border.
        assert repaints.of(code) and all(regions for regions in repaints.of(code))
        assert len(rows_of(repaints.of(code))) <= 3
        # The parameters lose their "old → new": those rows, not the panel.
        assert repaints.of(params) and all(regions for regions in repaints.of(params))
        # No new loss, no gradient touched: neither panel is painted at all.
        assert repaints.of(loss, loss.canvas) == []
        assert repaints.of(grads) == []

        await repaints.during(pilot, "space")  # → loss: the parameters did not change either
        assert app.session.history[-1].phases == ("loss",)
        assert repaints.of(params, grads, loss, loss.canvas) == []
        assert len(rows_of(repaints.of(code))) <= 3

        await repaints.during(pilot, "space")  # → zero_grad: the gradients' rows change, no border
        assert repaints.of(grads) and all(regions for regions in repaints.of(grads))
        assert repaints.of(loss, loss.canvas) == []

    drive(body)


class Written:
    """The bytes of every screen update the app sends to the terminal while recording (the
    terminal sequences Textual writes; a Pilot app renders them, then leaves them unwritten)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.updates: list[int] = []
        self.recording = False
        original = StepperApp._display

        def spy(app, screen, renderable):
            if self.recording and isinstance(renderable, CompositorUpdate):
                self.updates.append(len(renderable.render_segments(app.console).encode()))
            return original(app, screen, renderable)

        monkeypatch.setattr(StepperApp, "_display", spy)

    async def during(self, pilot, key: str) -> int:
        self.updates.clear()
        self.recording = True
        await press(pilot, key)
        await pilot.pause()
        self.recording = False
        return sum(self.updates)


def full_repaint(app: StepperApp) -> int:
    """The bytes of the whole screen as it is, drawn afresh."""
    strips = app.screen._compositor.render_strips()
    update = LayoutUpdate([[strip] for strip in strips], app.screen.region)
    return len(update.render_segments(app.console).encode())


def test_a_phase_step_writes_a_small_part_of_a_full_repaint(monkeypatch):
    written = Written(monkeypatch)

    async def body(pilot):
        await press(pilot, "s")  # past the first update: every panel has something in it
        for phases in [("forward",), ("loss",), ("zero_grad",), ("backward",)]:  # no new loss to plot
            step = await written.during(pilot, "space")
            assert pilot.app.session.history[-1].phases == phases
            full = full_repaint(pilot.app)
            assert full > 80 * 24  # every cell, at least
            assert 0 < step < 0.4 * full, (phases, step, full)

    drive(body)
