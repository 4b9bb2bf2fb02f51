"""Choosing the NLU engine from the settings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nlu.base import NluEngine, PlaceRecord
from nlu.builtin import BuiltinEngine
from nlu.gazetteer import Gazetteer


def build_engine(settings: Any, places: Sequence[PlaceRecord]) -> NluEngine:
    """The engine named by `settings.nlu_engine`: "builtin" (default) or "rasa" (with builtin fallback)."""
    gazetteer = Gazetteer(list(places))
    builtin = BuiltinEngine(gazetteer=gazetteer, settings=settings)
    if settings.nlu_engine == "rasa":
        from nlu.rasa import RasaEngine

        return RasaEngine(url=settings.rasa_url, gazetteer=gazetteer, fallback=builtin)
    return builtin
