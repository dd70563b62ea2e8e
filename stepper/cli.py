"""The `stepper` command: `stepper run [SCRIPT]`, `stepper lessons`."""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import signal
import sys
import threading
from collections.abc import Iterator

from . import __version__


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stepper",
        description="Step through a PyTorch training loop one phase at a time.",
    )
    parser.add_argument("--version", action="version", version=f"stepper {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="run a training script (or a built-in lesson) one phase at a time",
        description="Run SCRIPT (default: the built-in lesson 'linear') and pause after every training "
        "phase: forward, loss, zero_grad, backward, step. Arguments after `--` go to the script.",
    )
    run.add_argument("script", nargs="?", help="a Python training script (default: the built-in lesson)")
    run.add_argument("--lesson", metavar="NAME", help="run a built-in lesson (see `stepper lessons`)")
    output = run.add_mutually_exclusive_group()
    output.add_argument("--plain", action="store_true", help="print a readable transcript of every pause")
    output.add_argument("--jsonl", action="store_true", help="print one JSON object per pause")
    run.add_argument("--steps", type=_positive, metavar="N", help="stop after N parameter updates")
    run.add_argument("--seed", type=int, metavar="N", help="seed torch, random and numpy before the script")
    run.add_argument("--until-step", type=_positive, metavar="N", help="run until step N, then pause")
    run.add_argument(
        "--until-loss", metavar="COND", help="run until the loss crosses a value: '<0.02' or '>10'"
    )
    run.add_argument(
        "--break",
        dest="break_lines",
        type=_positive,
        action="append",
        default=[],
        metavar="LINE",
        help="pause at the pause on this line of the script (repeatable)",
    )
    run.add_argument(
        "--history-mb",
        type=_megabytes,
        default=256.0,
        metavar="N",
        help="memory for the pause history, in MiB (default: 256); past it, older pauses keep only "
        "summaries (statistics, not every value)",
    )
    run.add_argument(
        "--exact-stats",
        action="store_true",
        help="summarise every tensor from all its values, however long it takes (by default a pause "
        "spends at most 15%% of its phase's compute on big summaries, and past that a big tensor is "
        "summarised from a sample, marked ≈)",
    )
    run.add_argument(
        "--export",
        metavar="DIR",
        help="on exit, write the session to DIR: markdown transcript, loss CSV, JSONL trace, output "
        "(and, from the screen, a screenshot)",
    )
    run.add_argument(
        "--ascii", action="store_true", help="draw only ASCII characters (no box drawing, braille or symbols)"
    )
    run.add_argument(
        "--animations", action="store_true", help="animate even over SSH (off when SSH_CONNECTION is set)"
    )

    serve = commands.add_parser(
        "serve",
        help="serve the stepper screen in a web browser (for a projector or a classroom)",
        description="Serve `stepper run` in a web browser with textual-serve. Each browser tab starts "
        "its own stepper process (and its own run of the script). Binds to localhost unless --host "
        "says otherwise; there is no authentication.",
    )
    serve.add_argument("script", nargs="?", help="a Python training script (default: the built-in lesson)")
    serve.add_argument("--lesson", metavar="NAME", help="serve a built-in lesson")
    serve.add_argument("--host", default="localhost", help="address to bind (default: localhost)")
    serve.add_argument("--port", type=_port, default=8000, help="port to listen on (default: 8000)")
    serve.add_argument("--seed", type=int, metavar="N", help="seed passed on to `stepper run`")

    commands.add_parser("lessons", help="list the built-in lessons")
    return parser


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be a positive whole number")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number from 1 to 65535 (not {text!r})")
    return value


def _megabytes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number of MiB, like 256 or 0.5 (not {text!r})")
    return value


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    script_args: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, script_args = argv[:cut], argv[cut + 1 :]
    parser = _parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        hint = ""
        if args.command == "run" and args.script:
            # `stepper run train.py --epochs 3`: the learner meant the script's own options.
            shown = " ".join(unknown)
            hint = f" (options for the script go after --: stepper run {args.script} -- {shown})"
        parser.error(f"unrecognized arguments: {' '.join(unknown)}{hint}")
    if args.command == "lessons":
        return _list_lessons()
    if args.command == "run":
        with _ctrl_c_ends_at_once():
            return _run(args, script_args)
    if args.command == "serve":
        from .engine import ScriptLoadError
        from .serve import cannot_listen, serve

        try:  # (what every browser tab would fail on is said once, here, before serving anything)
            _load(args)
        except (ScriptLoadError, _UsageError) as exc:
            print(_said(exc), file=sys.stderr)
            return 2
        problem = cannot_listen(args.host, args.port)
        if problem:
            print(f"stepper: {problem}", file=sys.stderr)
            return 2
        return serve(args)
    _parser().print_help()
    return 0


@contextlib.contextmanager
def _ctrl_c_ends_at_once() -> Iterator[None]:
    """Until a front end takes ctrl+c over (the transcript's loop, the screen's signal handlers),
    ctrl+c ends `stepper run` as it ends most programs: at once, by the signal's default action,
    without a word (the shell sees 130, and stops a list of commands). Nothing has run by then that
    could be lost, and Python's KeyboardInterrupt came out as a traceback from whichever import it
    stopped (most of starting is importing: Textual, stepper's own modules). A SIGINT the shell
    told stepper to ignore (a background job's) stays ignored."""
    main_thread = threading.current_thread() is threading.main_thread()
    if not main_thread or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield
        return
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    try:
        yield
    finally:  # (for a caller in this process: ctrl+c raises KeyboardInterrupt again)
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _list_lessons() -> int:
    from .lessons import all_lessons

    lessons = all_lessons()
    width = max(len(lesson.name) for lesson in lessons)
    for lesson in lessons:
        print(f"{lesson.name:<{width}}  {lesson.title}")
    return 0


def _load(args: argparse.Namespace):
    from .engine import load_script
    from .lessons import DEFAULT_LESSON, all_lessons, find_lesson

    if args.script and args.lesson:
        raise _UsageError("give a script or --lesson, not both")
    if args.script:
        return load_script(args.script)
    name = args.lesson or DEFAULT_LESSON
    lesson = find_lesson(name)
    if lesson is None:
        names = ", ".join(lesson.name for lesson in all_lessons())
        raise _UsageError(f"there is no lesson called {name!r}; the lessons are: {names}")
    return load_script(lesson.path, lesson=lesson.name)


class _UsageError(Exception):
    pass


def _said(exc: Exception) -> str:
    """A load or usage error as stepper says it: one line that starts with "stepper:"."""
    return str(exc) if str(exc).startswith("stepper:") else f"stepper: {exc}"


def _run(args: argparse.Namespace, script_args: list[str]) -> int:
    from .engine import ScriptLoadError, Session
    from .engine.session import STATS_BUDGET

    try:
        source = _load(args)
        breakpoints = _breakpoints(args, source)
        if args.export is not None:
            _check_export_dir(args.export)
    except (ScriptLoadError, _UsageError) as exc:
        message = _said(exc)
        if args.jsonl:
            kind = getattr(exc, "kind", "UsageError")
            line = getattr(exc, "line", None)
            error = {"type": kind, "message": message, "file": args.script, "line": line}
            end = {"event": "end", "steps": 0, "status": "error", "error": error, "exit_code": 2}
            print(json.dumps(end))
        print(message, file=sys.stderr)
        return 2
    kind = "jsonl" if args.jsonl else "plain" if args.plain else _interactive_or_plain()
    session = Session(
        source, seed=args.seed, max_steps=args.steps, argv=script_args, views=kind == "tui",
        breakpoints=breakpoints, history_mb=args.history_mb,
        stats_budget=None if args.exact_stats else STATS_BUDGET,
        # The screen waits at the first pause unless breakpoints say run; transcripts never wait.
        mode="continue" if kind != "tui" or breakpoints.describe() else "phase",
    )  # fmt: skip
    if kind == "tui":
        from .serve import served

        if not served():  # (a browser tab's process has no terminal to leave broken)
            from .guard import guard

            guard(source.path)  # (from here on, in a child; see guard.py)
        from .tui import run_app
        from .tui.terminal import TerminalOptions, speaks_utf8

        # The screen exports on its own as it quits (with a screenshot), so not again below. A
        # locale that is not UTF-8 (LC_ALL=C, Latin-1) gets the ASCII screen without asking.
        options = TerminalOptions(
            ascii=args.ascii or not speaks_utf8(), animations=args.animations or None, export_dir=args.export
        )
        return run_app(session, options)
    else:
        from .format import write_anywhere
        from .frontends.transcript import run_transcript
        from .guard import guard

        guard(source.path, transcript=kind)  # (from here on, in a child; see guard.py)
        write_anywhere(sys.stdout, sys.stderr)
        try:
            status = run_transcript(session, kind, sys.stdout, sys.stderr)
        except BrokenPipeError:
            # The reader went away (`stepper run --plain | head`): stop quietly, like other tools do.
            session.stop()
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
    if args.export is not None and not _export(session, args.export) and status == 0:
        status = 1  # (the run went well, but what it was asked to leave behind is not there)
    _exit_if_script_still_running(session, status)
    return status


def _exit_if_script_still_running(session, status: int) -> None:
    """A script thread still inside a long torch call when we leave would make the interpreter's
    shutdown unsafe (it can abort); end the process directly instead, output flushed first."""
    session.stop(timeout=1.0)
    if not session.finished:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    session.wait_thread_gone()


def _breakpoints(args: argparse.Namespace, source):
    from .engine import Breakpoints, parse_loss_condition
    from .engine.breakpoints import WHERE_PAUSES_ARE

    try:
        loss = parse_loss_condition(args.until_loss) if args.until_loss else None
    except ValueError as exc:
        raise _UsageError(str(exc)) from None
    # A line with no code can never pause, so its breakpoint would let the run go by unstopped.
    name = source.display_name
    for line in sorted(set(args.break_lines)):
        if line > len(source.lines):
            why = f"{name} has only {len(source.lines)} lines, so no pause can happen on line {line}"
        elif not source.has_code(line):
            why = f"line {line} of {name} is blank or only a comment, so no pause can happen there"
        else:
            continue
        raise _UsageError(f"--break {line}: {why}. {WHERE_PAUSES_ARE}.")
    return Breakpoints(until_step=args.until_step, loss=loss, lines=set(args.break_lines))


def _check_export_dir(directory: str) -> None:
    """--export DIR is written at the end of the run: say now, not after a long run, when it cannot be.
    (The end can still fail, a full disk say; then the run's exit status is 1.)"""
    if not directory.strip():
        raise _UsageError("--export needs the name of a folder to write the session into")
    path = os.path.abspath(directory)
    if os.path.exists(path) and not os.path.isdir(path):
        raise _UsageError(f"--export {directory}: that is a file, not a folder; give a folder to write into")
    # The nearest folder that exists is where the first new one is made (or the files are written).
    existing = path
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise _UsageError(f"--export {directory}: {existing} is a file, so no folder can be made under it")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise _UsageError(f"--export {directory}: you cannot write in {existing}")


def _export(session, directory: str) -> bool:
    from .export import export_session

    try:
        result = export_session(session, directory)
    except OSError as exc:
        print(f"stepper: could not export the session to {directory}: {exc}", file=sys.stderr)
        return False
    print(f"stepper: session exported to {result.directory}/ ({len(result.files)} files)", file=sys.stderr)
    return True


def _interactive_or_plain() -> str:
    from .serve import served

    if served():
        return "tui"  # (`stepper serve`: the screen goes to a browser through pipes, not a terminal)
    if os.environ.get("TERM") == "dumb":
        why = "the terminal says it cannot draw a screen (TERM=dumb)"
    elif not sys.stdout.isatty():
        why = "standard output is not a terminal"
    elif not sys.stdin.isatty():
        why = "standard input is not a terminal (the screen needs keys)"
    else:
        try:
            import stepper.tui  # noqa: F401
        except ImportError:
            return "plain"
        return "tui"
    print(
        f"stepper: {why}, so the interactive screen is not drawn. For a transcript use "
        "`stepper run --plain` (readable) or `--jsonl` (one JSON object per pause); running the plain "
        "transcript now.",
        file=sys.stderr,
    )
    return "plain"


if __name__ == "__main__":
    sys.exit(main())
