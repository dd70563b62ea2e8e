"""The real `stepper` command, end to end, in subprocesses: bad input, transcripts, --steps, --seed, the
script's own output, the lessons. All commands start together (each pays for importing torch)."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys

import pytest
from engine_helpers import (
    SAFETY_TIMEOUT,
    STEPPER_DIR,
    assert_clear_message,
    line_of,
    run_cli_many,
    script_path,
)
from engine_helpers import SCRIPTS as SCRIPTS_DIR

LOOP = """\
import sys
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Linear(3, 1)
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
batches = [torch.randn(4, 3), torch.randn(4, 3), torch.randn(4, 5)]

for epoch in range(3):
    x = batches[epoch]
    preds = model(x)
    loss = loss_fn(preds, torch.zeros(4, 1))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"epoch {epoch} done")
    {extra}
"""

# The third batch has 5 features, not 3: the model call fails in the middle of the loop.
CRASH = LOOP.replace("    {extra}\n", "")
CRASH_LINE = CRASH.splitlines().index("    preds = model(x)") + 1

SCRIPTS = {
    "crash.py": CRASH,
    "exit_zero.py": LOOP.replace("batches[epoch]", "batches[0]").replace("{extra}", "sys.exit(0)"),
    "exit_three.py": LOOP.replace("batches[epoch]", "batches[0]").replace("{extra}", "sys.exit(3)"),
    "exit_300.py": LOOP.replace("batches[epoch]", "batches[0]").replace("{extra}", "sys.exit(300)"),
    "exit_message.py": LOOP.replace("batches[epoch]", "batches[0]").replace(
        "{extra}", 'sys.exit("no checkpoint to resume from")'
    ),
    "os_exit_five.py": LOOP.replace("batches[epoch]", "batches[0]").replace(
        "{extra}", "import os; os._exit(5)"
    ),
    "interrupts.py": LOOP.replace("batches[epoch]", "batches[0]").replace(
        "{extra}", "raise KeyboardInterrupt"
    ),
    # A handler set for a signal the script then sends itself (a checkpoint saved on SIGTERM, say).
    "own_signal.py": LOOP.replace("batches[epoch]", "batches[0]")
    .replace(
        "import torch\n",
        "import os\nimport signal\n\nimport torch\n\n"
        "signal.signal(signal.SIGUSR1, lambda signum, frame: print('handled', signum, flush=True))\n",
    )
    .replace("{extra}", "os.kill(os.getpid(), signal.SIGUSR1) if epoch == 1 else None"),
    "os_exit.py": LOOP.replace("batches[epoch]", "batches[0]").replace("{extra}", "import os; os._exit(0)"),
    "asks.py": LOOP.replace("batches[epoch]", "batches[0]").replace(
        "{extra}", 'answer = input("keep going? ")'
    ),
    # A progress line redrawn with \r, never ended: it stays open across the next iteration's pauses.
    "progress.py": LOOP.replace("batches[epoch]", "batches[0]")
    .replace('print(f"epoch {epoch} done")', 'print(f"\\repoch {epoch} done", end="")')
    .replace("{extra}", "pass"),
    # The script's own --help: argparse prints it and exits with success before any training.
    "has_help.py": (
        "import argparse\nimport torch\n\nparser = argparse.ArgumentParser(description='trains a line')\n"
        "parser.add_argument('--epochs', type=int, default=3)\nargs = parser.parse_args()\n"
    ),
    "broken.py": "import torch\n\nfor epoch in range(3)\n    print(epoch)\n",
    "no_training.py": ("import torch\n\nx = torch.ones(3)\nprint('the sum is', (x * 2).sum().item())\n"),
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    for name, text in SCRIPTS.items():
        (folder / name).write_text(text)
    (folder / "a_folder").mkdir()
    canonical = script_path("module_optimizer.py")
    scenarios = {
        "missing": ["run", "missing.py", "--plain"],
        "missing_jsonl": ["run", "missing.py", "--jsonl"],
        "directory": ["run", "a_folder", "--plain"],
        "syntax": ["run", "broken.py", "--plain"],
        "no_training": ["run", "no_training.py", "--plain"],
        "crash_plain": ["run", "crash.py", "--plain"],
        "crash_jsonl": ["run", "crash.py", "--jsonl"],
        "nan": ["run", script_path("diverging.py"), "--jsonl"],
        "nan_plain": ["run", script_path("diverging.py"), "--plain"],
        "exit_zero": ["run", "exit_zero.py", "--jsonl"],
        "exit_three": ["run", "exit_three.py", "--plain"],
        "exit_three_jsonl": ["run", "exit_three.py", "--jsonl"],
        "exit_300": ["run", "exit_300.py", "--plain"],
        "exit_message": ["run", "exit_message.py", "--jsonl"],
        "os_exit_five": ["run", "os_exit_five.py", "--jsonl"],
        "interrupts": ["run", "interrupts.py", "--plain"],
        "os_exit": ["run", "os_exit.py", "--jsonl"],
        "own_signal": ["run", "own_signal.py", "--plain"],
        "progress": ["run", "progress.py", "--plain"],
        "script_help": ["run", "has_help.py", "--plain", "--", "--help"],
        "script_help_jsonl": ["run", "has_help.py", "--jsonl", "--", "--help"],
        "script_option_without_dashes": ["run", "has_help.py", "--plain", "--epochs", "3"],
        "input": ["run", "asks.py", "--plain"],
        "steps": ["run", canonical, "--jsonl", "--steps", "2"],
        "canonical_plain": ["run", canonical, "--plain"],
        "canonical_jsonl": ["run", canonical, "--jsonl"],
        "lesson_seed0": ["run", "--jsonl", "--seed", "0"],
        "lesson": ["run", "--jsonl"],
        "unseeded_seed0": ["run", script_path("seeded_randomness.py"), "--jsonl", "--seed", "0"],
        "unseeded_seed0_again": ["run", script_path("seeded_randomness.py"), "--jsonl", "--seed", "0"],
        "unseeded_seed1": ["run", script_path("seeded_randomness.py"), "--jsonl", "--seed", "1"],
        "lessons": ["lessons"],
    }
    return run_cli_many(scenarios, cwd=str(folder))


def pauses(result) -> list[dict]:
    return [line for line in result.json_lines() if line.get("event") == "pause"]


def end_line(result) -> dict:
    lines = result.json_lines()
    assert lines, result.stderr
    assert lines[-1]["event"] == "end"
    assert sum(1 for line in lines if line.get("event") == "end") == 1
    return lines[-1]


# --- scripts that cannot run --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["missing", "directory", "syntax"])
def test_unrunnable_script_gets_one_clear_paragraph(runs, name):
    result = runs[name]
    assert result.returncode != 0
    assert result.stdout.strip() == ""
    assert_clear_message(result.stderr)


def test_missing_file_names_the_file(runs):
    assert "missing.py" in runs["missing"].stderr


def test_directory_says_it_is_a_directory(runs):
    assert "a_folder" in runs["directory"].stderr and "directory" in runs["directory"].stderr


def test_syntax_error_points_at_the_line(runs):
    assert "broken.py:3" in runs["syntax"].stderr


def test_missing_file_in_jsonl_still_ends_with_an_end_line(runs):
    result = runs["missing_jsonl"]
    assert result.returncode != 0
    assert len(result.json_lines()) == 1
    end = end_line(result)
    assert end["status"] == "error" and end["steps"] == 0
    assert {"type", "message", "file", "line"} <= set(end["error"])
    assert_clear_message(result.stderr)


def test_script_with_no_training_phase(runs):
    result = runs["no_training"]
    assert result.returncode == 1
    assert_clear_message(result.stderr)
    assert "no training phase" in result.stderr
    assert "the sum is 6.0" in result.stdout  # the script's own print is kept


# --- an exception in the middle of the loop ------------------------------------------------------------


def test_crash_in_plain_mode_reports_where_and_keeps_the_pauses(runs):
    result = runs["crash_plain"]
    assert result.returncode == 1
    assert_clear_message(result.stderr)
    assert f"crash.py:{CRASH_LINE}" in result.stderr
    assert "RuntimeError" in result.stderr and "cannot be multiplied" in result.stderr
    # the two complete iterations before the failing one were printed, five pauses each
    assert result.stdout.count("optimizer.step()") == 2
    assert result.stdout.count("epoch 1 done") == 1


def test_crash_in_jsonl_mode_ends_with_the_error(runs):
    result = runs["crash_jsonl"]
    assert result.returncode == 1
    assert_clear_message(result.stderr)
    assert [p["phases"] for p in pauses(result)] == [
        ["forward"], ["loss"], ["zero_grad"], ["backward"], ["step"]
    ] * 2  # fmt: skip
    end = end_line(result)
    assert end["status"] == "error" and end["steps"] == 2
    error = end["error"]
    assert error["type"] == "RuntimeError"
    assert "cannot be multiplied" in error["message"]
    assert os.path.basename(error["file"]) == "crash.py" and error["line"] == CRASH_LINE


# --- NaN, sys.exit, input ------------------------------------------------------------------------------


def test_nan_loss_is_flagged_and_the_run_ends_normally(runs):
    result = runs["nan"]
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    found = pauses(result)
    assert len(found) == 30
    assert found[0]["nonfinite"] is False
    assert {p["loss"] for p in found if p["nonfinite"]} >= {"inf", "nan"}
    assert end_line(result) == {"event": "end", "steps": 6, "status": "ok", "error": None, "exit_code": 0}


def test_nan_loss_is_flagged_in_the_plain_transcript(runs):
    result = runs["nan_plain"]
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    blocks = result.stdout.split("\n#")
    flagged = [block for block in blocks if "non-finite" in block]
    assert flagged and "non-finite" not in blocks[0]
    assert "epoch 5: loss nan" in result.stdout  # the script's own prints, in order with the pauses


def test_the_scripts_own_help_is_a_normal_end_not_a_missing_training_loop(runs):
    plain, jsonl = runs["script_help"], runs["script_help_jsonl"]
    assert plain.returncode == 0 and jsonl.returncode == 0, plain.stderr + jsonl.stderr
    assert "trains a line" in plain.stdout and "--epochs" in plain.stdout
    assert "has_help.py exited (sys.exit) after 0 updates." in plain.stdout
    assert "no training phase" not in plain.stdout + plain.stderr + jsonl.stdout + jsonl.stderr
    assert "trains a line" in jsonl.stderr  # (in JSONL mode, stdout carries only JSON)
    assert end_line(jsonl) == {"event": "end", "steps": 0, "status": "ok", "error": None, "exit_code": 0}


def test_an_option_meant_for_the_script_says_it_goes_after_the_dashes(runs):
    result = runs["script_option_without_dashes"]
    assert result.returncode == 2 and result.stdout == ""
    assert "unrecognized arguments: --epochs 3" in result.stderr
    assert "go after --: stepper run has_help.py -- --epochs 3" in result.stderr


def test_a_progress_line_left_open_never_runs_into_a_pause(runs):
    result = runs["progress"]
    assert result.returncode == 0, result.stderr
    # (Read as text, the \r arrives as a line break: without the fix the header followed the progress.)
    lines = result.stdout.splitlines()
    headers = [line for line in lines if " · " in line]
    assert len(headers) == 15 and all(line.startswith("#") for line in headers)
    assert "epoch 0 done" in lines and "epoch 2 done" in lines
    assert lines[-1] == "progress.py finished after 3 updates."


def test_sys_exit_zero_is_a_normal_end(runs):
    result = runs["exit_zero"]
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert len(pauses(result)) == 5
    end = end_line(result)
    assert end["status"] == "ok" and end["steps"] == 1


def test_os_exit_ends_the_run_as_sys_exit_does_with_output_and_end_line(runs):
    # os._exit would end stepper at once: no end line, the script's output lost, and on the screen a
    # terminal left in raw mode. From the script's thread it ends the run like sys.exit.
    result = runs["os_exit"]
    assert result.returncode == 0, result.stderr
    assert len(pauses(result)) == 5
    assert end_line(result) == {"event": "end", "steps": 1, "status": "ok", "error": None, "exit_code": 0}
    assert "epoch 0 done" in result.stderr


def test_a_signal_handler_the_script_sets_is_set_and_runs(runs):
    # Python lets only the main thread set a handler, and the script runs in another: stepper's main
    # thread sets it for the script (it used to fail with "signal only works in main thread").
    result = runs["own_signal"]
    assert result.returncode == 0, result.stderr
    assert f"handled {int(signal.SIGUSR1)}" in result.stdout
    assert result.stdout.count("optimizer.step()") == 3


def test_sys_exit_nonzero_is_reported_clearly(runs):
    result = runs["exit_three"]
    assert result.returncode != 0
    assert_clear_message(result.stderr)
    assert "sys.exit(3)" in result.stderr
    assert result.stdout.count("optimizer.step()") == 1


# As `python SCRIPT` would end: the script's own sys.exit(N) or os._exit(N) gives N, an error 1, and a
# KeyboardInterrupt the script raises 130 (128 + SIGINT, what a shell shows after python's). Stepper's
# own "could not start" stays 2. JSONL's end line says the same in `exit_code`.
@pytest.mark.parametrize(
    "name, code",
    [
        ("exit_zero", 0),
        ("exit_three", 3),
        ("exit_three_jsonl", 3),
        ("os_exit_five", 5),
        ("exit_message", 1),
        ("crash_plain", 1),
        ("crash_jsonl", 1),
        ("interrupts", 130),
        ("missing_jsonl", 2),
    ],
)
def test_the_exit_status_is_the_one_python_would_give_the_script(runs, name, code):
    result = runs[name]
    assert result.returncode == code, result.stderr
    if "--jsonl" in result.args:
        assert end_line(result)["exit_code"] == code


def test_an_exit_code_past_255_is_cut_to_8_bits_as_python_cuts_it(runs):
    python = subprocess.run([sys.executable, "-c", "import sys; sys.exit(300)"], timeout=SAFETY_TIMEOUT)
    assert runs["exit_300"].returncode == python.returncode == 300 & 0xFF


def test_sys_exit_with_a_message_exits_1_and_the_message_is_said(runs):
    result = runs["exit_message"]
    assert_clear_message(result.stderr)
    assert "no checkpoint to resume from" in result.stderr
    end = end_line(result)
    assert end["status"] == "error" and end["error"]["type"] == "SystemExit"
    assert "no checkpoint to resume from" in end["error"]["message"]


def test_a_keyboard_interrupt_the_script_raises_is_its_error_not_a_ctrl_c(runs):
    result = runs["interrupts"]
    assert_clear_message(result.stderr)
    assert "KeyboardInterrupt at interrupts.py:" in result.stderr
    assert "stepper: interrupted" not in result.stderr
    assert result.stdout.count("optimizer.step()") == 1


def test_input_is_refused_with_a_clear_message(runs):
    result = runs["input"]
    assert result.returncode == 1
    assert_clear_message(result.stderr)
    assert "input" in result.stderr
    assert "asks.py" in result.stderr
    assert result.stdout.count("optimizer.step()") == 1


# --- transcripts -------------------------------------------------------------------------------------


def test_steps_stops_after_that_many_updates(runs):
    result = runs["steps"]
    assert result.returncode == 0, result.stderr
    found = pauses(result)
    assert len(found) == 10 and found[-1]["step"] == 2 and found[-1]["phases"] == ["step"]
    assert end_line(result) == {"event": "end", "steps": 2, "status": "ok", "error": None, "exit_code": 0}


def test_jsonl_schema(runs):
    result = runs["canonical_jsonl"]
    assert result.returncode == 0, result.stderr
    keys = {"event", "step", "phases", "file", "line", "code", "loss", "params", "grads", "optimizer",
            "nonfinite"}  # fmt: skip
    tensor_keys = {"shape", "dtype", "device", "mean", "std", "min", "max", "norm", "values"}
    found = pauses(result)
    assert len(found) == 15
    for pause in found:
        assert keys <= set(pause), keys - set(pause)
        assert isinstance(pause["phases"], list) and isinstance(pause["line"], int)
        assert os.path.basename(pause["file"]) == "module_optimizer.py"
        assert set(pause["params"]) == {"model.weight", "model.bias"} == set(pause["grads"])
        for stats in pause["params"].values():
            assert tensor_keys <= set(stats)
            assert len(stats["values"]) == math.prod(stats["shape"])
        assert pause["optimizer"]["type"] == "SGD" and pause["optimizer"]["lr"] == pytest.approx(0.1)
    assert found[0]["loss"] is None and found[0]["grads"] == {"model.weight": None, "model.bias": None}
    assert found[3]["code"] == "loss.backward()"
    assert found[3]["line"] == line_of("module_optimizer.py", "loss.backward()")
    assert end_line(result) == {"event": "end", "steps": 3, "status": "ok", "error": None, "exit_code": 0}


def test_jsonl_keeps_stdout_pure_json_and_the_prints_on_stderr(runs):
    result = runs["canonical_jsonl"]
    for line in result.stdout.splitlines():
        json.loads(line)
    assert "final loss" in result.stderr


def test_plain_transcript_keeps_the_scripts_prints(runs):
    result = runs["canonical_plain"]
    assert result.returncode == 0, result.stderr
    assert "final loss" in result.stdout
    for text in ("preds = model(x)", "optimizer.step()", "model.weight", "model.bias"):
        assert text in result.stdout
    assert result.stdout.count("optimizer.zero_grad()") == 3


def test_same_seed_gives_the_same_transcript(runs):
    # (A script that seeds nothing itself: the lessons do, so that a class sees the same numbers.)
    first, again, other = runs["unseeded_seed0"], runs["unseeded_seed0_again"], runs["unseeded_seed1"]
    assert first.returncode == again.returncode == other.returncode == 0
    assert first.stdout == again.stdout
    assert first.stdout != other.stdout  # the seed really reaches the script's randomness
    assert first.stderr == again.stderr != other.stderr  # (what it printed of random, numpy and torch)


def test_the_default_lesson_gives_the_same_numbers_without_a_seed(runs):
    assert runs["lesson"].stdout == runs["lesson_seed0"].stdout


def test_default_lesson_learns_the_line(runs):
    result = runs["lesson_seed0"]
    found = pauses(result)
    assert len(found) == 500  # 100 epochs of five phases
    assert os.path.basename(found[0]["file"]) == "linear.py"
    last = found[-1]
    assert last["step"] == 100
    assert last["params"]["model.weight"]["values"][0] == pytest.approx(2, abs=0.1)
    assert last["params"]["model.bias"]["values"][0] == pytest.approx(1, abs=0.1)
    assert 0.005 < last["loss"] < 0.02
    assert end_line(result)["steps"] == 100


def test_lessons_lists_linear(runs):
    result = runs["lessons"]
    assert result.returncode == 0
    assert result.stdout.split()[0] == "linear"


ENDLESS = """\
import torch
from torch import nn

model = nn.Linear(2, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
x, y = torch.randn(4, 2), torch.randn(4, 1)
for epoch in range(10_000_000):
    loss = nn.functional.mse_loss(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""


def signalled_at_a_pause(script, signum: int) -> tuple[int, str, str]:
    """Run `script` with --jsonl, send `signum` once its first pause is out; (status, stdout, stderr)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "stepper", "run", str(script), "--jsonl"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # As in a terminal, Ctrl-C is not ignored (a shell starts background jobs, and so the tests
        # when run in the background, with SIGINT ignored, and Python then leaves it ignored).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    first = process.stdout.readline()  # the script is running and pausing
    assert json.loads(first)["event"] == "pause"
    process.send_signal(signum)
    try:
        out, err = process.communicate(timeout=SAFETY_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail(f"stepper kept running after {signal.Signals(signum).name}")
    return process.returncode, first + out, err


def test_ctrl_c_ends_the_run_cleanly(tmp_path):
    script = tmp_path / "endless.py"
    script.write_text(ENDLESS)
    status, out, err = signalled_at_a_pause(script, signal.SIGINT)
    assert status == 130
    assert_clear_message(err)
    end = json.loads(out.splitlines()[-1])  # (a program reading the lines is told how they ended)
    assert end["event"] == "end" and end["error"]["type"] == "KeyboardInterrupt" and end["exit_code"] == 130
    # Where the loop was, as python's traceback would say, and the schema's empty hint.
    loop = range(
        ENDLESS.splitlines().index("for epoch in range(10_000_000):") + 1, len(ENDLESS.splitlines()) + 1
    )
    assert end["error"]["file"] == str(script) and end["error"]["line"] in loop
    assert end["error"]["hint"] == ""


def test_a_script_named_torch_py_is_told_apart_from_a_stepper_bug(tmp_path):
    # A classic first mistake: calling the script torch.py, so `import torch` finds the script itself.
    # `python torch.py` fails with a circular import; stepper must say so, and not blame itself.
    (tmp_path / "torch.py").write_text((SCRIPTS_DIR / "module_optimizer.py").read_text())
    result = subprocess.run(
        [sys.executable, "-m", "stepper", "run", "torch.py", "--plain"],
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=SAFETY_TIMEOUT,
    )
    assert result.returncode != 0
    assert_clear_message(result.stderr)
    assert "torch.py" in result.stderr
    assert "bug in stepper" not in result.stderr


def test_the_transcripts_say_how_each_forward_ran_when_not_plain_training():
    path = script_path("evaluate_properly.py")
    results = run_cli_many({"plain": ["run", path, "--plain"], "jsonl": ["run", path, "--jsonl"]})
    headers = [line for line in results["plain"].stdout.splitlines() if line.startswith("#")]
    assert sum("· forward (eval, no_grad) ·" in line for line in headers) == 3  # (no loss: no graph)
    assert sum("· forward + loss ·" in line for line in headers) == 3
    pauses = [json.loads(line) for line in results["jsonl"].stdout.splitlines()][:-1]
    assert {p["mode"] for p in pauses} == {None, "eval, no_grad"}


def test_a_usual_torch_error_comes_with_what_it_usually_means(tmp_path):
    script = tmp_path / "bce.py"
    script.write_text(
        "import torch\nfrom torch import nn\n"
        "model = nn.Linear(2, 1)\nopt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "x, y = torch.randn(8, 2), torch.ones(8, 1)\n"
        "for _ in range(2):\n"
        "    loss = nn.BCELoss()(model(x) * 10, y)\n"
        "    opt.zero_grad()\n    loss.backward()\n    opt.step()\n"
    )
    path = str(script)
    results = run_cli_many({"plain": ["run", path, "--plain"], "jsonl": ["run", path, "--jsonl"]})
    assert "What it usually means: BCELoss takes probabilities" in results["plain"].stderr
    error = end_line(results["jsonl"])["error"]
    assert error["line"] == 7 and "BCEWithLogitsLoss" in error["hint"]


# --- a process killed where it cannot clean up: the guard (stepper/guard.py) speaks for it --------------

DIES = LOOP.replace("batches[epoch]", "batches[0]").replace(
    "    {extra}", "    if epoch == 1:\n        {fatal}"
)
SEGFAULT = "import ctypes; ctypes.string_at(0)"  # reads address 0
KILLED = "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"  # as the out-of-memory killer does
SEGFAULT_LINE = DIES.splitlines().index("        {fatal}") + 1
# A C++ library's last words, written to fd 2 (not through Python), then its abort: what "terminate
# called after throwing an instance of ..." looks like. The output reader rarely gets to them first.
ABORT = "import ctypes, os; ctypes.CDLL(None).write(2, b'terminate called: the reason\\n', 29); os.abort()"


@pytest.fixture(scope="module")
def killed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("killed")
    (folder / "segv.py").write_text(DIES.replace("{fatal}", SEGFAULT))
    (folder / "oom.py").write_text(DIES.replace("{fatal}", KILLED))
    (folder / "abort.py").write_text(DIES.replace("{fatal}", ABORT))
    # A crash at exit, once the run is over: the script's atexit handler, run after its last line.
    at_exit = LOOP.replace("batches[epoch]", "batches[0]").replace("{extra}", "pass")
    (folder / "at_exit.py").write_text(
        f"import atexit, ctypes\natexit.register(ctypes.string_at, 0)\n{at_exit}"
    )
    scenarios = {
        "segv_jsonl": ["run", "segv.py", "--jsonl"],
        "segv_plain": ["run", "segv.py", "--plain"],
        "oom_jsonl": ["run", "oom.py", "--jsonl"],
        "at_exit_jsonl": ["run", "at_exit.py", "--jsonl"],
        "abort_jsonl": ["run", "abort.py", "--jsonl"],
        "abort_plain": ["run", "abort.py", "--plain"],
    }
    return run_cli_many(scenarios, cwd=str(folder))


def test_a_segfault_in_jsonl_mode_keeps_every_pause_and_output_and_ends_with_an_end_line(killed):
    result = killed["segv_jsonl"]
    assert result.returncode == 128 + signal.SIGSEGV
    assert len(pauses(result)) == 10  # (two whole updates; the crash came after the second)
    end = end_line(result)
    assert end["status"] == "error" and end["steps"] == 2 and end["exit_code"] == 139
    error = end["error"]
    assert error["type"] == "SIGSEGV" and "segmentation fault" in error["message"]
    assert os.path.basename(error["file"]) == "segv.py" and error["line"] == SEGFAULT_LINE
    assert "epoch 0 done\nepoch 1 done\n" in result.stderr  # (the script's prints, on stderr in JSONL)
    assert_clear_message(result.stderr)
    assert f"SIGSEGV (signal 11), at segv.py:{SEGFAULT_LINE}" in result.stderr


def test_a_segfault_in_plain_mode_keeps_the_transcript_and_says_what_killed_it(killed):
    result = killed["segv_plain"]
    assert result.returncode == 139
    assert result.stdout.count("optimizer.step()") == 2 and result.stdout.endswith("epoch 1 done\n")
    assert_clear_message(result.stderr)
    assert "killed by SIGSEGV" in result.stderr and f"segv.py:{SEGFAULT_LINE}" in result.stderr


def test_the_out_of_memory_killers_sigkill_in_jsonl_mode_still_gets_an_end_line(killed):
    result = killed["oom_jsonl"]
    assert result.returncode == 128 + signal.SIGKILL
    end = end_line(result)
    assert end["steps"] == 2 and end["error"]["type"] == "SIGKILL" and end["exit_code"] == 137
    assert "out-of-memory killer" in end["error"]["message"] and end["error"]["line"] is None
    assert "out-of-memory killer" in result.stderr


@pytest.mark.parametrize("kind", ["jsonl", "plain"])
def test_what_c_code_wrote_just_before_an_abort_is_printed_before_the_message(killed, kind):
    result = killed[f"abort_{kind}"]
    assert result.returncode == 128 + signal.SIGABRT
    said = result.stderr.index("terminate called: the reason\n")  # (still in the pipe when it died)
    assert said < result.stderr.index("stepper: the process running abort.py was killed by SIGABRT")
    assert "epoch 1 done\n" in (result.stderr if kind == "jsonl" else result.stdout)


def test_what_a_process_the_script_left_running_writes_later_still_arrives(tmp_path):
    # Under python, a shell command the script ran with `&` goes on writing to the terminal after the
    # script's end. Its end of stepper's output pipe outlives stepper: what it writes later is
    # forwarded, as stdout (stderr under --jsonl, whose stdout is only JSON).
    script = tmp_path / "leaves_a_job.py"
    script.write_text(
        (SCRIPTS_DIR / "module_optimizer.py").read_text()
        + '\nimport os\nos.system("(sleep 2; echo written later; echo and on stderr >&2) &")\n'
    )
    results = run_cli_many({kind: ["run", str(script), f"--{kind}"] for kind in ("plain", "jsonl")})
    plain, jsonl = results["plain"], results["jsonl"]
    assert plain.returncode == 0 and jsonl.returncode == 0
    assert plain.stdout.endswith("written later\n") and "and on stderr\n" in plain.stderr
    assert "written later\nand on stderr\n" in jsonl.stderr
    assert json.loads(jsonl.stdout.splitlines()[-1])["event"] == "end"


def test_a_crash_at_exit_ends_with_one_end_line_naming_it(killed):
    result = killed["at_exit_jsonl"]
    assert result.returncode == 139
    assert len(pauses(result)) == 15
    assert end_line(result)["error"]["type"] == "SIGSEGV"  # (end_line: exactly one end line)


def test_sigterm_sent_to_a_jsonl_run_ends_it_with_an_end_line_and_no_message(tmp_path):
    script = tmp_path / "endless.py"
    script.write_text(ENDLESS)
    status, out, err = signalled_at_a_pause(script, signal.SIGTERM)
    assert status == 128 + signal.SIGTERM
    end = json.loads(out.splitlines()[-1])
    assert end["event"] == "end" and end["error"]["type"] == "SIGTERM" and end["exit_code"] == 143
    assert "stepper:" not in err  # (a person asked it to end: nothing to explain)


ANOMALY = """\
import torch
from torch import nn

torch.autograd.set_detect_anomaly(True)  # (to find where a NaN comes from, as a learner would)
model = nn.Linear(1, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x, y = torch.randn(8, 1), torch.randn(8, 1)
for step in range(2):
    preds = model(x)
    loss = ((preds - y) ** 2).mean() + (preds * float("nan")).sum()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""


def test_a_backward_that_raises_in_anomaly_mode_ends_as_under_python(tmp_path):
    # The process used to abort as it ended, in about half the runs: the script's thread was still
    # being torn down (see Session.wait_thread_gone). Eight runs: all end as python ends, status 1.
    (tmp_path / "anomaly.py").write_text(ANOMALY)
    results = run_cli_many({str(n): ["run", "anomaly.py", "--plain"] for n in range(8)}, cwd=str(tmp_path))
    for result in results.values():
        assert "returned nan values" in result.stderr
        assert "terminate called" not in result.stderr and "SIGABRT" not in result.stderr
        assert result.returncode == 1
    # Anomaly mode's warning names the forward's line, and no frame above the script's (threading's,
    # stepper's), as under python.
    forward = next(n for n, line in enumerate(ANOMALY.splitlines(), 1) if "float(" in line)
    warning = results["0"].stderr.partition("Traceback of forward call that caused the error:\n")[2]
    assert warning.startswith(f'  File "{tmp_path / "anomaly.py"}", line {forward}, in <module>\n'), warning
    assert "threading.py" not in results["0"].stderr and str(STEPPER_DIR) not in results["0"].stderr
