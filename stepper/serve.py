"""`stepper serve`: the same screen in a web browser, through textual-serve.

textual-serve starts one `stepper run` process per browser tab and relays its screen, so every tab
is its own independent session (its own run of the script). Nothing is authenticated: bound beyond
localhost, anyone who can reach the port can drive the script.
"""

from __future__ import annotations

import errno
import os
import shlex
import socket
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
    try:
        server.serve()
    except OSError as exc:  # (taken between cannot_listen's look and now, say)
        print(f"stepper: {_listen_problem(args.host, args.port, exc)}", file=sys.stderr)
        return 1
    return 0


def cannot_listen(host: str, port: int) -> str | None:
    """Why the server could not listen on host:port (in use, a name that does not resolve, a port
    only root may take), or None when it can."""
    try:
        with socket.create_server((host, port)):
            return None
    except OSError as exc:  # (socket.gaierror, for a host that does not resolve, is one)
        return _listen_problem(host, port, exc)


def _listen_problem(host: str, port: int, exc: OSError) -> str:
    # (socket.create_server adds "(while attempting to bind on address …)": the address is said below)
    why = (exc.strerror or str(exc)).split(" (while attempting")[0]
    if exc.errno == errno.EADDRINUSE:
        why += ": another server is listening there; pick another port with --port"
    elif exc.errno == errno.EACCES:
        why += ": ports below 1024 need root; pick another with --port"
    return f"cannot serve on {host}:{port}: {why}."
