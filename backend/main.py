"""The FastAPI app: the one place where the pieces are put together."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool

from backend.areas.service import place_records
from backend.bootstrap import prepare_database
from backend.config import Settings, get_settings
from backend.db import Database
from backend.observability import MetricsMiddleware
from backend.reports.router import router as reports_router

log = logging.getLogger("aduan")

# Extra start/stop steps (channels, the embedded worker) plug in here: each gets the app, returns a stopper.
Starter = Callable[[FastAPI], Any]


def build_nlu_engine(settings: Settings, db: Any) -> Any:
    from nlu.factory import build_engine

    with db.session() as session:
        places = place_records(session, region=settings.region)
    return build_engine(settings, places)


def create_app(
    settings: Settings | None = None,
    *,
    db: Any | None = None,
    prepare: bool = True,
    starters: list[Starter] | None = None,
) -> FastAPI:
    """`db` may be any object with a `session()` context manager (tests pass a rolled-back connection)."""
    settings = settings or get_settings()
    database = db or Database(settings.database_url)
    settings.media_dir.mkdir(parents=True, exist_ok=True)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if prepare:
            await run_in_threadpool(prepare_database, settings, database if db is None else None)
        app.state.nlu_engine = await run_in_threadpool(build_nlu_engine, settings, database)
        stoppers = [await _maybe_await(start(app)) for start in (starters or [])]
        try:
            yield
        finally:
            for stop in reversed(stoppers):
                if stop is not None:
                    await _maybe_await(stop())
            if db is None:
                database.dispose()

    app = FastAPI(
        title="Aduan",
        description="Citizen reports through chat: reports, routing to officials, public data.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = database
    app.add_middleware(MetricsMiddleware)
    _add_routes(app, settings)
    return app


async def _maybe_await(value: Any) -> Any:
    if hasattr(value, "__await__"):
        return await value
    return value


def _add_routes(app: FastAPI, settings: Settings) -> None:
    from nlu.router import router as nlu_router

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/metrics", tags=["ops"], include_in_schema=False)
    def prometheus_metrics() -> PlainTextResponse:
        return PlainTextResponse(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    app.include_router(reports_router)
    app.include_router(nlu_router, tags=["nlu"])
    app.mount("/media", StaticFiles(directory=settings.media_dir, check_dir=False), name="media")
