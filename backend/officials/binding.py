"""Binding a chat account to an official with a one-time invite code, with a brake on guessing."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.conversations.models import Conversation
from backend.db import utcnow
from backend.officials.models import ChatIdentity, InviteCode, Official
from backend.officials.service import add_official, bind_identity, hash_code

FREE_ATTEMPTS = 3  # wrong codes before the chat has to wait
BLOCK_STEP = timedelta(minutes=5)  # the wait grows with every further wrong code


class InviteRefused(Exception):
    """The code is wrong, used or expired (one message for all three: no hint for a guesser)."""


class SlowDown(Exception):
    def __init__(self, until: datetime) -> None:
        super().__init__(f"too many wrong codes; wait until {until.isoformat()}")
        self.until = until


def redeem_invite(
    session: Session,
    *,
    conversation: Conversation,
    code: str,
    display_name: str | None,
    now: datetime | None = None,
) -> Official:
    now = now or utcnow()
    if conversation.invite_blocked_until and conversation.invite_blocked_until > now:
        raise SlowDown(conversation.invite_blocked_until)
    invite = session.scalar(
        select(InviteCode).where(InviteCode.code_hash == hash_code(code)).with_for_update(of=InviteCode)
    )
    if invite is None or invite.used_at is not None or invite.expires_at <= now:
        conversation.invite_failures += 1
        if conversation.invite_failures >= FREE_ATTEMPTS:
            extra = conversation.invite_failures - FREE_ATTEMPTS + 1
            conversation.invite_blocked_until = now + BLOCK_STEP * extra
        raise InviteRefused(code)
    official = add_official(
        session, unit=invite.unit, name=invite.name or display_name or "Petugas", role=invite.role
    )
    bind_identity(session, official=official, channel=conversation.channel, chat_id=conversation.chat_id)
    invite.used_at = now
    invite.official_id = official.id
    conversation.invite_failures = 0
    conversation.invite_blocked_until = None
    return official


def unbind(session: Session, *, channel: str, chat_id: str) -> bool:
    identity = session.scalar(
        select(ChatIdentity).where(ChatIdentity.channel == channel, ChatIdentity.chat_id == chat_id)
    )
    if identity is None:
        return False
    session.delete(identity)
    session.flush()
    return True
