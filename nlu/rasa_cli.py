"""Rasa commands for `aduan nlu` (rasa-setup, rasa-train, rasa-serve); filled in by the Rasa work."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the rasa-* commands to the `aduan nlu` app."""
