"""stepper's terminal screen (Textual). The engine never imports this package; this package only
drives the engine through its public control API and draws its snapshots."""

from .app import StepperApp, run_app

__all__ = ["StepperApp", "run_app"]
