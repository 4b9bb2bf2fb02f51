"""The public view of a report: no reporter identity, ever."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class PublicEvent(BaseModel):
    kind: str
    from_status: str | None
    to_status: str | None
    actor: str  # "warga" for citizens; the official's unit for officials: never a person's chat identity
    unit: str | None
    note: str | None
    created_at: datetime


class PublicReport(BaseModel):
    ticket: str
    category: str
    category_label: str
    status: str
    description: str
    kelurahan: str | None
    kecamatan: str | None
    kota: str | None
    latitude: float | None
    longitude: float | None
    photo_urls: list[str]
    created_at: datetime
    updated_at: datetime
    responsible_unit: str | None
    events: list[PublicEvent]


class ErrorBody(BaseModel):
    error: str
    detail: str
