"""The `w` key (and `--export DIR` on quitting): write the session with a screenshot of the screen.

The files come from `stepper.export.export_session`, the same as every front end's export; the app
adds what only it has, an SVG of the screen as the learner sees it now.
"""

from __future__ import annotations

import os
import time

from textual.app import App

from ..export import export_session


def timestamped_directory(base: str = ".", now: float | None = None) -> str:
    """`stepper-export-YYYYMMDD-HHMMSS` in `base`; `-2`, `-3`, … when that one exists already."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    path = os.path.join(base, f"stepper-export-{stamp}")
    count = 1
    while os.path.exists(path if count == 1 else f"{path}-{count}"):
        count += 1
    return path if count == 1 else f"{path}-{count}"


def export_to(app: App, directory: str, start_dir: str | None = None) -> tuple[bool, str]:
    """Export the app's session to `directory`; returns whether it was written, and what to tell the
    learner (a path shown from `start_dir`, the folder stepper started in, when given)."""
    try:
        svg = app.export_screenshot()
    except Exception:  # the screen is not drawable (headless start, shutting down): export without it
        svg = None
    try:
        result = export_session(app.session, directory, screenshot_svg=svg)
    except OSError as exc:
        return False, f"Could not export to {directory}: {exc.strerror or exc}"
    where = result.directory
    if start_dir is not None and result.directory.startswith(os.path.join(start_dir, "")):
        where = os.path.relpath(result.directory, start_dir)
    elif start_dir is None and not os.path.isabs(directory):
        where = os.path.relpath(result.directory)
    what = "transcript, loss CSV, trace, output, screenshot"
    return True, f"Exported {len(result.files)} files to {where}/ ({what})"
