"""Login, logout, the start page, and the admin pages: canned replies, staff accounts, audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from backend.deps import SessionDep, SettingsDep
from backend.notifications.service import failed_deliveries, outbox_counts
from backend.officials.service import get_unit_by_name
from backend.staff.auth import (
    COOKIE,
    Admin,
    AnyStaff,
    CallCenter,
    Supervisor,
    clear_login_cookie,
    set_login_cookie,
)
from backend.staff.models import STAFF_ROLES, StaffAccount
from backend.staff.service import (
    StaffError,
    add_account,
    audit,
    audit_entries,
    authenticate,
    canned_replies,
    close_session,
    delete_canned_reply,
    open_session,
    save_canned_reply,
    session_for,
)
from backend.web.templating import back, render

router = APIRouter()
HOME = {
    "admin": "/dashboard/antrean",
    "agent": "/dashboard/antrean",
    "monitoring": "/dashboard/laporan",
    "official": "/dashboard/laporan",
}


@router.get("/", response_class=HTMLResponse, summary="The staff app: each role's start page")
def home(staff: AnyStaff) -> RedirectResponse:
    return RedirectResponse(HOME[staff.role], status_code=303)


@router.get("/login", response_class=HTMLResponse, summary="Login page")
def login_page(request: Request, session: SessionDep) -> Response:
    if session_for(session, token=request.cookies.get(COOKIE)) is not None:
        return RedirectResponse("/dashboard/", status_code=303)
    return render(request, "login.html", None)


@router.post("/login", summary="Log in with e-mail and password")
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    # No session yet, so no CSRF token: SameSite=Strict on the cookie set here guards what follows.
    account = authenticate(session, email=email, password=password)
    if account is None:
        audit(session, account=None, action="login_failed", email=email.strip().lower()[:254])
        return render(
            request,
            "login.html",
            None,
            {"login_error": "E-mail atau kata sandi salah / wrong e-mail or password", "email": email},
            status=401,
        )
    token, _row = open_session(session, account=account)
    audit(session, account=account, action="login")
    response = RedirectResponse(HOME[account.role], status_code=303)
    set_login_cookie(response, token, secure=settings.base_url.startswith("https://"))
    return response


@router.post("/logout", summary="Log out")
def logout(request: Request, staff: AnyStaff, session: SessionDep) -> Response:
    close_session(session, token=request.cookies.get(COOKIE))
    audit(session, account=staff.account, action="logout")
    response = RedirectResponse("/dashboard/login", status_code=303)
    clear_login_cookie(response)
    return response


# --- canned replies ------------------------------------------------------------------------------


@router.get("/balasan-cepat", response_class=HTMLResponse, summary="Canned replies")
def canned_page(request: Request, staff: CallCenter, session: SessionDep) -> HTMLResponse:
    return render(request, "balasan.html", staff, {"canned": canned_replies(session)})


@router.post("/balasan-cepat", summary="Add or change a canned reply (admin)")
def canned_save(
    staff: Admin,
    session: SessionDep,
    code: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
) -> Response:
    try:
        row = save_canned_reply(session, code=code, text=text)
    except StaffError as exc:
        return back("/dashboard/balasan-cepat", err=str(exc))
    audit(session, account=staff.account, action="canned_saved", code=row.code)
    return back("/dashboard/balasan-cepat", msg=f"{row.code} disimpan / saved")


@router.post("/balasan-cepat/{code}/hapus", summary="Delete a canned reply (admin)")
def canned_delete(code: str, staff: Admin, session: SessionDep) -> Response:
    if delete_canned_reply(session, code=code):
        audit(session, account=staff.account, action="canned_deleted", code=code)
    return back("/dashboard/balasan-cepat", msg=f"{code} dihapus / deleted")


# --- staff accounts and the audit log ------------------------------------------------------------


@router.get("/staf", response_class=HTMLResponse, summary="Staff accounts (admin)")
def staff_page(request: Request, staff: Admin, session: SessionDep) -> HTMLResponse:
    accounts = list(session.scalars(select(StaffAccount).order_by(StaffAccount.role, StaffAccount.email)))
    return render(request, "staf.html", staff, {"accounts": accounts, "roles": STAFF_ROLES})


@router.post("/staf", summary="Add a staff account (admin)")
def staff_add(
    staff: Admin,
    session: SessionDep,
    settings: SettingsDep,
    email: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    unit: Annotated[str, Form()] = "",
) -> Response:
    target = get_unit_by_name(session, region=settings.region, name=unit.strip()) if unit.strip() else None
    if unit.strip() and target is None:
        return back("/dashboard/staf", err=f"tidak ada unit {unit!r} / no such unit")
    try:
        with session.begin_nested():
            account = add_account(session, email=email, role=role, password=password, unit=target)
    except StaffError as exc:
        return back("/dashboard/staf", err=str(exc))
    audit(session, account=staff.account, action="staff_added", email=account.email, role=role)
    return back("/dashboard/staf", msg=f"{account.email} dibuat / created")


@router.post("/staf/{account_id}/aktif", summary="Activate or deactivate an account (admin)")
def staff_toggle(account_id: int, staff: Admin, session: SessionDep) -> Response:
    account = session.get(StaffAccount, account_id)
    if account is None or account.id == staff.account.id:
        return back("/dashboard/staf", err="tidak bisa / not possible")
    account.active = not account.active
    audit(session, account=staff.account, action="staff_active", email=account.email, active=account.active)
    return back("/dashboard/staf")


@router.get("/audit", response_class=HTMLResponse, summary="The audit log")
def audit_page(
    request: Request, staff: Supervisor, session: SessionDep, conversation: int | None = None
) -> HTMLResponse:
    rows = audit_entries(session, conversation_id=conversation, limit=300)
    return render(request, "audit.html", staff, {"rows": rows})


@router.get("/pengiriman", response_class=HTMLResponse, summary="Notifications that failed, and the backlog")
def delivery_page(request: Request, staff: Supervisor, session: SessionDep) -> HTMLResponse:
    context = {"failed": failed_deliveries(session), "counts": outbox_counts(session)}
    return render(request, "pengiriman.html", staff, context)
