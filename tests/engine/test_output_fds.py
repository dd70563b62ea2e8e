"""What a script writes without going through Python's sys.stdout is kept like its prints: a shell
command's output, a subprocess's, a write to file descriptor 1 or 2 (C code, torch's C++ warnings),
a forked worker's. And a script can use sys.stdout as a real stream (reconfigure, buffer)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading

import pytest
from engine_helpers import SAFETY_TIMEOUT, run_cli_many, run_script, run_session, script_path

from stepper.engine import Output, Paused, RunEnd, output
from stepper.engine.snapshot import ScriptError
from stepper.frontends.transcript import _TranscriptWriter, error_paragraph

SHELL = "shell_output_each_step.py"


def texts(got: list[tuple[str, str]], stream: str) -> str:
    return "".join(text for name, text in got if name == stream)


def in_order(text: str, *pieces: str) -> bool:
    places = [text.find(piece) for piece in pieces]
    return -1 not in places and places == sorted(places)


def run_as_script(body) -> list[tuple[str, str]]:
    """Run `body` in a thread registered as a script's (as the session does), inside an fd capture;
    what reached the script's sink, once the capture is over."""
    got: list[tuple[str, str]] = []
    failed: list[BaseException] = []

    def script() -> None:
        output.capture_thread(lambda stream, text: got.append((stream, text)))
        try:
            body()
        except BaseException as exc:  # noqa: BLE001 - reported in the test's thread
            failed.append(exc)
        finally:
            output.release_thread()

    def run() -> None:
        with output.capture_fds() as capture:
            assert capture is not None
            thread = threading.Thread(target=script)
            thread.start()
            thread.join()

    # (In a thread of its own, so that a capture that waited for a child would fail, not hang.)
    runner = threading.Thread(target=run)
    runner.start()
    runner.join(SAFETY_TIMEOUT)
    assert not runner.is_alive(), "the capture did not end"
    assert not failed, failed
    return got


def fd_identity(fd: int) -> tuple[int, int]:
    info = os.fstat(fd)
    return info.st_dev, info.st_ino


# --- fds 1 and 2, in this process --------------------------------------------------------------------


def test_shell_commands_subprocesses_and_fd_writes_reach_the_sink_in_order_and_the_fds_come_back():
    before = fd_identity(1), fd_identity(2)

    def body() -> None:
        print("py-1")
        os.system("echo shell-1")
        subprocess.run(["sh", "-c", "echo child-err-1 >&2"], check=True)
        os.write(sys.stdout.fileno(), b"fd-1\n")
        os.write(sys.stderr.fileno(), "fd-err-\u00e9\n".encode())
        print("py-2")
        # The last bytes, still in the pipe as the capture ends, are not lost.
        os.write(1, b"last")

    got = run_as_script(body)
    assert texts(got, "stdout") == "py-1\nshell-1\nfd-1\npy-2\nlast"
    assert texts(got, "stderr") == "child-err-1\nfd-err-\u00e9\n"
    # What was written to stderr before a print comes before it.
    first = {
        piece: next(i for i, (_, text) in enumerate(got) if piece in text) for piece in ("child-err", "py-2")
    }
    assert first["child-err"] < first["py-2"]
    assert (fd_identity(1), fd_identity(2)) == before


def test_a_child_still_running_does_not_hold_the_capture_and_what_it_writes_later_is_not_lost(capfd):
    children: list[subprocess.Popen] = []

    def body() -> None:
        # It inherits the pipes and writes to them only after the capture has ended.
        children.append(
            subprocess.Popen(["sh", "-c", "read go; echo late-out; echo late-err >&2"], stdin=subprocess.PIPE)
        )
        os.system("echo before-the-end")

    got = run_as_script(body)
    assert texts(got, "stdout") == "before-the-end\n"
    capfd.readouterr()
    child = children[0]
    child.communicate(b"go\n", timeout=SAFETY_TIMEOUT)
    # The capture's reader ends when the last writer is gone, having passed the rest on to the real fds.
    for thread in threading.enumerate():
        if thread.name == "stepper-output":
            thread.join(SAFETY_TIMEOUT)
    out, err = capfd.readouterr()
    assert "late-out" in out and "late-err" in err


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork")
def test_a_forked_worker_prints_into_the_same_output():
    def body() -> None:
        print("parent")
        pid = os.fork()
        if pid == 0:  # a DataLoader worker, say: no front end here, its output is the parent's
            try:
                print("from the fork")
                sys.stderr.write("fork warning\n")
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        print("parent again")

    got = run_as_script(body)
    assert texts(got, "stdout") == "parent\nfrom the fork\nparent again\n"
    assert texts(got, "stderr") == "fork warning\n"


def test_a_transcript_writes_what_the_pipes_hold_before_the_next_pause():
    snapshot = run_script("sequential_manual.py").history[0]
    out = io.StringIO()
    writer = _TranscriptWriter("plain", out, io.StringIO())

    def body() -> None:
        # (The capture's reader thread is kept waiting meanwhile, as it may be by a busy script: only
        # the transcript's own drain can bring the bytes in before the pause.)
        with output._active._lock:
            os.write(1, b"from a shell\n")
            writer.listener(Paused(snapshot, waiting=False))

    def script() -> None:
        output.capture_thread(lambda stream, text: writer.listener(Output(stream, text)))
        try:
            body()
        finally:
            output.release_thread()

    with output.capture_fds():
        thread = threading.Thread(target=script)
        thread.start()
        thread.join()
    assert out.getvalue().startswith("from a shell\n#0 ")


# --- sys.stdout as a real stream -----------------------------------------------------------------------


def test_a_script_can_reconfigure_stdout_and_write_bytes_to_it():
    session = run_session(script_path("stdout_reconfigure_and_buffer.py"))
    assert session.end.status == "ok", session.end.error
    assert texts(session.output, "stdout") == (
        "bytes 0 \u2192 ok\nbytes 1 \u2192 ok\nfacts utf-8 True backslashreplace True True True True\n"
    )
    assert texts(session.output, "stderr") == "to stderr as bytes\n"


def test_only_the_script_sees_what_it_configured():
    router = output._Router(open(os.devnull, "w", encoding="latin-1"), "stdout")  # noqa: SIM115
    seen: dict[str, object] = {}

    def script() -> None:
        output.capture_thread(lambda stream, text: None)
        try:
            router.reconfigure(encoding="utf-8", line_buffering=True, newline="\n")
            seen.update(
                encoding=router.encoding,
                line_buffering=router.line_buffering,
                wrote=router.buffer.write(b"x"),
            )
        finally:
            output.release_thread()

    thread = threading.Thread(target=script)
    thread.start()
    thread.join()
    assert seen == {"encoding": "utf-8", "line_buffering": True, "wrote": 1}
    assert router.encoding == "latin-1" and not router.line_buffering


# --- the command line ------------------------------------------------------------------------------


ASKS = """\
import torch

w = torch.zeros(1, requires_grad=True)
optimizer = torch.optim.SGD([w], lr=0.1)
loss = (w - 1).pow(2).sum()
optimizer.zero_grad()
loss.backward()
optimizer.step()
input("Press Enter to continue...")
"""


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fds")
    (folder / "asks.py").write_text(ASKS)
    return run_cli_many(
        {
            "jsonl": ["run", script_path(SHELL), "--jsonl"],
            "plain": ["run", script_path(SHELL), "--plain"],
            "asks_jsonl": ["run", "asks.py", "--jsonl"],
        },
        cwd=str(folder),
    )


def test_jsonl_stdout_stays_json_with_shell_commands_and_their_output_is_on_stderr(runs):
    result = runs["jsonl"]
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]  # every line, not just most
    assert lines[-1]["event"] == "end" and lines[-1]["status"] == "ok"
    for epoch in range(3):
        assert in_order(result.stderr, f"print-{epoch}", f"shell-{epoch}", f"fd-{epoch}", f"after-{epoch}")
        assert in_order(result.stderr, f"print-{epoch}", f"child-err-{epoch}", f"after-{epoch}")
    assert in_order(result.stderr, "after-0", "tail-0", "print-1", "after-1", "tail-1", "print-2", "tail-2")


def test_plain_keeps_shell_output_in_its_place_between_the_pauses(runs):
    result = runs["plain"]
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for epoch in range(3):
        printed = f"print-{epoch}\nshell-{epoch}\nfd-{epoch}\nafter-{epoch}\ntail-{epoch}\n"
        assert printed in out
        # Right after the pause of the update it follows, and before the next pause.
        block_start = out.rindex("\n#", 0, out.index(printed)) + 1
        assert out[block_start:].startswith(f"#{4 * epoch + 3} step {epoch + 1} · step")
        assert out[out.index(printed) + len(printed) :].startswith("#" if epoch < 2 else SHELL)
    assert [line for line in result.stderr.splitlines() if "child-err" in line] == [
        "child-err-0",
        "child-err-1",
        "child-err-2",
    ]


def test_jsonl_starts_stepper_s_message_on_a_line_of_its_own_after_a_prompt(runs):
    result = runs["asks_jsonl"]
    assert result.returncode == 1
    assert "Press Enter to continue...\nstepper: the script raised ScriptAskedForInput" in result.stderr


def test_an_internal_error_in_plain_says_where_the_script_was():
    error = ScriptError(
        "StepperInternalError",
        "failed while watching the script (RuntimeError: boom). This is a bug in stepper, not in your "
        "script; please report it with the script.",
        "/somewhere/train.py",
        14,
        '  File "/somewhere/train.py", line 14, in <module>\n    loss.backward()\n',
    )
    text = error_paragraph(RunEnd(steps=2, status="error", error=error), "train.py")
    assert text.startswith("stepper: failed while watching the script (RuntimeError: boom).")
    assert "train.py:14" in text and "after 2 updates" in text
    assert "loss.backward()" in text
