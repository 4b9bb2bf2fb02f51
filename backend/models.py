"""Every domain's models, imported in one place so the metadata (and Alembic) sees all tables."""

from backend.areas.models import Area
from backend.officials.models import ChatIdentity, InviteCode, Official, Unit
from backend.reports.models import InformedUnit, Photo, Report, ReportEvent

__all__ = [
    "Area",
    "ChatIdentity",
    "InformedUnit",
    "InviteCode",
    "Official",
    "Photo",
    "Report",
    "ReportEvent",
    "Unit",
]
