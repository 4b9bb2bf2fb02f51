"""What the public pages show: labels (Indonesian first, English second) and the report page's view."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

STATUS_LABELS: dict[str, tuple[str, str]] = {
    "menunggu": ("Menunggu", "Waiting"),
    "diproses": ("Diproses", "In progress"),
    "selesai": ("Selesai", "Done"),
    "ditolak": ("Ditolak", "Rejected"),
}

EVENT_LABELS: dict[str, tuple[str, str]] = {
    "dibuat": ("Laporan dibuat", "Report created"),
    "diproses": ("Diterima petugas", "Accepted by the officials"),
    "selesai": ("Dinyatakan selesai", "Marked done"),
    "ditolak": ("Ditolak", "Rejected"),
    "menunggu": ("Dibuka kembali", "Reopened"),
    "dibuka_kembali": ("Dibuka kembali", "Reopened"),
    "dialihkan": ("Dialihkan ke unit lain", "Passed to another unit"),
    "balasan": ("Balasan petugas", "Reply from the officials"),
    "eskalasi": ("Dinaikkan ke atasan", "Escalated"),
    "dinilai": ("Dinilai warga", "Rated by the citizen"),
    "didukung": ("Didukung warga lain", "Supported by another citizen"),
    "foto_hasil": ("Foto hasil", "Photo of the result"),
}

ACTOR_LABELS: dict[str, tuple[str, str]] = {
    "citizen": ("Warga", "Citizen"),
    "official": ("Petugas", "Official"),
    "agent": ("Call center", "Call center"),
    "system": ("Sistem", "System"),
    "partner": ("Kanal mitra", "Partner channel"),
}


def status_label(status: str) -> tuple[str, str]:
    return STATUS_LABELS.get(status, (status, status))


def event_label(kind: str) -> tuple[str, str]:
    fallback = kind.replace("_", " ").capitalize()
    return EVENT_LABELS.get(kind, (fallback, fallback))


class PageEvent(BaseModel):
    kind: str
    label_id: str
    label_en: str
    actor: str  # the kind of actor (warga, petugas, ...): never a person's name or chat identity
    unit: str | None
    note: str | None  # only notes written by officials, agents or the system; never a citizen's text
    created_at: datetime


class PageReport(BaseModel):
    ticket: str
    category: str
    category_label: str
    category_label_en: str
    status: str
    status_label: str
    status_label_en: str
    description: str
    place: str
    location_text: str | None
    latitude: float | None
    longitude: float | None
    photo_urls: list[str]
    created_at: datetime
    updated_at: datetime
    expected_at: datetime
    responsible_unit: str | None
    rating: int | None
    events: list[PageEvent]
