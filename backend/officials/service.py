"""Units, officials, rosters and invite codes."""

from __future__ import annotations

import csv
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from backend.areas.models import Area
from backend.areas.service import AreaError, shipped_region
from backend.db import utcnow
from backend.officials.models import ROLES, ChatIdentity, InviteCode, Official, Unit
from backend.reports.tickets import ALPHABET
from backend.routing.table import Agency, load_routing_table

INVITE_LENGTH = 8
INVITE_TTL = timedelta(days=7)
OFFICE_KIND = {"kelurahan": "kelurahan_office", "kecamatan": "kecamatan_office", "kota": "kota_office"}
OFFICE_ROLE = {"kelurahan_office": "lurah", "kecamatan_office": "camat", "kota_office": "walikota"}


class OfficialsError(Exception):
    """Bad input: an unknown unit or role, a malformed roster."""


# --- names ---------------------------------------------------------------------------------------


def kota_prefix(region: str, kota: str) -> str:
    try:
        prefixes = shipped_region(region).kota_office_prefix
    except AreaError:
        prefixes = {}
    return prefixes.get(kota, prefixes.get("default", "Kota"))


def office_name(area: Area) -> str:
    """What people call the office of an area: `Kelurahan Bangka`, `Kota Jakarta Selatan`."""
    if area.level == "kota":
        return f"{kota_prefix(area.region, area.name)} {area.name}"
    return f"{area.level.capitalize()} {area.name}"


def agency_unit_name(agency: Agency, area: Area) -> str:
    """`Sudin Bina Marga Jakarta Selatan`, `Polsek Mampang Prapatan`."""
    return f"{agency.name} {area.name}"


# --- units ---------------------------------------------------------------------------------------


def get_unit_by_name(session: Session, *, region: str, name: str) -> Unit | None:
    wanted = " ".join(name.split()).lower()
    return session.scalar(select(Unit).where(Unit.region == region, func.lower(Unit.name) == wanted))


def require_unit(session: Session, *, region: str, name: str) -> Unit:
    unit = get_unit_by_name(session, region=region, name=name)
    if unit is None:
        raise OfficialsError(
            f"no unit named {name!r} (e.g. 'Kelurahan Bangka', 'Kecamatan Mampang Prapatan')"
        )
    return unit


_UNIT_OF_AREA = select(Unit).where(Unit.area_id == bindparam("area_id"), Unit.kind == bindparam("kind"))
_AGENCY_UNIT = _UNIT_OF_AREA.where(Unit.agency == bindparam("agency"))


def office_of(session: Session, *, area: Area) -> Unit | None:
    return session.scalar(_UNIT_OF_AREA, {"area_id": area.id, "kind": OFFICE_KIND[area.level]})


def agency_unit_for(session: Session, *, agency: Agency, area: Area) -> Unit | None:
    """The agency's unit at its level (kota or kecamatan) covering the given area."""
    level_area = area.ancestor(agency.level)
    if level_area is None:
        return None
    return session.scalar(_AGENCY_UNIT, {"area_id": level_area.id, "kind": "agency", "agency": agency.code})


def city_unit(session: Session, *, region: str, kind: str) -> Unit:
    """The region's monitoring unit or call center (created when missing)."""
    table = load_routing_table(region)
    name = table.monitoring_unit if kind == "monitoring" else table.call_center_unit
    unit = get_unit_by_name(session, region=region, name=name)
    if unit is None:
        unit = Unit(region=region, name=name, kind=kind)
        session.add(unit)
        session.flush()
    return unit


def ensure_units(session: Session, *, region: str) -> int:
    """One office per kelurahan, kecamatan and kota, one unit per agency at its level, and the city units."""
    table = load_routing_table(region)
    existing = {u.name for u in session.scalars(select(Unit).where(Unit.region == region))}
    created = 0
    areas = list(session.scalars(select(Area).where(Area.region == region, Area.level.in_(OFFICE_KIND))))
    for area in areas:
        wanted = [(office_name(area), OFFICE_KIND[area.level], None)]
        wanted += [
            (agency_unit_name(agency, area), "agency", agency.code)
            for agency in table.agencies.values()
            if agency.level == area.level
        ]
        for name, kind, agency_code in wanted:
            if name not in existing:
                session.add(Unit(region=region, name=name, kind=kind, agency=agency_code, area_id=area.id))
                existing.add(name)
                created += 1
    for kind in ("monitoring", "call_center"):
        city_unit(session, region=region, kind=kind)
    session.flush()
    return created


def escalation_chain(session: Session, *, unit: Unit) -> list[Unit]:
    """The units above `unit`, nearest first: kelurahan office -> kecamatan -> kota -> monitoring unit."""
    chain: list[Unit] = []
    area = unit.area
    if unit.kind == "agency" and area is not None:
        # An agency answers to the office of the area it covers, then upwards.
        office = office_of(session, area=area)
        if office is not None:
            chain.append(office)
    if area is not None:
        node = area.parent
        while node is not None:
            if node.level in OFFICE_KIND:
                office = office_of(session, area=node)
                if office is not None:
                    chain.append(office)
            node = node.parent
    if unit.kind != "monitoring":
        chain.append(city_unit(session, region=unit.region, kind="monitoring"))
    return chain


# --- officials -----------------------------------------------------------------------------------


def add_official(session: Session, *, unit: Unit, name: str, role: str) -> Official:
    if role not in ROLES:
        raise OfficialsError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    official = Official(name=name.strip(), role=role, unit=unit)
    session.add(official)
    session.flush()
    return official


def bind_identity(session: Session, *, official: Official, channel: str, chat_id: str) -> ChatIdentity:
    identity = session.scalar(
        select(ChatIdentity).where(ChatIdentity.channel == channel, ChatIdentity.chat_id == chat_id)
    )
    if identity is None:
        identity = ChatIdentity(official=official, channel=channel, chat_id=chat_id)
        session.add(identity)
    else:
        identity.official = official
    session.flush()
    return identity


_IS_BOUND = select(ChatIdentity.id).where(
    ChatIdentity.channel == bindparam("channel"), ChatIdentity.chat_id == bindparam("chat_id")
)


def official_for_chat(session: Session, *, channel: str, chat_id: str) -> Official | None:
    # Asked for every inbound message; most chats are citizens, so first the cheap question (a statement
    # built once), without flushing the turn's pending writes (they reach the database at the turn's end).
    with session.no_autoflush:
        bound = session.scalar(_IS_BOUND, {"channel": channel, "chat_id": chat_id})
    if bound is None:
        return None
    return session.scalar(
        select(Official)
        .join(ChatIdentity)
        .where(ChatIdentity.channel == channel, ChatIdentity.chat_id == chat_id, Official.active.is_(True))
    )


def officials_of(session: Session, *, unit: Unit) -> list[Official]:
    return list(
        session.scalars(select(Official).where(Official.unit_id == unit.id, Official.active.is_(True)))
    )


def seed_demo_roster(session: Session, *, region: str) -> int:
    """A demo official for every unit that has none, and two call-center agents; returns the number added."""
    ensure_units(session, region=region)
    staffed = set(session.scalars(select(Official.unit_id).distinct()))
    added = 0
    for unit in session.scalars(select(Unit).where(Unit.region == region).order_by(Unit.id)):
        if unit.id in staffed:
            continue
        if unit.kind == "call_center":
            for n in (1, 2):
                add_official(session, unit=unit, name=f"Agen Call Center {n} (demo)", role="agent")
                added += 1
            continue
        role = OFFICE_ROLE.get(unit.kind, "monitoring" if unit.kind == "monitoring" else "agency_staff")
        title = {"lurah": "Lurah", "camat": "Camat", "walikota": "Wali Kota"}.get(role, "Petugas")
        add_official(session, unit=unit, name=f"{title} {unit.name} (demo)", role=role)
        added += 1
    session.flush()
    return added


@dataclass(frozen=True)
class RosterRow:
    line: int
    name: str
    role: str
    unit: str
    channel: str | None
    chat_id: str | None


def read_roster(path: Path) -> list[RosterRow]:
    """CSV with columns name,role,unit and optional channel,chat_id."""
    rows: list[RosterRow] = []
    with Path(path).open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = {"name", "role", "unit"} - set(reader.fieldnames or [])
        if missing:
            raise OfficialsError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        for line, raw in enumerate(reader, start=2):
            name, role, unit = (raw.get(k, "").strip() for k in ("name", "role", "unit"))
            if not (name and role and unit):
                raise OfficialsError(f"{path} line {line}: name, role and unit are required")
            rows.append(
                RosterRow(
                    line,
                    name,
                    role,
                    unit,
                    (raw.get("channel") or "").strip() or None,
                    (raw.get("chat_id") or "").strip() or None,
                )
            )
    return rows


def import_roster(session: Session, *, region: str, path: Path) -> int:
    rows = read_roster(path)
    for row in rows:
        unit = get_unit_by_name(session, region=region, name=row.unit)
        if unit is None:
            raise OfficialsError(f"{path} line {row.line}: no unit named {row.unit!r}")
        if row.role not in ROLES:
            raise OfficialsError(f"{path} line {row.line}: unknown role {row.role!r}")
    for row in rows:
        unit = require_unit(session, region=region, name=row.unit)
        official = session.scalar(
            select(Official).where(Official.unit_id == unit.id, Official.name == row.name)
        )
        if official is None:
            official = add_official(session, unit=unit, name=row.name, role=row.role)
        official.role = row.role
        if row.channel and row.chat_id:
            bind_identity(session, official=official, channel=row.channel, chat_id=row.chat_id)
    session.flush()
    return len(rows)


# --- invite codes --------------------------------------------------------------------------------


def hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def create_invite(
    session: Session,
    *,
    unit: Unit,
    role: str,
    name: str | None = None,
    ttl: timedelta = INVITE_TTL,
    now: datetime | None = None,
) -> str:
    """A one-time code; only its hash is stored."""
    if role not in ROLES:
        raise OfficialsError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    code = "".join(secrets.choice(ALPHABET) for _ in range(INVITE_LENGTH))
    session.add(
        InviteCode(
            code_hash=hash_code(code), unit=unit, role=role, name=name, expires_at=(now or utcnow()) + ttl
        )
    )
    session.flush()
    return code
