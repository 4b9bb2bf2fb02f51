"""The FastAPI app: the one place where the pieces are put together."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool

from backend.areas.geocoding import build_place_finder
from backend.areas.service import get_locator, place_records, region_title
from backend.bootstrap import prepare_database, print_demo_staff
from backend.config import Settings, get_settings
from backend.db import Database
from backend.escalation.ticker import run_sla_loop
from backend.notifications.worker import OutboxWorker, WorkerConfig
from backend.observability import MetricsMiddleware
from backend.reports.router import router as reports_router
from backend.wiring import install_report_hooks
from bots.channels.base import Channel
from bots.channels.senders import channel_sender
from bots.channels.web import build_web_router
from bots.dialog.engine import DialogEngine
from bots.dialog.turn import Services
from bots.inbound import InboundPipeline
from nlu.base import NluEngine, PlaceRecord

log = logging.getLogger("aduan")


@dataclass
class Runtime:
    """What the app built at start: the pieces tests and commands reach through `app.state.runtime`."""

    pipeline: InboundPipeline
    channels: dict[str, Channel] = field(default_factory=dict)
    worker: OutboxWorker | None = None


def load_places(settings: Settings, db: Any) -> tuple[list[PlaceRecord], tuple[float, float, float, float]]:
    with db.session() as session:
        return place_records(session, region=settings.region), get_locator(
            session, region=settings.region
        ).bounds()


def build_nlu_engine(settings: Settings, places: list[PlaceRecord]) -> NluEngine:
    from nlu.factory import build_engine

    return build_engine(settings, places)


def create_app(
    settings: Settings | None = None,
    *,
    db: Any | None = None,
    prepare: bool = True,
    freeze_heap: bool = False,
) -> FastAPI:
    """`db` may be any object with a `session()` context manager (tests pass a rolled-back connection).

    `freeze_heap` (for a process that serves this one app: `aduan serve`) moves what start-up built out of
    the garbage collector's reach once the app is ready.
    """
    settings = settings or get_settings()
    database = db or Database(settings.database_url)
    settings.media_dir.mkdir(parents=True, exist_ok=True)
    install_report_hooks(settings)
    pipeline = InboundPipeline(database, engine=None)  # type: ignore[arg-type] - the engine comes at start
    channels = build_channels(settings)
    runtime = Runtime(pipeline=pipeline, channels=channels)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if prepare:
            done = await run_in_threadpool(prepare_database, settings, None)
            print_demo_staff(done, settings.base_url)
        places, bounds = await run_in_threadpool(load_places, settings, database)
        engine = await run_in_threadpool(build_nlu_engine, settings, places)
        app.state.nlu_engine = engine
        pipeline.engine = DialogEngine(
            Services(
                settings=settings,
                nlu=engine,
                places=build_place_finder(settings, places, bounds),
                region_title=region_title(settings.region),
            )
        )
        if freeze_heap:
            # Start-up left a large long-lived heap (the NLU model, the region's polygons, the ORM's
            # mappers). Frozen, a full collection no longer walks it in the middle of a chat turn.
            gc.collect()
            gc.freeze()
        stop = asyncio.Event()
        worker_task = await _start_worker(settings, database, runtime, stop)
        log.info("channels on: %s", ", ".join(["web" if settings.web_chat else "", *channels]).strip(", "))
        try:
            yield
        finally:
            stop.set()
            if worker_task is not None:
                await worker_task
            for channel in channels.values():
                await channel.close()
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
    app.state.runtime = runtime
    app.add_middleware(MetricsMiddleware)
    _add_routes(app, settings, runtime)
    return app


def build_channels(settings: Settings) -> dict[str, Channel]:
    """The push channels whose settings are present; a channel without settings is simply off."""
    channels: dict[str, Channel] = {}
    if settings.telegram_token:
        from bots.channels.telegram import TelegramChannel

        channels["telegram"] = TelegramChannel(settings)
    if settings.twilio_account_sid and settings.twilio_auth_token and settings.whatsapp_from:
        from bots.channels.whatsapp import WhatsAppChannel

        channels["whatsapp"] = WhatsAppChannel(settings)
    return channels


async def _start_worker(settings: Settings, database: Any, runtime: Runtime, stop: asyncio.Event) -> Any:
    """The embedded default: the SLA timer and (with a push channel) the outbox worker in this process."""
    if not settings.embedded_worker:
        return None
    idle = timedelta(minutes=settings.callcenter_idle_minutes)
    tasks = [asyncio.create_task(run_sla_loop(database, stop, settings.sla_check_interval_seconds, idle))]
    if runtime.channels:
        senders = {name: channel_sender(ch) for name, ch in runtime.channels.items()}
        worker = OutboxWorker(database, senders, WorkerConfig.from_settings(settings))
        runtime.worker = worker
        runtime.pipeline.on_outbox = worker.notify
        tasks.append(asyncio.create_task(worker.run(stop)))
    return asyncio.gather(*tasks)


def _add_routes(app: FastAPI, settings: Settings, runtime: Runtime) -> None:
    from backend.public.open311_router import router as open311_router
    from backend.public.router import STATIC_DIR as PUBLIC_STATIC_DIR
    from backend.public.router import router as public_router
    from backend.web.errors import install_error_pages
    from backend.web.router import STATIC_DIR as DASHBOARD_STATIC_DIR
    from backend.web.router import router as dashboard_router
    from nlu.router import router as nlu_router

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/metrics", tags=["ops"], include_in_schema=False)
    def prometheus_metrics() -> PlainTextResponse:
        return PlainTextResponse(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    app.include_router(reports_router)
    app.include_router(nlu_router, tags=["nlu"])
    app.include_router(public_router)
    app.include_router(open311_router)
    app.mount("/public/static", StaticFiles(directory=PUBLIC_STATIC_DIR), name="public-static")
    app.include_router(dashboard_router)
    app.mount("/dashboard/static", StaticFiles(directory=DASHBOARD_STATIC_DIR), name="dashboard-static")
    install_error_pages(app)
    if settings.web_chat:
        app.include_router(build_web_router(runtime.pipeline, settings.max_photo_bytes))
    if "telegram" in runtime.channels:
        from bots.channels.telegram_inbound import build_telegram_router

        secret = (
            settings.telegram_webhook_secret.get_secret_value() if settings.telegram_webhook_secret else ""
        )
        if not secret:
            log.warning(
                "ADUAN_TELEGRAM_WEBHOOK_SECRET is not set: the Telegram webhook refuses every request"
            )
        app.include_router(build_telegram_router(runtime.channels["telegram"], runtime.pipeline, secret))  # type: ignore[arg-type]
    if "whatsapp" in runtime.channels:
        from bots.channels.whatsapp import build_whatsapp_router

        def public_url(request: Request) -> str:
            # Twilio signs the public URL it called, which behind a proxy is not the one we see.
            query = f"?{request.url.query}" if request.url.query else ""
            return f"{settings.base_url.rstrip('/')}{request.url.path}{query}"

        app.include_router(build_whatsapp_router(runtime.channels["whatsapp"], runtime.pipeline, public_url))  # type: ignore[arg-type]
