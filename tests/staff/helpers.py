"""Helpers of the staff-app tests: accounts per role, logging in, reading the CSRF token."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from backend.officials.service import get_unit_by_name
from backend.staff.models import StaffAccount
from backend.staff.service import add_account

PASSWORD = "rahasia-uji-123"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
OFFICIAL_UNIT = "Kecamatan Kebayoran Baru"  # sees its kelurahan (Cipete Utara is one of them)
OTHER_UNIT = "Kecamatan Menteng"


@dataclass
class Accounts:
    admin: StaffAccount
    monitoring: StaffAccount
    agent: StaffAccount
    agent2: StaffAccount
    official: StaffAccount

    def of(self, role: str) -> StaffAccount:
        return getattr(self, role)


def make_accounts(session: Session, *, prefix: str = "") -> Accounts:
    def account(email: str, role: str, unit: str | None = None) -> StaffAccount:
        target = get_unit_by_name(session, region="jakarta", name=unit) if unit else None
        assert unit is None or target is not None, unit
        return add_account(
            session,
            email=f"{prefix}{email}",
            role=role,
            password=PASSWORD,
            name=email.split("@")[0],
            unit=target,
        )

    return Accounts(
        admin=account("admin@uji.id", "admin"),
        monitoring=account("pemantau@uji.id", "monitoring"),
        agent=account("agen1@uji.id", "agent"),
        agent2=account("agen2@uji.id", "agent"),
        official=account("camat@uji.id", "official", OFFICIAL_UNIT),
    )


def csrf_of(html: str) -> str:
    match = CSRF_META.search(html)
    assert match and match.group(1), "no CSRF token on the page"
    return match.group(1)


def login(client: Any, account: StaffAccount) -> str:
    """Log the client in; returns the session's CSRF token."""
    client.cookies.clear()
    response = client.post(
        "/dashboard/login", data={"email": account.email, "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    page = client.get(
        "/dashboard/balasan-cepat" if account.role in ("admin", "agent") else "/dashboard/laporan"
    )
    assert page.status_code == 200, page.text
    return csrf_of(page.text)
