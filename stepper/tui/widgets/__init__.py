"""One small widget per panel. Each has `show(frame)` and draws only from the frame it was given."""

from .code import CodeView
from .error import ErrorPanel
from .grads import GradsView
from .loss_plot import LossPlot
from .params import ParamsView
from .phases import PhaseStrip
from .status import Notice, StatusBar, StatusInfo

__all__ = [
    "CodeView",
    "ErrorPanel",
    "GradsView",
    "LossPlot",
    "Notice",
    "ParamsView",
    "PhaseStrip",
    "StatusBar",
    "StatusInfo",
]
