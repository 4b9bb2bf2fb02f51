"""HTTP metrics as a pure ASGI middleware (cheaper than BaseHTTPMiddleware on the hot path)."""

from __future__ import annotations

import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend import metrics


class MetricsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = _route_template(scope)
            method = scope.get("method", "GET")
            metrics.HTTP_REQUESTS.labels(method=method, route=route, status=str(status["code"])).inc()
            metrics.HTTP_LATENCY.labels(method=method, route=route).observe(time.perf_counter() - started)


def _route_template(scope: dict[str, Any]) -> str:
    # The template ("/api/reports/{ticket}"), not the path, so labels stay few.
    route = scope.get("route")
    return getattr(route, "path", None) or "unmatched"
