"""The `aduan` command."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from backend.config import Settings, get_settings
from backend.db import Database
from backend.wiring import install_report_hooks

app = typer.Typer(
    help="Aduan: citizen reports through chat. Example: `aduan serve` runs everything on this machine.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema. Example: `aduan db upgrade`.", no_args_is_help=True)
areas_app = typer.Typer(
    help="Boundaries and the area tree. Example: `aduan areas locate -6.1754 106.8272`.", no_args_is_help=True
)
officials_app = typer.Typer(
    help="Units and officials. Example: `aduan officials import roster.csv`.", no_args_is_help=True
)
reports_app = typer.Typer(
    help="Reports. Example: `aduan reports create --category banjir --lat -6.2 --lon 106.8`.",
    no_args_is_help=True,
)
app.add_typer(db_app, name="db")
app.add_typer(areas_app, name="areas")
app.add_typer(officials_app, name="officials")
telegram_app = typer.Typer(
    help="Telegram. Example: `aduan telegram poll` (development, no public URL needed).", no_args_is_help=True
)
app.add_typer(reports_app, name="reports")
app.add_typer(telegram_app, name="telegram")

console = Console()
err = Console(stderr=True, soft_wrap=True)  # an error line is not broken mid-path


@contextmanager
def _session(prepare: bool = True) -> Iterator[tuple[Settings, Session]]:
    settings = get_settings()
    if prepare:
        from backend.bootstrap import prepare_database

        prepare_database(settings)
    install_report_hooks(settings)
    database = Database(settings.database_url)
    try:
        with database.session() as session:
            yield settings, session
    finally:
        database.dispose()


def _fail(message: str, code: int = 2) -> None:
    err.print(f"[red]{message}[/red]")
    raise typer.Exit(code)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Run the main job: the web app and, in the embedded default, everything else in the same process.

    Example: `aduan serve --host 0.0.0.0 --port 8000`
    """
    import uvicorn

    from backend.main import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    console.print(
        f"Aduan on http://{host}:{port} (database {settings.database_url}, region {settings.region})"
    )
    console.print(
        f"channels on: {', '.join(enabled_channels(settings))}; web chat at http://{host}:{port}/chat"
    )
    uvicorn.run(create_app(settings, freeze_heap=True), host=host, port=port, log_level="info")


def enabled_channels(settings: Settings) -> list[str]:
    """A channel whose settings are absent is simply off."""
    names = ["web"] if settings.web_chat else []
    if settings.telegram_token:
        names.append("telegram")
    if settings.twilio_account_sid and settings.twilio_auth_token and settings.whatsapp_from:
        names.append("whatsapp")
    return names


@app.command()
def worker() -> None:
    """Send what the outbox holds and escalate overdue reports every minute (`aduan serve` does both
    inside in the embedded default).

    Example: `ADUAN_DATABASE_URL=postgresql://postgres@127.0.0.1/aduan aduan worker`
    """
    import asyncio
    import signal

    from backend.escalation.ticker import run_sla_loop
    from backend.main import build_channels
    from backend.notifications.worker import OutboxWorker, WorkerConfig
    from bots.channels.senders import channel_sender

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    install_report_hooks(settings)
    channels = build_channels(settings)
    if not channels:
        _fail("no push channel is configured (set ADUAN_TELEGRAM_TOKEN or the ADUAN_TWILIO_* settings)")

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        database = Database(settings.database_url)
        senders = {n: channel_sender(c) for n, c in channels.items()}
        worker = OutboxWorker(database, senders, WorkerConfig.from_settings(settings))
        try:
            idle = timedelta(minutes=settings.callcenter_idle_minutes)
            await asyncio.gather(
                worker.run(stop), run_sla_loop(database, stop, settings.sla_check_interval_seconds, idle)
            )
        finally:
            for channel in channels.values():
                await channel.close()
            database.dispose()

    console.print(f"worker sending for: {', '.join(channels)}")
    asyncio.run(main())


@telegram_app.command("poll")
def telegram_poll() -> None:
    """Development: answer Telegram by long polling instead of a webhook (deletes the webhook).

    Example: `ADUAN_TELEGRAM_TOKEN=123:abc aduan telegram poll`
    """
    import asyncio

    from backend.main import create_app
    from bots.channels.telegram_inbound import run_polling

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    if not settings.telegram_token:
        _fail("set ADUAN_TELEGRAM_TOKEN first")
    application = create_app(settings)

    async def main() -> None:
        async with application.router.lifespan_context(application):
            runtime = application.state.runtime
            await run_polling(runtime.channels["telegram"], runtime.pipeline)

    console.print("polling Telegram; Ctrl+C stops")
    asyncio.run(main())


@telegram_app.command("set-webhook")
def telegram_set_webhook(
    url: Annotated[
        str | None, typer.Option(help="Public URL; default ADUAN_BASE_URL/webhooks/telegram")
    ] = None,
) -> None:
    """Register the webhook with Telegram, with ADUAN_TELEGRAM_WEBHOOK_SECRET as its secret token.

    Example: `ADUAN_BASE_URL=https://aduan.example.id aduan telegram set-webhook`
    """
    import asyncio

    from bots.channels.telegram import TelegramChannel
    from bots.channels.telegram_inbound import set_webhook

    settings = get_settings()
    if not settings.telegram_token or not settings.telegram_webhook_secret:
        _fail("set ADUAN_TELEGRAM_TOKEN and ADUAN_TELEGRAM_WEBHOOK_SECRET first")
    secret = settings.telegram_webhook_secret.get_secret_value() if settings.telegram_webhook_secret else ""
    target = url or f"{settings.base_url.rstrip('/')}/webhooks/telegram"

    async def main() -> None:
        channel = TelegramChannel(settings)
        try:
            await set_webhook(channel, target, secret)
        finally:
            await channel.close()

    asyncio.run(main())
    console.print(f"webhook set: {target}")


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply the database migrations.

    Example: `ADUAN_DATABASE_URL=postgresql://postgres@127.0.0.1/aduan aduan db upgrade`
    """
    from backend.migrate import upgrade

    settings = get_settings()
    upgrade(settings.database_url, revision)
    console.print(f"database at {revision}: {settings.database_url}")


@areas_app.command("locate", context_settings={"ignore_unknown_options": True})
def areas_locate(
    lat: Annotated[float, typer.Argument(help="Latitude (WGS84).")],
    lon: Annotated[float, typer.Argument(help="Longitude (WGS84).")],
) -> None:
    """Print the kelurahan, kecamatan and kota of a point as JSON; exit 3 outside the region.

    Example: `aduan areas locate -6.1754 106.8272` (Monas, in Gambir)
    """
    from backend.areas.service import locate, region_title

    with _session() as (settings, session):
        found = locate(session, region=settings.region, lat=lat, lon=lon)
        if found is None:
            err.print(f"({lat}, {lon}) is outside {region_title(settings.region)}")
            raise typer.Exit(3)
        typer.echo(json.dumps(found.as_dict(), ensure_ascii=False))


@areas_app.command("import")
def areas_import(
    file: Annotated[Path, typer.Argument(help="A GeoJSON FeatureCollection of polygons.", exists=True)],
    region: Annotated[str, typer.Option(help="Region name, e.g. bandung.")],
    level: Annotated[
        str, typer.Option(help="Level of the polygons: kota, kecamatan, kelurahan, rw, rt.")
    ] = "kelurahan",
    name_field: Annotated[str, typer.Option(help="Property holding the area's name.")] = "name",
    parent_fields: Annotated[
        str, typer.Option(help="Comma-separated properties naming the parents, nearest first.")
    ] = "",
    code_field: Annotated[str | None, typer.Option(help="Property holding the area's official code.")] = None,
) -> None:
    """Import another region's boundaries: a new city is an import, not a code change.

    Example: `aduan areas import kota_bandung_kelurahan.geojson --region bandung --level kelurahan
    --name-field village --parent-fields district,regency --code-field village_code`
    """
    from backend.areas.service import AreaError, ImportSpec, import_geojson_file
    from backend.officials.service import ensure_units

    spec = ImportSpec(
        region=region,
        level=level,
        name_field=name_field,
        code_field=code_field,
        parent_fields=[f.strip() for f in parent_fields.split(",") if f.strip()],
    )
    with _session() as (_settings, session):
        try:
            counts = import_geojson_file(session, path=file, spec=spec)
        except AreaError as exc:
            _fail(str(exc))
        units = ensure_units(session, region=region)
    typer.echo(json.dumps({"region": region, "imported": counts, "units_created": units}))


@officials_app.command("import")
def officials_import(
    file: Annotated[Path, typer.Argument(help="CSV: name,role,unit[,channel,chat_id]", exists=True)],
) -> None:
    """Load a roster of officials. Example: `aduan officials import roster.csv`"""
    from backend.officials.service import OfficialsError, import_roster

    with _session() as (settings, session):
        try:
            n = import_roster(session, region=settings.region, path=file)
        except OfficialsError as exc:
            _fail(str(exc))
    console.print(f"{n} officials imported")


@officials_app.command("invite")
def officials_invite(
    unit: Annotated[str, typer.Option(help="Unit name as people say it, e.g. 'Kelurahan Bangka'.")],
    role: Annotated[str, typer.Option(help="lurah, camat, walikota, agency_staff, monitoring, agent, admin")],
    name: Annotated[str | None, typer.Option(help="The person's name, if known.")] = None,
) -> None:
    """Print a one-time invite code that binds a chat account to a new official.

    Example: `aduan officials invite --unit "Kelurahan Bangka" --role lurah`
    """
    from backend.officials.service import OfficialsError, create_invite, require_unit

    with _session() as (settings, session):
        try:
            code = create_invite(
                session, unit=require_unit(session, region=settings.region, name=unit), role=role, name=name
            )
        except OfficialsError as exc:
            _fail(str(exc))
    typer.echo(code)


@officials_app.command("seed")
def officials_seed() -> None:
    """Create the units and a demo official for every unit without one. Example: `aduan officials seed`"""
    from backend.officials.service import seed_demo_roster

    with _session() as (settings, session):
        n = seed_demo_roster(session, region=settings.region)
    console.print(f"{n} demo officials added")


@reports_app.command("create")
def reports_create(
    category: Annotated[str, typer.Option(help="Category code, e.g. banjir.")],
    lat: Annotated[float, typer.Option(help="Latitude.")],
    lon: Annotated[float, typer.Option(help="Longitude.")],
    text: Annotated[str, typer.Option(help="Description.")] = "",
) -> None:
    """Create a routed report (for operators and tests) and print its ticket.

    Example: `aduan reports create --category banjir --lat -6.2443 --lon 106.8003 --text "banjir 50 cm"`
    """
    from backend.reports.categories import UnknownCategory
    from backend.reports.service import Actor, OutsideRegion, ReportError, create_report

    with _session() as (settings, session):
        try:
            report = create_report(
                session,
                region=settings.region,
                category=category,
                description=text,
                latitude=lat,
                longitude=lon,
                source="operator",
                actor=Actor(kind="system", name="aduan reports create"),
            )
        except OutsideRegion as exc:
            _fail(str(exc), 3)
        except (UnknownCategory, ReportError) as exc:
            _fail(str(exc))
        typer.echo(json.dumps({"ticket": report.ticket, "unit": report.unit.name if report.unit else None}))


open311_app = typer.Typer(
    help='Open311 GeoReport v2 partners. Example: `aduan open311 add-key "LAPOR!"`.', no_args_is_help=True
)
app.add_typer(open311_app, name="open311")


@open311_app.command("add-key")
def open311_add_key(
    name: Annotated[str, typer.Argument(help='The partner system, e.g. "Email desk" or "LAPOR!".')],
) -> None:
    """Create an API key for a partner system; the key is printed once and only its hash is stored.

    Example: `aduan open311 add-key "Twitter desk"`
    """
    from backend.public.open311 import add_key

    with _session() as (_settings, session):
        try:
            row, key = add_key(session, name=name)
        except ValueError as exc:
            _fail(str(exc))
            return
    console.print(f"Open311 API key for [bold]{row.name}[/bold] (shown once, store it now):")
    print(key)


sla_app = typer.Typer(help="Deadlines and escalation. Example: `aduan sla check`.", no_args_is_help=True)
app.add_typer(sla_app, name="sla")


@sla_app.command("check")
def sla_check(
    at: Annotated[
        str | None, typer.Option(help="Run as if at this ISO time, e.g. 2026-11-25T10:00:00+07:00")
    ] = None,
) -> None:
    """Run one escalation pass and print what it escalated (the worker runs it every minute).

    Example: `aduan sla check --at 2026-11-26T08:00:00+07:00`
    """
    from datetime import UTC, datetime

    from backend.escalation.ticker import run_sla_check

    when = None
    if at:
        try:
            when = datetime.fromisoformat(at)
        except ValueError:
            _fail(f"--at must be an ISO time such as 2026-11-25T10:00:00+07:00, not {at!r}")
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
    settings = get_settings()
    from backend.bootstrap import prepare_database

    prepare_database(settings)
    install_report_hooks(settings)
    database = Database(settings.database_url)
    try:
        done = run_sla_check(database, now=when)
    finally:
        database.dispose()
    typer.echo(json.dumps([e.__dict__ for e in done], ensure_ascii=False))


staff_app = typer.Typer(
    help="Staff accounts of the web app (/dashboard). "
    'Example: `aduan staff add lurah@example.go.id --role official --unit "Kelurahan Cipete Utara"`.',
    no_args_is_help=True,
)
app.add_typer(staff_app, name="staff")


@staff_app.command("add")
def staff_add(
    email: Annotated[str, typer.Argument(help="The person's e-mail address (their login).")],
    role: Annotated[str, typer.Option(help="admin, monitoring, agent or official.")],
    unit: Annotated[
        str | None,
        typer.Option(help='An official\'s unit, e.g. "Kelurahan Cipete Utara" (required for officials).'),
    ] = None,
    name: Annotated[str | None, typer.Option(help="The name shown to colleagues and citizens.")] = None,
    password: Annotated[
        str | None,
        typer.Option(
            envvar="ADUAN_STAFF_PASSWORD",
            help="The password (at least 8 characters); asked for when not given. Prefer the prompt or "
            "ADUAN_STAFF_PASSWORD to the command line, which other users of the machine can see.",
        ),
    ] = None,
) -> None:
    """Create a staff account for the web app at /dashboard.

    Example: `aduan staff add agen1@example.go.id --role agent` (asks for the password)
    """
    from backend.officials.service import get_unit_by_name
    from backend.staff.service import StaffError, add_account

    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _session() as (settings, session):
        target = None
        if unit:
            target = get_unit_by_name(session, region=settings.region, name=unit)
            if target is None:
                _fail(f"no unit {unit!r} in {settings.region}; see `aduan officials seed` for the unit names")
        try:
            account = add_account(session, email=email, role=role, password=password, name=name, unit=target)
        except StaffError as exc:
            _fail(str(exc))
            return
        typer.echo(
            json.dumps(
                {"email": account.email, "role": account.role, "unit": target.name if target else None},
                ensure_ascii=False,
            )
        )


def _mount_nlu() -> None:
    try:
        from nlu.cli import app as nlu_app
    except ModuleNotFoundError as exc:  # TODO(lead): remove once nlu/cli.py has landed
        if exc.name != "nlu.cli":
            raise
        return
    app.add_typer(nlu_app, name="nlu")


_mount_nlu()
