"""Login sessions over HTTP: an HttpOnly SameSite cookie, role checks, and a CSRF token on every POST.

The cookie holds a random token whose hash names a row of staff_sessions, so logging out (or
deactivating an account) ends the session everywhere at once. Each session has its own CSRF token:
every form carries it as `csrf_token`, scripts send it as the `X-CSRF-Token` header.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Response
from sqlalchemy.orm import Session

from backend.deps import get_session
from backend.staff.models import StaffAccount, StaffSession
from backend.staff.service import SESSION_LIFETIME, session_for

COOKIE = "aduan_staff"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


LOGIN_URL = "/dashboard/login"


def login_required() -> HTTPException:
    """No valid login: browsers are sent to the login page (303), scripts see the same status."""
    return HTTPException(status_code=303, detail="login required", headers={"Location": LOGIN_URL})


@dataclass
class Staff:
    """The logged-in person of this request."""

    account: StaffAccount
    login: StaffSession

    @property
    def role(self) -> str:
        return self.account.role

    @property
    def csrf(self) -> str:
        return self.login.csrf_token


def set_login_cookie(response: Response, token: str, *, secure: bool) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=secure,
        path="/dashboard",
    )


def clear_login_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/dashboard")


def _current(request: Request, session: Annotated[Session, Depends(get_session)]) -> Staff:
    login = session_for(session, token=request.cookies.get(COOKIE))
    if login is None:
        raise login_required()
    return Staff(account=login.account, login=login)


def staff_for_stream(request: Request, roles: tuple[str, ...]) -> Staff:
    """The login check of a long-lived response (server-sent events): a short session of its own, so
    no database session (nor SQLite's writer lock) is held while the stream runs."""
    with request.app.state.db.session() as session:
        login = session_for(session, token=request.cookies.get(COOKIE))
        if login is None:
            raise login_required()
        if login.account.role not in roles:
            raise HTTPException(status_code=403, detail="Anda tidak berhak membuka ini / not allowed")
        return Staff(account=login.account, login=login)


async def _check_csrf(request: Request, staff: Staff) -> None:
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not secrets.compare_digest(sent, staff.csrf):
        raise HTTPException(status_code=403, detail="CSRF token missing or wrong; reload the page")


def require(*roles: str) -> Callable[..., object]:
    """A dependency: the logged-in staff member, if their role is one of `roles` (403 otherwise);
    on POST the CSRF token is checked before anything else happens."""

    async def dependency(request: Request, staff: Annotated[Staff, Depends(_current)]) -> Staff:
        await _check_csrf(request, staff)
        if staff.role not in roles:
            raise HTTPException(status_code=403, detail="Anda tidak berhak membuka ini / not allowed")
        return staff

    return dependency


ALL_ROLES = ("admin", "monitoring", "agent", "official")
AnyStaff = Annotated[Staff, Depends(require(*ALL_ROLES))]
CallCenter = Annotated[Staff, Depends(require("admin", "agent"))]
Monitoring = Annotated[Staff, Depends(require("admin", "monitoring", "official"))]
Supervisor = Annotated[Staff, Depends(require("admin", "monitoring"))]
Admin = Annotated[Staff, Depends(require("admin"))]
Official = Annotated[Staff, Depends(require("official"))]
