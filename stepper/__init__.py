"""stepper: a terminal step-through debugger that makes the PyTorch training loop visible."""

__version__ = "0.1.0"
