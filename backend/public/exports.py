"""The public fields of reports as GeoJSON and CSV, and the kelurahan boundaries as GeoJSON."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.areas.models import Area
from backend.public.service import Place, PublicRow

CSV_FIELDS = (
    "ticket",
    "category",
    "category_label",
    "status",
    "open311_status",
    "kelurahan",
    "kecamatan",
    "kota",
    "latitude",
    "longitude",
    "responsible_unit",
    "created_at",
    "updated_at",
    "expected_at",
    "status_notes",
    "description",
    "url",
)


def _value(row: PublicRow, name: str) -> Any:
    value = getattr(row, name)
    return value.isoformat() if hasattr(value, "isoformat") else value


def reports_geojson(rows: Sequence[PublicRow]) -> dict[str, Any]:
    features = []
    for row in rows:
        if row.latitude is None or row.longitude is None:
            continue
        properties = {name: _value(row, name) for name in CSV_FIELDS if name not in ("latitude", "longitude")}
        properties["photo_urls"] = list(row.photo_urls)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [row.longitude, row.latitude]},
                "properties": properties,
            }
        )
    return {"type": "FeatureCollection", "features": features}


def reports_csv(rows: Sequence[PublicRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_FIELDS)
    for row in rows:
        writer.writerow(["" if (v := _value(row, n)) is None else v for n in CSV_FIELDS])
    return out.getvalue()


def kelurahan_geojson(session: Session, *, region: str, all_places: dict[int, Place]) -> str:
    """The kelurahan polygons stored in the database, with their names; built as text (large)."""
    rows = session.execute(
        select(Area.id, Area.name, Area.code, Area.geometry)
        .where(Area.region == region, Area.level == "kelurahan", Area.geometry.is_not(None))
        .order_by(Area.id)
    ).all()
    parts = []
    for row in rows:
        place = all_places.get(row.id)
        properties = {
            "area_id": row.id,
            "kelurahan": row.name,
            "kecamatan": place.kecamatan if place else None,
            "kota": place.kota if place else None,
            "code": row.code,
        }
        parts.append(
            '{"type":"Feature","properties":'
            + json.dumps(properties, ensure_ascii=False)
            + ',"geometry":'
            + row.geometry
            + "}"
        )
    return '{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}"


def area_geometry(session: Session, *, area_id: int) -> dict[str, Any] | None:
    text = session.scalar(select(Area.geometry).where(Area.id == area_id))
    return json.loads(text) if text else None
