"""Staff accounts: passwords (argon2), login sessions, the audit log, canned replies, the demo staff."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from backend.areas.models import Area
from backend.db import utcnow
from backend.officials.models import Official, Unit
from backend.officials.service import add_official, city_unit, get_unit_by_name
from backend.staff.models import STAFF_ROLES, AuditLog, CannedReply, StaffAccount, StaffSession

SESSION_LIFETIME = timedelta(hours=12)
LOCK_AFTER_FAILURES = 5
LOCK_FOR = timedelta(minutes=5)
MIN_PASSWORD = 8
OFFICE_KINDS = ("kelurahan_office", "kecamatan_office", "kota_office")
DEFAULT_CANNED = {
    "salam": "Halo, saya petugas call center Aduan. Ada yang bisa saya bantu? / Hello, I am a call-center "
    "agent. How can I help?",
    "lokasi": "Mohon kirim lokasi masalahnya (tombol lokasi atau nama jalan dan kelurahan). / Please send "
    "the location (the location button, or the street and kelurahan).",
    "foto": "Jika bisa, kirim foto masalahnya. / If you can, please send a photo of the problem.",
    "darurat": "Untuk keadaan darurat, segera telepon 112 (gratis, 24 jam). / In an emergency, call 112 "
    "(free, 24 hours).",
    "terima": "Terima kasih, laporan Anda sudah kami teruskan ke petugas yang bertanggung jawab. / Thank "
    "you, your report has been passed to the officials in charge.",
}

_hasher = PasswordHasher()


class StaffError(Exception):
    """A staff step that cannot be done as asked; the message says why."""


# --- accounts ------------------------------------------------------------------------------------


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if "@" not in email or email.startswith("@") or email.endswith("@") or len(email) > 254:
        raise StaffError(f"not an e-mail address: {email!r}")
    return email


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise StaffError(f"a password needs at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def get_account(session: Session, *, email: str) -> StaffAccount | None:
    return session.scalar(select(StaffAccount).where(StaffAccount.email == email.strip().lower()))


def add_account(
    session: Session,
    *,
    email: str,
    role: str,
    password: str,
    name: str | None = None,
    unit: Unit | None = None,
) -> StaffAccount:
    """A new account. An official's account needs a unit and gets an Official there to act as."""
    email = normalise_email(email)
    if role not in STAFF_ROLES:
        raise StaffError(f"unknown role {role!r}; use one of {', '.join(STAFF_ROLES)}")
    if role == "official" and unit is None:
        raise StaffError("an official's account needs --unit (the unit's name)")
    if get_account(session, email=email) is not None:
        raise StaffError(f"{email} already has an account")
    official: Official | None = None
    if role == "official" and unit is not None:
        official = add_official(session, unit=unit, name=name or email, role=_official_role(unit))
    account = StaffAccount(
        email=email,
        name=(name or email.split("@")[0]).strip(),
        password_hash=hash_password(password),
        role=role,
        unit=unit,
        official=official,
        active=True,
        failed_logins=0,
    )
    session.add(account)
    session.flush()
    return account


def _official_role(unit: Unit) -> str:
    return {
        "kelurahan_office": "lurah",
        "kecamatan_office": "camat",
        "kota_office": "walikota",
        "monitoring": "monitoring",
        "call_center": "agent",
    }.get(unit.kind, "agency_staff")


def authenticate(
    session: Session, *, email: str, password: str, now: datetime | None = None
) -> StaffAccount | None:
    """The account when the password is right; a few wrong ones in a row lock it for a while."""
    now = now or utcnow()
    account = get_account(session, email=email)
    if account is None:
        _hasher.hash(password)  # the same work as a real check: no timing hint that the e-mail is unknown
        return None
    if not account.active or (account.locked_until is not None and account.locked_until > now):
        return None
    try:
        _hasher.verify(account.password_hash, password)
    except (VerificationError, InvalidHashError):
        account.failed_logins += 1
        if account.failed_logins >= LOCK_AFTER_FAILURES:
            account.locked_until, account.failed_logins = now + LOCK_FOR, 0
        return None
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = _hasher.hash(password)
    account.failed_logins, account.locked_until, account.last_login_at = 0, None, now
    return account


# --- sessions ------------------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(
    session: Session, *, account: StaffAccount, now: datetime | None = None
) -> tuple[str, StaffSession]:
    """A new login session; returns the cookie token (shown once, only its hash is stored)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    row = StaffSession(
        token_hash=_token_hash(token),
        account=account,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
        expires_at=now + SESSION_LIFETIME,
    )
    session.add(row)
    session.flush()
    return token, row


def session_for(session: Session, *, token: str | None, now: datetime | None = None) -> StaffSession | None:
    if not token:
        return None
    now = now or utcnow()
    row = session.scalar(select(StaffSession).where(StaffSession.token_hash == _token_hash(token)))
    if row is None or row.expires_at <= now or not row.account.active:
        return None
    if now - row.last_seen_at > timedelta(minutes=1):
        row.last_seen_at = now
    return row


def close_session(session: Session, *, token: str | None) -> None:
    if token:
        session.execute(delete(StaffSession).where(StaffSession.token_hash == _token_hash(token)))


# --- audit log -----------------------------------------------------------------------------------


def audit(
    session: Session,
    *,
    account: StaffAccount | None,
    action: str,
    conversation_id: int | None = None,
    report_id: int | None = None,
    now: datetime | None = None,
    **detail: Any,
) -> AuditLog:
    row = AuditLog(
        account_id=account.id if account else None,
        actor=account.email if account else "system",
        action=action,
        conversation_id=conversation_id,
        report_id=report_id,
        detail=detail,
        created_at=now or utcnow(),
    )
    session.add(row)
    return row


def audit_entries(
    session: Session,
    *,
    conversation_id: int | None = None,
    report_id: int | None = None,
    limit: int = 200,
) -> list[AuditLog]:
    stmt = select(AuditLog).order_by(AuditLog.id.desc()).limit(limit)
    if conversation_id is not None:
        stmt = stmt.where(AuditLog.conversation_id == conversation_id)
    if report_id is not None:
        stmt = stmt.where(AuditLog.report_id == report_id)
    return list(session.scalars(stmt))


# --- canned replies ------------------------------------------------------------------------------


def canned_replies(session: Session) -> list[CannedReply]:
    return list(session.scalars(select(CannedReply).order_by(CannedReply.code)))


def save_canned_reply(session: Session, *, code: str, text: str) -> CannedReply:
    code, text = code.strip().lower(), text.strip()
    if not code or len(code) > 32 or not code.replace("_", "").replace("-", "").isalnum():
        raise StaffError("a code is 1-32 letters, digits, - or _")
    if not text:
        raise StaffError("the text is empty")
    row = session.scalar(select(CannedReply).where(CannedReply.code == code))
    if row is None:
        row = CannedReply(code=code, text=text)
        session.add(row)
    else:
        row.text = text
    session.flush()
    return row


def delete_canned_reply(session: Session, *, code: str) -> bool:
    return bool(session.execute(delete(CannedReply).where(CannedReply.code == code)).rowcount)


def ensure_canned_replies(session: Session) -> int:
    """The default canned replies, when there are none yet."""
    if session.scalar(select(CannedReply.id).limit(1)) is not None:
        return 0
    for code, text in DEFAULT_CANNED.items():
        session.add(CannedReply(code=code, text=text))
    session.flush()
    return len(DEFAULT_CANNED)


# --- who sees what -------------------------------------------------------------------------------


def visible_unit_ids(session: Session, *, account: StaffAccount) -> set[int] | None:
    """The units whose reports the account may see; None means every unit.

    An official sees their unit and, for an office, every unit under its area (the units whose
    escalation chain it is on: the same rule as backend.officials.permissions.can_act).
    """
    if account.role != "official":
        return None
    unit = account.unit
    if unit is None:
        return set()
    if unit.kind == "monitoring":
        return None
    if unit.kind not in OFFICE_KINDS or unit.area_id is None:
        return {unit.id}
    areas = session.execute(select(Area.id, Area.parent_id).where(Area.region == unit.region)).all()
    children: dict[int, list[int]] = {}
    for area_id, parent_id in areas:
        if parent_id is not None:
            children.setdefault(parent_id, []).append(area_id)
    below, todo = {unit.area_id}, [unit.area_id]
    while todo:
        for child in children.get(todo.pop(), []):
            below.add(child)
            todo.append(child)
    ids = set(session.scalars(select(Unit.id).where(Unit.area_id.in_(sorted(below)))))
    return ids | {unit.id}


# --- the demo staff ------------------------------------------------------------------------------


def seed_demo_staff(session: Session, region: str) -> list[tuple[str, str, str]]:
    """One demo account per role, made once: [(email, role, password)] of the accounts made now.

    The passwords are random and returned only here, for the main job to print on its first start.
    """
    ensure_canned_replies(session)
    if session.scalar(select(StaffAccount.id).where(StaffAccount.email.like("%@demo.aduan"))) is not None:
        return []
    units = {
        "official": _demo_official_unit(session, region=region),
        "monitoring": city_unit(session, region=region, kind="monitoring"),
        "agent": city_unit(session, region=region, kind="call_center"),
        "admin": None,
    }
    made: list[tuple[str, str, str]] = []
    for role in STAFF_ROLES:
        email, password = f"{role}@demo.aduan", secrets.token_urlsafe(9)
        unit = units[role] if role == "official" else None
        add_account(session, email=email, role=role, password=password, name=f"Demo {role}", unit=unit)
        made.append((email, role, password))
    return made


def _demo_official_unit(session: Session, *, region: str) -> Unit:
    """A kecamatan office (it sees its kelurahan too); any office when the region names none."""
    unit = get_unit_by_name(session, region=region, name="Kecamatan Kebayoran Baru")
    unit = unit or session.scalar(
        select(Unit).where(Unit.region == region, Unit.kind == "kecamatan_office").order_by(Unit.id)
    )
    return unit or city_unit(session, region=region, kind="monitoring")
