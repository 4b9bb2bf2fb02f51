from sqlalchemy import create_engine, inspect

from backend.db import normalise_url
from backend.migrate import downgrade, upgrade
from backend.models import Area, Report  # noqa: F401


def test_migrations_go_up_down_and_up_again(fresh_database_url: str) -> None:
    upgrade(fresh_database_url)
    engine = create_engine(normalise_url(fresh_database_url))
    tables = set(inspect(engine).get_table_names())
    assert {
        "areas",
        "units",
        "officials",
        "chat_identities",
        "invite_codes",
        "reports",
        "photos",
        "report_events",
        "report_informed_units",
        "alembic_version",
    } <= tables
    engine.dispose()
    downgrade(fresh_database_url, "base")
    engine = create_engine(normalise_url(fresh_database_url))
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    upgrade(fresh_database_url)
