"""`stepper serve`: the same screen in a web browser, through textual-serve.

textual-serve starts one `stepper run` process per browser tab and relays its screen, so every tab
is its own independent session (its own run of the script). Nothing is authenticated: bound beyond
localhost, anyone who can reach the port can drive the script.
"""

from __future__ import annotations

import os
import shlex
import sys
from argparse import Namespace

LOCAL = {"localhost", "127.0.0.1", "::1"}


def served() -> bool:
    """Is this `stepper run` one that `stepper serve` started for a browser tab? textual-serve runs
    it with Textual's web driver, which speaks a packet protocol over stdin and stdout (pipes)."""
    return "web_driver" in os.environ.get("TEXTUAL_DRIVER", "")


def serve_command(args: Namespace) -> str:
    """The `stepper run …` command each browser tab runs."""
    parts = [sys.executable, "-m", "stepper", "run"]
    if args.script:
        parts.append(args.script)
    if args.lesson:
        parts += ["--lesson", args.lesson]
    if args.seed is not None:
        parts += ["--seed", str(args.seed)]
    return shlex.join(parts)


def serve(args: Namespace) -> int:
    try:
        from textual_serve.server import Server
    except ImportError:
        print("stepper: `stepper serve` needs textual-serve: pip install textual-serve", file=sys.stderr)
        return 2
    if args.host not in LOCAL:
        print(
            f"stepper: warning: serving on {args.host}:{args.port} with NO authentication — anyone who "
            "can reach this address can run and drive the script. Use it on a trusted network only.",
            file=sys.stderr,
        )
    print(
        f"stepper: serving at http://{args.host}:{args.port} — each browser tab runs its own copy of "
        "the script. Ctrl+C stops the server.",
        file=sys.stderr,
    )
    server = Server(serve_command(args), host=args.host, port=args.port, title="stepper")
    server.serve()
    return 0
