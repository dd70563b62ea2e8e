"""The output view (`o`) shows the script's colours, but none of its other escape sequences reach the
terminal: a script's clear-screen code must not wipe stepper's screen. A progress line keeps its
latest state."""

from __future__ import annotations

from tui_helpers import drive, screen_lines, script_session, settle

from stepper.tui.screens.output import OutputScreen, output_text


def test_escape_sequences_other_than_colours_are_dropped_and_colours_kept():
    text = output_text(
        [
            ("stdout", "\x1b[2J\x1b[H\x1b[?1049h\x1b[?25l\x1b[7mhello\x1b[0m\n"),
            ("stdout", "\x1b]0;title\x07\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ \x1b(Bplain\x07\x08\n"),
            ("stdout", "\x1b[38;5;196mred\x1b"),  # (the reset is cut in two writes)
            ("stdout", "[0m after\n"),
            ("stderr", "warn \x1b[32mgreen\x1b[0m\n"),
            ("stdout", "\r 10%\x1b[K\r 50%\x1b[K\r\x1b[1m100%\x1b[0m\n"),
            ("stdout", "\x9b2Jcut \x1b[31"),
        ]
    )
    assert text.plain == "hello\nlink plain\nred after\nwarn green\n100%\ncut 31"
    assert not any(ord(c) < 32 and c not in "\n\t" or 0x7F <= ord(c) <= 0x9F for c in text.plain)
    styled = {text.plain[span.start : span.end]: str(span.style) for span in text.spans}
    assert styled["hello"] == "reverse"
    assert styled["red"] == "color(196)"
    assert styled["green"] == "color(2)" and styled["warn green"] == "bold red"
    assert styled["100%"] == "bold"
    assert "after" not in "".join(styled) and "plain" not in "".join(styled)


def test_the_output_screen_draws_no_escape_codes_of_the_script():
    async def body(pilot):
        app = pilot.app
        await pilot.press("c")
        await settle(pilot)
        assert app.session.finished
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, OutputScreen)
        lines = screen_lines(app)
        shown = "\n".join(lines)
        assert "SCRIPT-SAYS-HELLO" in shown and "red-text then plain" in shown and "progress 3/3" in shown
        assert "progress 1/3" not in shown
        assert "\x1b" not in shown and "\x07" not in shown
        # The script's text is inside the panel, not at the screen's corner.
        assert not lines[0].startswith("SCRIPT-SAYS-HELLO")
        strips = app.screen._compositor.render_strips()
        red = [
            segment.style
            for strip in strips
            for segment in strip
            if "red-text" in segment.text and segment.style is not None
        ]
        # (Textual draws ANSI red in its theme's red.)
        assert red and red[0].color is not None
        r, g, b = red[0].color.get_truecolor()
        assert r > 2 * g and r > 2 * b

    drive(body, script_session("prints_escape_codes.py"), size=(100, 30))
