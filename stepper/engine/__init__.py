"""stepper's engine: runs a training script one phase at a time. It never imports textual (or torch,
until a script runs), so every front end can start fast and the engine can be used without a screen."""

from . import output
from .breakpoints import Breakpoints, parse_loss_condition
from .session import Finished, Loading, Output, Paused, Session, SessionEvent
from .snapshot import PHASES, LossCurve, Notice, OptimizerInfo, RunEnd, ScriptError, Snapshot, TensorStats
from .source import ScriptLoadError, ScriptSource, load_script

__all__ = [
    "PHASES",
    "Breakpoints",
    "Finished",
    "Loading",
    "LossCurve",
    "Notice",
    "OptimizerInfo",
    "Output",
    "Paused",
    "RunEnd",
    "ScriptError",
    "ScriptLoadError",
    "ScriptSource",
    "Session",
    "SessionEvent",
    "Snapshot",
    "TensorStats",
    "load_script",
    "output",
    "parse_loss_condition",
]
