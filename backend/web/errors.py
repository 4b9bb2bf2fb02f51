"""Error pages of the staff app: a browser gets a page in both languages, a script keeps FastAPI's JSON."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from backend.web.templating import render

PREFIX = "/dashboard"
TITLES = {
    400: ("Permintaan tidak bisa diproses", "Bad request"),
    403: ("Tidak diizinkan", "Not allowed"),
    404: ("Tidak ditemukan", "Not found"),
    405: ("Tidak bisa dengan cara ini", "Method not allowed"),
    409: ("Bentrok dengan perubahan lain", "Conflict"),
    422: ("Isian tidak valid", "Invalid input"),
}


def wants_page(request: Request) -> bool:
    """A person in a browser on the staff app (scripts and the JSON API keep JSON answers)."""
    return request.url.path.startswith(PREFIX) and "text/html" in request.headers.get("accept", "")


def error_page(request: Request, status: int, detail: str | None) -> Response:
    title_id, title_en = TITLES.get(status, ("Terjadi kesalahan", "Something went wrong"))
    context = {"status": status, "title_id": title_id, "title_en": title_en, "detail": detail}
    return render(request, "error.html", None, context, status=status)


def install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(HTTPException)
    async def on_http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code >= 400 and wants_page(request):
            detail = exc.detail if isinstance(exc.detail, str) else None
            return error_page(request, exc.status_code, detail)
        return await http_exception_handler(request, exc)

    @app.exception_handler(RequestValidationError)
    async def on_invalid_input(request: Request, exc: RequestValidationError) -> Response:
        if wants_page(request):
            fields = ", ".join(str(e["loc"][-1]) for e in exc.errors() if e.get("loc"))
            return error_page(request, 422, fields or None)
        return await request_validation_exception_handler(request, exc)
