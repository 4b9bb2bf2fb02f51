"""Every domain's models, imported in one place so the metadata (and Alembic) sees all tables."""

from backend.areas.models import Area
from backend.conversations.models import Conversation, InboundMessage, TranscriptEntry
from backend.escalation.models import Deadline
from backend.notifications.models import OutboxMessage
from backend.officials.models import ChatIdentity, InviteCode, Official, Unit
from backend.public.models import Open311Key, Open311Request
from backend.reports.models import Follower, InformedUnit, Photo, Report, ReportEvent
from backend.staff.models import AuditLog, CannedReply, ConversationHold, StaffAccount, StaffSession

__all__ = [
    "Area",
    "AuditLog",
    "CannedReply",
    "ChatIdentity",
    "Conversation",
    "ConversationHold",
    "Deadline",
    "Follower",
    "InboundMessage",
    "InformedUnit",
    "InviteCode",
    "Official",
    "Open311Key",
    "Open311Request",
    "OutboxMessage",
    "Photo",
    "Report",
    "ReportEvent",
    "StaffAccount",
    "StaffSession",
    "TranscriptEntry",
    "Unit",
]
