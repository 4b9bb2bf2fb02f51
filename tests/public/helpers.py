"""Helpers for the public-side tests: reports made through the real service, schemas, XML checks."""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import jsonschema
from sqlalchemy.orm import Session

from backend.officials.models import Unit
from backend.reports.models import Report
from backend.reports.service import Actor, change_status, create_report

SCHEMAS = Path(__file__).parent / "schemas"
# Points inside Jakarta kelurahan (checked by the locator in the tests that use them).
CIPETE_UTARA = (-6.2615, 106.8106)
MENTENG = (-6.1960, 106.8330)
KELAPA_GADING = (-6.1580, 106.9080)


@cache
def schema(name: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))


def validate(body: Any, name: str) -> None:
    validator = jsonschema.Draft202012Validator(schema(name), format_checker=jsonschema.FormatChecker())
    validator.validate(body)


def parse_xml(response: Any) -> ET.Element:
    assert response.headers["content-type"] == "text/xml", response.headers["content-type"]
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


def children(element: ET.Element) -> list[str]:
    return [child.tag for child in element]


def make_report(
    session: Session,
    *,
    point: tuple[float, float] = CIPETE_UTARA,
    category: str = "banjir",
    description: str = "Banjir sepaha di jalan",
    now: datetime | None = None,
    **reporter: Any,
) -> Report:
    return create_report(
        session,
        region="jakarta",
        category=category,
        description=description,
        latitude=point[0],
        longitude=point[1],
        now=now,
        **reporter,
    )


def official(report: Report) -> Actor:
    unit: Unit | None = report.unit
    return Actor(kind="official", name="Petugas Uji", unit=unit)


def finish(session: Session, report: Report, *, at: datetime, note: str = "Sudah ditangani") -> None:
    change_status(session, report=report, to_status="selesai", actor=official(report), note=note, now=at)
