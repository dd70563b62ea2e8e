"""Screens shown over the main one: help, the script's output, go to step N."""

from .goto import GoToStepScreen
from .help import HelpScreen
from .output import OutputScreen

__all__ = ["GoToStepScreen", "HelpScreen", "OutputScreen"]
