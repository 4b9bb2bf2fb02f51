"""Test databases: a SQLite file or a PostgreSQL database made for the test run and dropped after it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy import Connection
from sqlalchemy.orm import Session

PG_ADMIN_DSN = os.environ.get("ADUAN_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextmanager
def temporary_database(kind: str, folder: Path) -> Iterator[str]:
    """Yield a SQLAlchemy URL of an empty database of the given kind; drop it afterwards."""
    if kind == "sqlite":
        path = folder / f"aduan-{uuid.uuid4().hex[:8]}.db"
        yield f"sqlite:///{path}"
        return
    name = f"aduan_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_DSN.rsplit("/", 1)[0]
    try:
        yield f"postgresql+psycopg://{base.split('://', 1)[1]}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class ConnectionDatabase:
    """Looks like backend.db.Database, but every session runs inside one outer transaction that the
    test rolls back: commits become savepoints, so each test starts from the same data."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.engine = connection.engine

    @contextmanager
    def session(self) -> Iterator[Session]:
        with (
            Session(
                bind=self.connection, join_transaction_mode="create_savepoint", expire_on_commit=False
            ) as session,
            session.begin(),
        ):
            yield session

    def dispose(self) -> None:
        pass
