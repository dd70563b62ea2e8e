"""Scripts are read and started as Python does: UTF-8 by default, the encoding a coding line declares,
a UTF-8 byte-order mark (what Windows Notepad writes) dropped; `sys.argv[0]` the path as typed."""

from __future__ import annotations

import pytest
from engine_helpers import run_session

from stepper.engine import load_script
from stepper.engine.source import ScriptLoadError

LOOP = """\
import torch

w = torch.zeros(1, requires_grad=True)
for i in range(2):
    loss = (w - 1).pow(2).sum()
    loss.backward()
    with torch.no_grad():
        w -= 0.1 * w.grad
    w.grad = None
print("{word}")
"""


def test_a_latin1_script_with_its_coding_line_runs(tmp_path):
    path = tmp_path / "latin.py"
    path.write_bytes(("# -*- coding: latin-1 -*-\n" + LOOP.format(word="café")).encode("latin-1"))
    session = run_session(str(path))
    assert session.end.status == "ok" and session.end.steps == 2
    assert "café" in "".join(text for _, text in session.output)
    assert session.history[0].code == "loss = (w - 1).pow(2).sum()"


def test_a_utf8_script_with_a_byte_order_mark_runs(tmp_path):
    path = tmp_path / "notepad.py"
    path.write_bytes(b"\xef\xbb\xbf" + LOOP.format(word="naïve").encode("utf-8"))
    session = run_session(str(path))
    assert session.end.status == "ok" and session.end.steps == 2
    assert "naïve" in "".join(text for _, text in session.output)


def test_bytes_that_are_not_the_declared_encoding_are_a_clear_message(tmp_path):
    path = tmp_path / "broken.py"
    path.write_bytes(b"print('\xff\xfe')\n")
    with pytest.raises(ScriptLoadError) as caught:
        load_script(str(path))
    assert "cannot read " in str(caught.value) and "coding line" in str(caught.value)


def test_argv_0_is_the_path_as_typed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "typed.py").write_text(LOOP.format(word="") + "import sys\nprint('argv0', sys.argv[0])\n")
    session = run_session("typed.py")
    assert "argv0 typed.py\n" in "".join(text for stream, text in session.output if stream == "stdout")
