"""Messages from the engine's worker thread to the app."""

from __future__ import annotations

from textual.message import Message


class SessionChanged(Message):
    """Something happened in session number `generation` (a pause, output, the end).

    It carries no data: the app reads the session's history and state when it handles it, so a burst
    of these collapses to one (latest wins) and a fast run cannot flood the screen.
    """

    def __init__(self, generation: int, waiting: bool = False, reason: str | None = None) -> None:
        super().__init__()
        self.generation = generation
        self.waiting = waiting  # sent for a pause at which the script is about to wait
        self.reason = reason  # why a running script stopped there (a breakpoint, a NaN), if it did

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SessionChanged) and message.generation == self.generation
