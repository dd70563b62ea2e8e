"""Browsing back past the history's memory budget: old pauses say they keep only summaries."""

from __future__ import annotations

from tui_helpers import drive, lesson_session, screen_lines, screen_text, settle

from stepper.tui.widgets.fit_plot import NOT_KEPT


def test_an_old_pause_past_the_budget_says_summary_only_and_still_shows_its_statistics():
    # 0.02 MiB holds the newest few pauses of the default lesson whole; older ones become summaries.
    async def body(pilot):
        app = pilot.app
        await pilot.press("g", "8", "enter")
        await settle(pilot)
        history = app.session.history
        assert app.live and history[-1].step == 8
        assert "summary only" not in screen_lines(app)[-2]

        await pilot.press("g", "1", "enter")
        await pilot.pause()
        shown = history[app.shown_index]
        assert shown.step == 1 and shown.summary_only
        status = screen_lines(app)[-2]
        assert "◀ history" in status and "summary only" in status, status
        text = screen_text(app)
        assert "model.weight" in text and "model.bias" in text  # the panels still list every tensor

        await pilot.press("d")  # the data-and-fit view: its arrays were let go for this pause
        await pilot.pause()
        assert " ".join(NOT_KEPT.split()[:6]) in " ".join(screen_text(app).split())

        while not app.live:  # forward to the newest pauses: whole again
            await pilot.press("f")
        await pilot.pause()
        assert not history[app.shown_index].summary_only
        assert "summary only" not in screen_lines(app)[-2]
        await pilot.press("b")
        await pilot.pause()
        assert "◀ history" in screen_lines(app)[-2] and "summary only" not in screen_lines(app)[-2]

    drive(body, lesson_session(history_mb=0.02))
