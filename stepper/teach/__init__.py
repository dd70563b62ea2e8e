"""Turning pauses into explanations for learners (front-end neutral)."""
