"""Alembic, driven from code: `aduan db upgrade`, and on start of the main job."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from backend.db import normalise_url

SCRIPT_LOCATION = Path(__file__).parent / "alembic"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)
