"""Export (nothing the learner saw is lost) and `stepper serve` (the screen in a browser)."""

import csv
import dataclasses
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from argparse import Namespace
from pathlib import Path

import pytest

from stepper.engine import Session, load_script
from stepper.export import export_session, markdown_transcript

SCRIPTS = Path(__file__).resolve().parent / "scripts"


def finished(name: str) -> Session:
    session = Session(load_script(str(SCRIPTS / name)), seed=0, mode="continue", views=False)
    session.start()
    session.join(120)
    assert session.finished
    return session


def test_export_writes_every_pause_the_loss_curve_and_the_trace(tmp_path):
    session = finished("module_optimizer.py")
    result = export_session(session, str(tmp_path / "out"), screenshot_svg="<svg/>")
    names = sorted(Path(f).name for f in result.files)
    assert names == ["loss.csv", "output.txt", "screenshot.svg", "trace.jsonl", "transcript.md"]
    out = tmp_path / "out"
    markdown = (out / "transcript.md").read_text()
    assert markdown.count("## Pause ") == len(session.history)
    assert "model.weight" in markdown and "optimizer.step()" in markdown
    rows = list(csv.reader((out / "loss.csv").open()))
    assert rows[0] == ["step", "loss"] and len(rows) - 1 == session.end.steps
    assert float(rows[1][1]) == session.history[-1].loss_history[0]
    trace = [json.loads(line) for line in (out / "trace.jsonl").read_text().splitlines()]
    assert [t["index"] for t in trace[:-1]] == list(range(len(session.history)))
    end = {"event": "end", "steps": session.end.steps, "status": "ok", "error": None, "exit_code": 0}
    assert trace[-1] == end


def test_export_after_the_script_raised_keeps_what_came_before(tmp_path):
    script = tmp_path / "breaks.py"
    script.write_text(
        "import torch\n"
        "w = torch.ones(2, requires_grad=True)\n"
        "for i in range(3):\n"
        "    loss = (w * 3).sum()\n"
        "    loss.backward()\n"
        "    if i == 1:\n"
        "        raise ValueError('broken on purpose')\n"
    )
    session = Session(load_script(str(script)), seed=0, mode="continue", views=False)
    session.start()
    session.join(120)
    export_session(session, str(tmp_path / "out"))
    markdown = (tmp_path / "out" / "transcript.md").read_text()
    assert markdown.count("## Pause ") == len(session.history) > 0
    assert "ValueError" in markdown and "broken on purpose" in markdown
    last = json.loads((tmp_path / "out" / "trace.jsonl").read_text().splitlines()[-1])
    assert last["status"] == "error" and last["error"]["type"] == "ValueError"


def test_the_transcript_says_how_a_pause_ran_knobs_and_mode(tmp_path):
    """A pause taken with a live knob turned (lr ×10 from the screen) and an evaluation forward say so
    in transcript.md, as on the screen."""
    session = finished("evaluate_properly.py")
    history = list(session.history)
    evaluated = next(s for s in history if s.mode)
    turned = dataclasses.replace(history[0], knobs=("lr ×10",))
    markdown = markdown_transcript("x.py", [turned, evaluated], session.end)
    assert "- knobs: lr ×10" in markdown
    assert f"forward ({evaluated.mode})" in markdown
    assert markdown.count("- knobs:") == 1  # (a pause with no knob turned says nothing of them)


def run_exporting(script: Path, target) -> subprocess.CompletedProcess:
    """`stepper run SCRIPT --plain --export TARGET`, as a learner would type it."""
    return subprocess.run(
        [sys.executable, "-m", "stepper", "run", str(script), "--plain", "--export", str(target)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def test_export_flag_on_the_command_line(tmp_path):
    result = run_exporting(SCRIPTS / "one_line_backward.py", tmp_path / "session")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "session" / "transcript.md").exists()
    assert "exported to" in result.stderr


def test_export_to_a_file_or_under_one_is_refused_before_the_run(tmp_path):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("mine\n")
    refused = [(blocker, "that is a file"), (blocker / "session", "is a file, so no folder")]
    refused.append(("", "needs the name"))  # (`--export ""`: a variable that was never set)
    for target, said in refused:
        result = run_exporting(SCRIPTS / "one_line_backward.py", target)
        assert result.returncode == 2
        assert said in result.stderr and "Traceback" not in result.stderr
        assert result.stdout == ""  # (refused before the script ran: no pause was printed)
    assert blocker.read_text() == "mine\n"


def test_an_export_that_fails_at_the_end_makes_the_exit_status_1(tmp_path):
    # The folder could be made when the run started; by its end the script had put a file there.
    target = tmp_path / "session"
    script = tmp_path / "takes_the_place.py"
    script.write_text(
        (SCRIPTS / "one_line_backward.py").read_text()
        + f"\nopen({str(target)!r}, 'w').close()\nprint('script done')\n"
    )
    result = run_exporting(script, target)
    assert result.returncode == 1
    assert "could not export the session" in result.stderr and "Traceback" not in result.stderr
    assert "script done" in result.stdout and "backward" in result.stdout  # (the run itself is all there)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_answers_http_on_localhost_and_stops():
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "stepper", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        status = None
        for _ in range(100):  # up to ~30 s for the server to start listening
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    status = response.status
                    page = response.read().decode()
                break
            except OSError:
                time.sleep(0.3)
        assert status == 200
        assert "stepper" in page
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert server.returncode is not None
    assert "serving at http://localhost:" in server.stderr.read()


def serve_refused(*args: str) -> str:
    """`stepper serve ARGS`, which must end at once with status 2 and one clear line: its stderr."""
    done = subprocess.run(
        [sys.executable, "-m", "stepper", "serve", *args],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "Serving" not in done.stdout
    return done.stderr


def test_serve_says_at_once_what_no_browser_tab_could_run():
    assert "must be a port number from 1 to 65535 (not '99999')" in serve_refused("--port", "99999")
    assert "stepper: no such file: missing.py" in serve_refused("missing.py")
    assert "there is no lesson called 'nope'" in serve_refused("--lesson", "nope")


def test_serve_on_a_port_another_server_holds_says_so():
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        said = serve_refused("--host", "127.0.0.1", "--port", str(port))
    assert f"stepper: cannot serve on 127.0.0.1:{port}: Address already in use: another server" in said


def test_serve_warns_when_bound_beyond_localhost(monkeypatch, capsys):
    import textual_serve.server

    from stepper import serve

    started = {}

    class FakeServer:
        def __init__(self, command, host, port, title):
            started.update(command=command, host=host, port=port)

        def serve(self):
            started["served"] = True

    monkeypatch.setattr(textual_serve.server, "Server", FakeServer)
    args = Namespace(script=None, lesson="linear", host="0.0.0.0", port=9999, seed=3)
    assert serve.serve(args) == 0
    assert "NO authentication" in capsys.readouterr().err
    assert started["served"] and started["host"] == "0.0.0.0"
    assert started["command"].endswith("-m stepper run --lesson linear --seed 3")


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_serve_on_localhost_does_not_warn(monkeypatch, capsys, host):
    import textual_serve.server

    from stepper import serve

    class FakeServer:
        def __init__(self, *args, **kwargs):
            pass

        def serve(self):
            pass

    monkeypatch.setattr(textual_serve.server, "Server", FakeServer)
    serve.serve(Namespace(script=None, lesson=None, host=host, port=1, seed=None))
    assert "NO authentication" not in capsys.readouterr().err


def _packets(data: bytes) -> list[tuple[bytes, bytes]]:
    """Textual's web driver frames what it writes, after a first line that names its protocol: a type
    byte, a 4-byte length, the payload."""
    assert data.startswith(b"__GANGLION__\n"), data[:80]
    data = data.removeprefix(b"__GANGLION__\n")
    found = []
    while len(data) >= 5:
        kind, size = data[:1], int.from_bytes(data[1:5], "big")
        if len(data) < 5 + size:
            break
        found.append((kind, data[5 : 5 + size]))
        data = data[5 + size :]
    return found


def test_the_run_a_browser_tab_starts_draws_the_screen_through_the_web_driver(tmp_path):
    # What textual-serve does for each tab: `stepper run` with Textual's web driver, stdin and stdout
    # pipes. It must draw the screen in the driver's packets (not fall back to a plain transcript
    # because stdout is no terminal), and quit on the browser's `q`.
    env = dict(os.environ, TEXTUAL_DRIVER="textual.drivers.web_driver:WebDriver", COLUMNS="100", ROWS="30")
    process = subprocess.Popen(
        [sys.executable, "-m", "stepper", "run", str(SCRIPTS / "module_optimizer.py")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp_path,
    )  # fmt: skip
    received = b""
    try:
        # Wait (within a generous bound, for a hang only) until the screen shows the first pause.
        deadline = time.monotonic() + 120
        while b"paused" not in received and time.monotonic() < deadline:
            chunk = os.read(process.stdout.fileno(), 65536)
            if not chunk:
                break
            received += chunk
        process.stdin.write(b"D" + (1).to_bytes(4, "big") + b"q")
        process.stdin.flush()
        rest, errors = process.communicate(timeout=120)
    finally:
        process.kill()
    received += rest
    packets = _packets(received)
    assert packets and {kind for kind, _ in packets} <= {b"D", b"M", b"P", b"B"}, received[:200]
    screen = b"".join(payload for kind, payload in packets if kind == b"D")
    assert b"paused" in screen and b"preds = model(x)" in screen
    assert b"not a terminal" not in received + errors
    assert process.returncode == 0, errors.decode(errors="replace")[-2000:]
