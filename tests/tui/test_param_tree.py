"""A big model's parameters and gradients as a tree of modules: folding, moving, the `/` filter, and
what each row says, driven with Pilot on a 784-64-32-10 MLP (tests/tui/scripts/nested_mlp.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tui_helpers import drive, lesson_session, press, screen_text, script_session, settle

from stepper.engine import Breakpoints, Session, TensorStats, load_script
from stepper.engine.stats import HIST_SAMPLE
from stepper.format import num, summary_text
from stepper.tui import StepperApp
from stepper.tui.terminal import TerminalOptions
from stepper.tui.widgets import GradsView, ParamsView
from stepper.tui.widgets.module_tree import TreeState, module_tree
from stepper.tui.widgets.tensor_tree import sparkline, summary_row

BIG = (120, 40)  # room for every row of the tree at once
# Every tensor of the script, and its number of values (each one different, to tell rows apart).
SIZES = {
    "model.encoder.0.weight": 50176,
    "model.encoder.0.bias": 64,
    "model.encoder.2.weight": 2048,
    "model.encoder.2.bias": 32,
    "model.head.weight": 320,
    "model.head.bias": 10,
}


def mlp():
    return script_session("nested_mlp.py")


def panel(app, view) -> list[str]:
    """The lines a panel draws (inside its border)."""
    return app.query_one(view).render().plain.split("\n")


def params(app) -> list[str]:
    return panel(app, ParamsView)


def names_in_view(app, view=ParamsView) -> list[str]:
    """The tree's rows, each as its label (`▾ model.encoder`, `weight`, …) without the numbers."""
    rows = []
    for line in panel(app, view):
        words = line.split()
        if words and words[0] in ("▾", "▸"):
            rows.append(f"{words[0]} {words[1]}")
        elif words and words[0] in ("weight", "bias"):  # the tensors' own names (no detail line starts so)
            rows.append(words[0])
    return rows


def selected(app) -> str:
    """The tensor whose full summary is shown under its row (the selected one), by its n."""
    sizes = {f"n={n}": name for name, n in SIZES.items()}
    for line in params(app):
        for word in line.split():
            if word in sizes and not line.lstrip().startswith(("weight", "bias")):
                return sizes[word]
    return ""


ALL_ROWS = ["▾ model.encoder", "▾ 0", "weight", "bias", "▾ 2", "weight", "bias"]
ALL_ROWS += ["▾ model.head", "weight", "bias"]


def labels(names: list[str], state: TreeState | None = None) -> list[str]:
    rows = (state or TreeState()).rows(names)
    return ["  " * row.depth + row.node.label for row in rows]


def test_dotted_names_group_into_modules():
    names = ["w", "model.0.weight", "model.0.bias", "model.2.weight", "enc.layers.0.w", "enc.layers.1.w"]
    # `enc` holds nothing but `layers`: one row for both.
    assert labels(names) == [
        "w", "model", "  0", "    weight", "    bias", "  2", "    weight",
        "enc.layers", "  0", "    w", "  1", "    w",
    ]  # fmt: skip
    # One module holding everything gives its place to its children, named in full.
    assert labels(["model.0.weight", "model.0.bias", "model.2.weight"]) == [
        "model.0", "  weight", "  bias", "model.2", "  weight",
    ]  # fmt: skip
    assert [node.tensors for node in module_tree(["a.x", "a.y", "b.z"])] == [["a.x", "a.y"], ["b.z"]]


def test_a_model_with_many_tensors_starts_folded():
    names = [f"model.{i}.{p}" for i in range(20) for p in ("weight", "bias")]
    assert labels(names) == [f"model.{i}" for i in range(20)]


def test_sparkline_and_flags():
    # The tallest bin is full height; an empty bin is blank, one value is never invisible.
    assert sparkline((0, 1, 8, 4)) == " ▁█▄"
    assert sparkline((0, 1, 8, 4), ascii=True) == " .@="
    bad = TensorStats((100, 10), "float16", "cuda:0", 1000, 0.1, 1.0, -2.0, 3.0, 5.0, nan=3, inf=1)
    row = summary_row(bad._replace(hist=(1, 0, 0, 0, 0, 0, 0, 995)), ascii=False).plain
    assert row.startswith("[100,10] NaN! Inf! ▁      █ x∈[-2, 3] μ=0.1 σ=1 ‖‖=5 n=1000")
    assert row.endswith("float16 cuda:0")  # dtype and device when not float32 on the cpu
    zeros = TensorStats(
        (100,), "float32", "cpu", 100, 0.0, 0.0, 0.0, 0.0, 0.0, zeros=True, hist=(0,) * 4 + (100,) + (0,) * 3
    )
    assert summary_row(zeros, ascii=False).plain.startswith("[100] all zeros x∈[0, 0]")


def test_a_big_model_is_a_tree_of_modules_with_one_line_summaries():
    async def body(pilot):
        app = pilot.app
        assert names_in_view(app) == ALL_ROWS
        assert names_in_view(app, GradsView) == ALL_ROWS  # the gradients panel has the same rows
        snapshot = app.session.history[-1]
        for name, n in SIZES.items():
            stats = snapshot.params[name]
            # (past HIST_SAMPLE values the histogram counts an evenly strided sample)
            assert stats.numel == n and sum(stats.hist or ()) in (0, len(range(0, n, -(-n // HIST_SAMPLE))))
        # A row: shape, a sparkline of the histogram, then the statistics, as the engine took them.
        weight = snapshot.params["model.encoder.2.weight"]
        row = next(line for line in params(app) if "[32,64]" in line)
        assert f"x∈[{num(weight.min)}, " in row  # the rest of the row is cropped at this width
        spark = row.split("[32,64] ")[1].split(" ")[0]
        assert len(spark) == 8 and set(spark) <= set(" ▁▂▃▄▅▆▇█") and "█" in spark
        # The first tensor is selected: its full summary sits under it, dtype and device included.
        text = "\n".join(params(app))
        assert selected(app) == "model.encoder.0.weight"
        assert "float32 cpu" in text
        stats = snapshot.params["model.encoder.0.weight"]
        assert f"x∈[{num(stats.min)}, {num(stats.max)}]" in text and f"μ={num(stats.mean)}" in text
        assert f"σ={num(stats.std)}" in text and f"‖‖={num(stats.norm)}" in text

    drive(body, session=mlp(), size=BIG)


def test_moving_and_folding_with_the_tree_focused():
    async def body(pilot):
        app = pilot.app
        await pilot.press("t")
        await pilot.pause()
        assert app.focused is app.query_one(ParamsView)
        await pilot.press("j")
        await pilot.pause()
        assert selected(app) == "model.encoder.0.bias"
        await pilot.press("down", "down")
        await pilot.pause()
        assert selected(app) == "model.encoder.2.weight"
        await pilot.press("home", "k")  # the first row, and no further
        await pilot.pause()
        assert selected(app) == ""  # a module: no tensor's summary in view
        # h on a tensor folds its module and selects it; h again unfolds it.
        await pilot.press("j", "j", "h")
        await pilot.pause()
        folded = ["▾ model.encoder", "▸ 0", "▾ 2", "weight", "bias", "▾ model.head", "weight", "bias"]
        assert names_in_view(app) == folded
        assert names_in_view(app, GradsView) == folded  # the gradients follow
        await pilot.press("h")
        await pilot.pause()
        assert names_in_view(app) == ALL_ROWS
        # Fold the top module: everything under it goes.
        await pilot.press("k", "h")
        await pilot.pause()
        assert names_in_view(app) == ["▸ model.encoder", "▾ model.head", "weight", "bias"]
        await pilot.press("end")
        await pilot.pause()
        assert selected(app) == "model.head.bias"

    drive(body, session=mlp(), size=BIG)


async def click_row(pilot, view, label: str, nth: int = 0, on_marker: bool = False) -> None:
    """Click the nth row of a tree panel whose label starts with `label` (on its ▾/▸ if asked)."""
    widget = pilot.app.query_one(view)
    lines = panel(pilot.app, view)
    y = [i for i, line in enumerate(lines) if line.strip().startswith(label)][nth]
    indent = len(lines[y]) - len(lines[y].lstrip())
    x = indent if on_marker else indent + len(label) - 1  # on the marker, or on the name's last letter
    inside = widget.content_region.offset - widget.region.offset  # past the border
    await pilot.click(view, offset=(inside.x + x, inside.y + y))
    await pilot.pause()


def test_clicking_a_row_selects_it_and_a_click_on_a_modules_marker_folds_it():
    async def body(pilot):
        app = pilot.app
        await click_row(pilot, ParamsView, "bias")
        assert selected(app) == "model.encoder.0.bias"
        assert app.focused is app.query_one(ParamsView)  # the tree has the keys now
        await pilot.press("j")
        await pilot.pause()
        assert names_in_view(app)[4] == "▾ 2" and selected(app) == ""  # j moved on to the module
        # The gradients panel's rows take clicks too, and the parameters panel follows.
        await click_row(pilot, GradsView, "weight", nth=2)
        assert selected(app) == "model.head.weight"
        # A module's marker folds it (and selects it); a click on the selected module unfolds it.
        await click_row(pilot, ParamsView, "▾ 2", on_marker=True)
        folded = ["▾ model.encoder", "▾ 0", "weight", "bias", "▸ 2", "▾ model.head", "weight", "bias"]
        assert names_in_view(app) == folded and names_in_view(app, GradsView) == folded
        await click_row(pilot, ParamsView, "▸ 2")
        assert names_in_view(app) == ALL_ROWS
        # A click on the selected tensor's summary (under its row) changes nothing.
        await click_row(pilot, ParamsView, "weight")
        assert selected(app) == "model.encoder.0.weight"
        detail = next(line for line in params(app) if "float32 cpu" in line).strip()
        await click_row(pilot, ParamsView, detail[:3])
        assert selected(app) == "model.encoder.0.weight" and names_in_view(app) == ALL_ROWS

    drive(body, session=mlp(), size=BIG)


def test_stepping_keys_work_while_the_tree_has_the_keys_and_it_keeps_its_state():
    async def body(pilot):
        app = pilot.app
        await pilot.press("t", "h")  # fold model.encoder.0 (from its weight, selected at first)
        await pilot.press("j", "j", "j")  # ▾ 2, weight, bias
        await pilot.pause()
        assert selected(app) == "model.encoder.2.bias"
        rows = names_in_view(app)
        for key in ("space", "s", "b", "f", "enter"):
            before = (len(app.session.history), app.shown_index)
            await press(pilot, key)
            assert (len(app.session.history), app.shown_index) != before, key
            assert selected(app) == "model.encoder.2.bias" and names_in_view(app) == rows, key
        assert app.focused is app.query_one(ParamsView)

    drive(body, session=mlp(), size=BIG)


def test_slash_filters_by_name_enter_keeps_it_escape_clears_it():
    async def body(pilot):
        app = pilot.app
        pauses = len(app.session.history)
        await pilot.press("t", "slash", "B", "i", "a", "s")  # any case; `s` types, it does not step
        await pilot.pause()
        assert len(app.session.history) == pauses
        assert params(app)[0].startswith("/Bias")
        biases = ["▾ model.encoder", "▾ 0", "bias", "▾ 2", "bias", "▾ model.head", "bias"]
        assert names_in_view(app) == biases
        assert names_in_view(app, GradsView) == biases
        assert selected(app) == "model.encoder.0.bias"  # the selection moved to a row in view
        await pilot.press("enter")  # keeps the filter; keys are the tree's and the app's again
        await pilot.pause()
        assert len(app.session.history) == pauses
        await pilot.press("j", "j")  # ▾ 2, then its bias
        await pilot.pause()
        assert selected(app) == "model.encoder.2.bias"
        await press(pilot, "space")  # steps, and the filter stays
        assert len(app.session.history) == pauses + 1
        assert names_in_view(app) == biases and params(app)[0].startswith("/Bias")
        # A filter that matches a module's path keeps everything under it.
        await pilot.press("escape", "slash", "h", "e", "a", "d", "backspace", "d", ".")
        await pilot.pause()
        assert names_in_view(app) == ["▾ model.head", "weight", "bias"]
        await pilot.press("enter", "slash", "z", "z")  # `/` again goes on from the kept filter
        await pilot.pause()
        assert "no name contains 'head.zz'" in "\n".join(params(app))
        await pilot.press("escape")  # clears it while typing too
        await pilot.pause()
        assert names_in_view(app) == ALL_ROWS and not params(app)[0].startswith("/")

    drive(body, session=mlp(), size=BIG)


def test_gradient_rows_say_what_the_phase_did():
    async def body(pilot):
        app = pilot.app
        grads = "\n".join(panel(app, GradsView))
        assert "weight None (no tensor)" in grads
        await press(pilot, "space", "space", "space")  # loss, zero_grad, backward
        grads = "\n".join(panel(app, GradsView))
        assert "▾ model.encoder filled" in grads and "weight filled [64,784]" in grads
        assert "filled by backward" in grads  # the selected tensor's note, in words
        await press(pilot, "space", "space", "space", "space")  # step, forward, loss, zero_grad
        grads = "\n".join(panel(app, GradsView))
        assert "weight cleared None" in grads and "cleared: .grad is None now" in grads

    drive(body, session=mlp(), size=BIG)


def test_a_small_model_keeps_the_flat_panels_and_t_does_nothing():
    async def body(pilot):
        app = pilot.app
        await pilot.press("t")
        await pilot.pause()
        assert app.focused is not app.query_one(ParamsView)
        text = screen_text(app)
        assert "model.weight" in text and "▾" not in text and "t: tree keys" not in text

    drive(body)


def test_the_tree_under_ascii_draws_ascii_sparklines():
    app = StepperApp(mlp(), options=TerminalOptions(ascii=True))

    async def run() -> None:
        async with app.run_test(size=BIG) as pilot:
            await settle(pilot)
            lines = params(app)
            assert lines[0].startswith("- model.encoder")
            row = next(line for line in lines if "[32,64]" in line)
            spark = row.split("[32,64] ")[1].split(" ")[0]
            assert len(spark) == 8 and set(spark) <= set(" .:-=+*#@")

    asyncio.run(run())


def test_tree_snapshot_80x24(snap_compare):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await press(pilot, "s", "t", "j")

    app = StepperApp(mlp())
    assert snap_compare(app, run_before=run_before, terminal_size=(80, 24))


def test_t_on_a_small_model_says_why_there_is_no_tree():
    async def body(pilot):
        await pilot.press("t")
        await pilot.pause()
        assert "Every parameter fits on screen" in screen_text(pilot.app)
        assert pilot.app.focused is not pilot.app.query_one(ParamsView)

    drive(body, session=lesson_session())


def test_a_summary_from_a_sample_is_marked_on_its_row_and_in_the_transcript():
    exact = TensorStats((4, 4), "float32", "cpu", 16, 0.5, 0.1, 0.0, 1.0, 2.0)
    sampled = exact._replace(approx=True)
    assert "≈" not in summary_row(exact, ascii=False).plain
    assert " ≈ x∈[" in summary_row(sampled, ascii=False).plain
    assert "≈ from a sample" in summary_text(sampled) and "≈" not in summary_text(exact)


def test_a_run_stops_on_an_exact_summary_and_says_when_the_one_before_was_sampled():
    # `c` to step 4 with a budget no pause can meet: the pauses it runs past summarise the 256×512
    # weight from a sample, the pause it stops at reads it whole, and the "was" under it (the
    # pause before, run past) is marked ≈.
    script = Path(__file__).resolve().parent.parent / "scripts" / "mid_linear.py"
    session = Session(load_script(str(script)), seed=0, mode="continue", stats_budget=1e-12,
                      breakpoints=Breakpoints(until_step=4))  # fmt: skip

    async def body(pilot):
        app = pilot.app
        stopped = app.session.history[-1]
        assert stopped.step == 4 and not stopped.params["model.weight"].approx
        assert app.session.history[-2].params["model.weight"].approx
        lines = params(app)
        row = next(line for line in lines if "[256,512]" in line)
        assert "≈" not in row
        assert any(line.strip().startswith("was ≈ μ=") for line in lines)

    drive(body, session=session, size=BIG)


def test_t_shows_a_small_models_tensors_as_a_tree_when_their_values_do_not_fit():
    async def body(pilot):
        app = pilot.app
        text = screen_text(app)
        assert "more lines hidden · t: tree" in text and "model.2.bias" not in text
        await pilot.press("t")
        await pilot.pause()
        assert app.focused is app.query_one(ParamsView)
        assert names_in_view(app)[:4] == ["▾ model.0", "weight", "bias", "▾ model.2"]
        await pilot.press("end")  # the last tensor, model.2.bias, comes into view
        await pilot.pause()
        assert names_in_view(app)[-3:] == ["▾ model.2", "weight", "bias"]
        await press(pilot, "space")  # the next pause keeps the tree
        assert "▾ model.2" in names_in_view(app)

    drive(body, session=script_session("small_mlp.py"))
