"""Open311 GeoReport v2: partner keys, services from the taxonomy, requests to and from reports.

HTTP lives in open311_router.py, XML/JSON in open311_format.py; this module holds the meaning.
Reports filed here go through `create_report`, so they are located, routed and notified exactly like chat
reports; the partner is recorded as the report's source ("open311:<name>") and on an open311_requests row.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.areas.geocoding import Place, PlaceFinder
from backend.public.models import Open311Key, Open311Request
from backend.public.service import PublicRow
from backend.reports.categories import Category, get_category, load_taxonomy

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
MAX_WINDOW = timedelta(days=90)
MAX_REQUESTS = 1000
MAX_DESCRIPTION = 4000
KEY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._!&()-]{0,49}$")

GROUPS: dict[str, str] = {
    "kemacetan": "lalu lintas",
    "parkir_liar": "lalu lintas",
    "banjir": "lingkungan",
    "sampah": "lingkungan",
    "pohon_tumbang": "lingkungan",
    "jalan_rusak": "prasarana",
    "fasilitas_umum": "prasarana",
    "pkl_liar": "ketertiban",
    "pengemis": "ketertiban",
    "pelanggaran": "ketertiban",
    "kriminal": "darurat",
    "kebakaran": "darurat",
    "bencana": "darurat",
}


class Open311Error(Exception):
    """An error the spec names: HTTP status and a description for the client."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


# --- partner keys -----------------------------------------------------------------------------------


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def add_key(session: Session, *, name: str) -> tuple[Open311Key, str]:
    """Create a partner's key; the plain key is returned once and only its sha256 is stored."""
    name = name.strip()
    if not KEY_NAME.match(name):
        raise ValueError("a partner name is 1-50 letters, digits, spaces or . _ - ! & ( )")
    if session.scalar(select(Open311Key.id).where(Open311Key.name == name)) is not None:
        raise ValueError(f"a key named {name!r} exists already")
    key = secrets.token_urlsafe(32)
    row = Open311Key(name=name, key_hash=hash_key(key), active=True)
    session.add(row)
    session.flush()
    return row, key


def authenticate(session: Session, *, api_key: str | None) -> Open311Key:
    if not api_key:
        raise Open311Error(403, "api_key is missing -- can't proceed with create_request")
    row = session.scalar(select(Open311Key).where(Open311Key.key_hash == hash_key(api_key)))
    if row is None or not row.active:
        raise Open311Error(403, "Invalid api_key received -- can't proceed with create_request")
    return row


# --- discovery and services -------------------------------------------------------------------------


def discovery(*, endpoint_url: str, region_title: str) -> dict[str, Any]:
    changeset = "2026-11-25T00:00:00Z"
    return {
        "changeset": changeset,
        "contact": f"Aduan {region_title}: pengaduan warga / citizen reports. Open311 GeoReport v2.",
        "key_service": "API keys are issued to partner systems by the city: `aduan open311 add-key NAME`.",
        "endpoints": [
            {
                "specification": SPEC_URL,
                "url": endpoint_url,
                "changeset": changeset,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }


def _service(category: Category) -> dict[str, Any]:
    hours = category.finish_within.total_seconds() / 3600
    target = f"{hours:g} jam" if hours < 48 else f"{hours / 24:g} hari"
    return {
        "service_code": category.code,
        "service_name": category.label_id,
        "description": f"{category.label_id} / {category.label_en}. Target selesai / target: {target}.",
        "metadata": True,
        "type": "realtime",
        "keywords": f"{category.label_id}, {category.label_en}, {category.code.replace('_', ' ')}",
        "group": GROUPS.get(category.code, "lainnya"),
    }


def services() -> list[dict[str, Any]]:
    return [_service(c) for c in load_taxonomy().values()]


def _category(service_code: str | None) -> Category:
    if not service_code:
        raise Open311Error(400, "service_code was not provided")
    if service_code not in load_taxonomy():
        raise Open311Error(404, f"service_code {service_code!r} was not found")
    return get_category(service_code)


def service_definition(service_code: str) -> dict[str, Any]:
    """What the bot asks for beyond the standard fields (location, description, photo)."""
    category = _category(service_code)
    attributes: list[dict[str, Any]] = [
        {
            "variable": True,
            "code": "patokan",
            "datatype": "string",
            "required": False,
            "datatype_description": "Patokan dekat lokasi / a landmark near the place",
            "order": 1,
            "description": "Patokan (misalnya: depan Pasar Minggu) / Landmark (e.g. by Pasar Minggu)",
            "values": [],
        },
        {
            "variable": True,
            "code": "sudah_lama",
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": None,
            "order": 2,
            "description": "Sejak kapan? / Since when?",
            "values": [
                {"key": "baru", "name": "Baru saja / Just now"},
                {"key": "hari", "name": "Beberapa hari / A few days"},
                {"key": "lama", "name": "Lebih dari seminggu / More than a week"},
            ],
        },
    ]
    if category.emergency:
        attributes.append(
            {
                "variable": False,
                "code": "darurat",
                "datatype": "text",
                "required": False,
                "datatype_description": None,
                "order": 3,
                "description": "Keadaan darurat: telepon 112. / Emergency: call 112.",
                "values": [],
            }
        )
    return {"service_code": category.code, "attributes": attributes}


# --- requests ---------------------------------------------------------------------------------------


def w3c(value: datetime | None, zone: str) -> str | None:
    """ISO 8601 with the region's offset, e.g. 2024-05-01T08:15:30+07:00."""
    if value is None:
        return None
    return value.astimezone(ZoneInfo(zone)).replace(microsecond=0).isoformat()


def request_record(row: PublicRow, *, zone: str) -> dict[str, Any]:
    """One service request, fields in the spec's order; no reporter field exists in PublicRow."""
    address = ", ".join(p for p in (row.location_text, row.kelurahan, row.kecamatan, row.kota) if p)
    return {
        "service_request_id": row.ticket,
        "status": row.open311_status,
        "status_notes": row.status_notes,
        "service_name": row.category_label,
        "service_code": row.category,
        "description": row.description,
        "agency_responsible": row.responsible_unit,
        "service_notice": None,
        "requested_datetime": w3c(row.created_at, zone),
        "updated_datetime": w3c(row.updated_at, zone),
        "expected_datetime": w3c(row.expected_at, zone),
        "address": address or None,
        "address_id": None,
        "zipcode": None,
        "lat": row.latitude,
        "long": row.longitude,
        "media_url": row.photo_urls[0] if row.photo_urls else None,
    }


def parse_w3c(name: str, text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace(" ", "+"))
    except ValueError as exc:
        raise Open311Error(400, f"{name} must be a w3 datetime, e.g. 2010-01-01T00:00:00Z") from exc
    if value.tzinfo is None:
        raise Open311Error(400, f"{name} must include a time zone (Z or +07:00)")
    return value.astimezone(UTC)


@dataclass(frozen=True)
class RequestQuery:
    ids: list[str]
    service_codes: list[str]
    statuses: list[str]
    start: datetime
    end: datetime


def _csv(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def parse_request_query(params: dict[str, str], *, now: datetime) -> RequestQuery:
    """The GET requests filters; the window is at most 90 days and defaults to the last 90."""
    codes = _csv(params.get("service_code"))
    for code in codes:
        if code not in load_taxonomy():
            raise Open311Error(404, f"service_code {code!r} was not found")
    statuses = [s.lower() for s in _csv(params.get("status"))]
    if any(s not in ("open", "closed") for s in statuses):
        raise Open311Error(400, "status must be open or closed (comma separated)")
    start_text, end_text = params.get("start_date"), params.get("end_date")
    start = parse_w3c("start_date", start_text) if start_text else None
    end = parse_w3c("end_date", end_text) if end_text else None
    if start and end and end < start:
        raise Open311Error(400, "end_date is before start_date")
    if start and end and end - start > MAX_WINDOW:
        raise Open311Error(400, "start_date and end_date may not span more than 90 days")
    if start is None and end is None:
        end, start = now, now - MAX_WINDOW
    elif start is None:
        assert end is not None
        start = end - MAX_WINDOW
    elif end is None:
        end = start + MAX_WINDOW
    return RequestQuery(
        ids=_csv(params.get("service_request_id")),
        service_codes=codes,
        statuses=statuses,
        start=start,
        end=end,
    )


@dataclass(frozen=True)
class NewRequest:
    category: Category
    latitude: float | None
    longitude: float | None
    address_string: str | None
    description: str
    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None
    media_url: str | None
    attributes: dict[str, Any]

    @property
    def reporter_name(self) -> str | None:
        return " ".join(p for p in (self.first_name, self.last_name) if p) or None


def _float(name: str, text: str, low: float, high: float) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise Open311Error(400, f"{name} must be a number (WGS84 degrees)") from exc
    if not low <= value <= high:
        raise Open311Error(400, f"{name} is out of range")
    return value


def _attributes(items: Sequence[tuple[str, str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    pattern = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")
    for key, value in items:
        match = pattern.match(key)
        if not match:
            continue
        code, many = match.group(1), bool(match.group(2))
        if many or code in out:
            previous = out.get(code)
            values = previous if isinstance(previous, list) else ([] if previous is None else [previous])
            out[code] = [*values, value]
        else:
            out[code] = value
    return out


def parse_new_request(items: Sequence[tuple[str, str]]) -> NewRequest:
    """The POST form (api_key already checked): service, location, description, contact, attributes."""
    form = {k: v.strip() for k, v in items if isinstance(v, str) and v.strip()}
    category = _category(form.get("service_code"))
    lat_text, long_text = form.get("lat"), form.get("long")
    if bool(lat_text) != bool(long_text):
        raise Open311Error(400, "lat and long must both be sent")
    address = form.get("address_string") or form.get("address_id")
    if not lat_text and not address:
        raise Open311Error(400, "a location is required: lat and long, or address_string")
    description = form.get("description", "")
    if len(description) > MAX_DESCRIPTION:
        raise Open311Error(400, "description is limited to 4,000 characters")
    return NewRequest(
        category=category,
        latitude=_float("lat", lat_text, -90, 90) if lat_text else None,
        longitude=_float("long", long_text, -180, 180) if long_text else None,
        address_string=address,
        description=description,
        first_name=form.get("first_name"),
        last_name=form.get("last_name"),
        email=form.get("email"),
        phone=form.get("phone"),
        media_url=form.get("media_url"),
        attributes=_attributes(items),
    )


def new_token() -> str:
    return secrets.token_hex(16)


def record_request(session: Session, *, key: Open311Key, report_id: int, new: NewRequest) -> Open311Request:
    row = Open311Request(
        token=new_token(),
        report_id=report_id,
        key=key,
        contact_email=new.email,
        contact_phone=new.phone,
        attributes=new.attributes,
        media_url=new.media_url,
    )
    session.add(row)
    session.flush()
    return row


def by_token(session: Session, *, token: str) -> Open311Request | None:
    return session.scalar(select(Open311Request).where(Open311Request.token == token))


def locate_address(finder: PlaceFinder, address: str, *, min_confidence: float = 0.6) -> Place | None:
    """An address written most specific first ("Jl. X, Cipete Utara, Kebayoran Baru, Jakarta Selatan"):
    the first comma-separated part the geocoder knows wins; a kelurahan beats its kecamatan of the same
    name, and candidates that agree with the other parts (kecamatan, kota) beat those that do not."""
    parts = [p.strip() for p in address.split(",") if p.strip()]
    for index, part in enumerate(parts):
        found = [p for p in finder.find(part) if p.confidence >= max(min_confidence, 0.75)]
        if not found:
            continue
        others = [o.casefold() for i, o in enumerate(parts) if i != index]

        def score(place: Place, others: list[str] = others) -> tuple[int, bool, float]:
            label = place.label.casefold()
            agree = sum(1 for o in others if o in label)
            return (agree, label.startswith("kelurahan"), place.confidence)

        return max(found, key=score)
    whole = [p for p in finder.find(address) if p.confidence >= min_confidence]
    return whole[0] if whole else None
