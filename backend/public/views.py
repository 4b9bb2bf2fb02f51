"""One report as its public page shows it: built field by field, so no reporter field can slip in."""

from __future__ import annotations

from backend.public.schemas import ACTOR_LABELS, PageEvent, PageReport, event_label, status_label
from backend.public.service import Place, expected_at, public_photo_url
from backend.reports.categories import get_category
from backend.reports.models import Report

PUBLIC_NOTE_ACTORS = ("official", "agent", "system")


def page_view(report: Report, *, place: Place | None, base_url: str) -> PageReport:
    category = get_category(report.category)
    status_id, status_en = status_label(report.status)
    rating = getattr(report, "rating", None)  # the column arrives with issue 5's migration
    return PageReport(
        ticket=report.ticket,
        category=report.category,
        category_label=category.label_id,
        category_label_en=category.label_en,
        status=report.status,
        status_label=status_id,
        status_label_en=status_en,
        description=report.description,
        place=place.label() if place else (report.location_text or ""),
        location_text=report.location_text,
        latitude=report.latitude,
        longitude=report.longitude,
        photo_urls=[public_photo_url(base_url, p.id) for p in report.photos],
        created_at=report.created_at,
        updated_at=report.updated_at,
        expected_at=expected_at(report),
        responsible_unit=report.unit.name if report.unit else None,
        rating=rating if isinstance(rating, int) else None,
        events=[
            PageEvent(
                kind=e.kind,
                label_id=event_label(e.kind)[0],
                label_en=event_label(e.kind)[1],
                actor=ACTOR_LABELS.get(e.actor_kind, (e.actor_kind, e.actor_kind))[0],
                unit=e.unit.name if e.unit else None,
                note=e.note if e.actor_kind in PUBLIC_NOTE_ACTORS else None,
                created_at=e.created_at,
            )
            for e in report.events
        ],
    )
