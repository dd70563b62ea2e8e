"""The script's output that does not come from its own thread's `sys.stdout`: prints from threads it
starts, writes to `sys.__stdout__`/`sys.__stderr__`, and its atexit handlers' prints. All of it is the
script's output: under `--jsonl` it goes to stderr (stdout stays JSON), and a session keeps it (the
screen's output view shows that, and prints it on quit)."""

from __future__ import annotations

import atexit
import json
import sys
import threading

import pytest
from engine_helpers import SAFETY_TIMEOUT, run_cli_many, run_session, script_path

from stepper.engine import output

THREADS = "prints_from_threads.py"
DUNDER = "prints_to_dunder_streams.py"
ATEXIT = "atexit_handlers.py"


def in_order(text: str, *pieces: str) -> bool:
    places = [text.find(piece) for piece in pieces]
    return -1 not in places and places == sorted(places)


def printed(session) -> str:
    return "".join(text for _, text in session.output)


@pytest.fixture(scope="module")
def jsonl_runs():
    names = (THREADS, DUNDER, ATEXIT)
    return run_cli_many({name: ["run", script_path(name), "--jsonl"] for name in names})


def assert_pure_json(stdout: str) -> list[dict]:
    lines = stdout.splitlines()
    for line in lines:
        try:
            json.loads(line)
        except ValueError:
            pytest.fail(f"a line on --jsonl's stdout is not JSON: {line!r}\n{stdout}")
    events = [json.loads(line) for line in lines]
    assert events[-1]["event"] == "end" and events[-1]["status"] == "ok", events[-1]
    return events


# --- threads the script starts ------------------------------------------------------------------------


def test_jsonl_prints_from_the_scripts_threads_go_to_stderr_in_order(jsonl_runs):
    result = jsonl_runs[THREADS]
    assert result.returncode == 0, result.stderr
    assert assert_pure_json(result.stdout)[-1]["steps"] == 3
    assert in_order(
        result.stderr,
        "main-before",
        "from-thread",
        "from-grandchild",
        "main-after",
        "tick-0",
        "tick-1",
        "tick-2",
    )
    assert in_order(result.stderr, "from-grandchild", "from-pool-0", "main-after")
    assert in_order(result.stderr, "from-grandchild", "from-pool-1", "main-after")


def test_a_session_keeps_what_the_scripts_threads_print():
    # (What the screen's output view shows and prints on quit.)
    session = run_session(script_path(THREADS))
    assert session.end.status == "ok"
    text = printed(session)
    assert in_order(text, "main-before", "from-thread", "from-grandchild", "main-after", "tick-2")
    assert "from-pool-0" in text and "from-pool-1" in text


def test_a_thread_the_script_starts_writes_to_its_sink_and_any_other_thread_does_not():
    got: list[str] = []

    def child() -> None:
        sys.stdout.write("from-the-scripts-thread\n")

    def script() -> None:
        output.capture_thread(lambda stream, text: got.append(text))
        try:
            thread = threading.Thread(target=child)
            thread.start()
            thread.join(SAFETY_TIMEOUT)
        finally:
            output.release_thread()

    def someone_elses() -> None:  # (stepper's own threads, say: they write where they were writing)
        sys.stdout.write("from-another-thread\n")

    for target in (script, someone_elses):
        thread = threading.Thread(target=target)
        thread.start()
        thread.join(SAFETY_TIMEOUT)
    assert got == ["from-the-scripts-thread\n"]


# --- sys.__stdout__ and sys.__stderr__ ----------------------------------------------------------------


def test_jsonl_writes_to_the_dunder_streams_go_to_stderr(jsonl_runs):
    result = jsonl_runs[DUNDER]
    assert result.returncode == 0, result.stderr
    assert_pure_json(result.stdout)
    for epoch in range(3):
        assert in_order(result.stderr, f"dunder-out-{epoch}", f"dunder-err-{epoch}", f"dunder-bytes-{epoch}")


def test_a_session_under_an_fd_capture_keeps_the_dunder_streams_writes_and_gives_them_back():
    # (The screen runs its sessions inside capture_fds, as here; stepper's own writes to
    # sys.__stderr__, Textual's frames, still reach the real stream.)
    real = sys.__stdout__, sys.__stderr__
    with output.capture_fds() as capture:
        assert capture is not None
        session = run_session(script_path(DUNDER))
    assert (sys.__stdout__, sys.__stderr__) == real
    assert session.end.status == "ok"
    kept = {stream: "".join(t for s, t in session.output if s == stream) for stream in ("stdout", "stderr")}
    for epoch in range(3):
        assert in_order(kept["stdout"], f"dunder-out-{epoch}", f"dunder-bytes-{epoch}")
        assert f"dunder-err-{epoch}" in kept["stderr"]


# --- atexit ---------------------------------------------------------------------------------------------


def test_jsonl_atexit_handlers_run_as_the_run_ends_last_first_once_on_stderr(jsonl_runs):
    result = jsonl_runs[ATEXIT]
    assert result.returncode == 0, result.stderr
    assert_pure_json(result.stdout)
    err = result.stderr
    assert in_order(
        err, "script-done", "atexit-handler-raised", "atexit-second-registered", "atexit-first-registered"
    )
    for text in ("atexit-second-registered", "atexit-first-registered"):
        assert err.count(text) == 1, err
    assert "atexit-unregistered" not in err
    assert in_order(err, "script-done", "atexit-pickled", "atexit-handler-raised")
    # (Reported as Python reports an exception in an atexit handler, and the others still ran.)
    assert "Exception ignored in atexit callback" in err


def test_each_run_runs_its_own_atexit_handlers_and_leaves_none_to_the_interpreter():
    # A restart is a new session in the same process: handlers do not pile up for stepper's exit.
    before = atexit._ncallbacks()
    first = run_session(script_path(ATEXIT))
    second = run_session(script_path(ATEXIT))
    assert atexit._ncallbacks() == before
    for session in (first, second):
        text = printed(session)
        assert in_order(text, "script-done", "atexit-second-registered", "atexit-first-registered")
        assert text.count("atexit-first-registered") == 1
        assert "atexit-unregistered" not in text
