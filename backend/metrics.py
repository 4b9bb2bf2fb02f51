"""Prometheus metrics (prometheus-client), exposed at /metrics."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

HTTP_REQUESTS = Counter("aduan_http_requests_total", "HTTP requests", ["method", "route", "status"])
HTTP_LATENCY = Histogram(
    "aduan_http_request_duration_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
INBOUND_MESSAGES = Counter("aduan_inbound_messages_total", "Messages received from people", ["channel"])
REPORTS_CREATED = Counter("aduan_reports_created_total", "Reports created", ["category"])
NOTIFICATIONS_SENT = Counter("aduan_notifications_sent_total", "Notifications sent", ["channel"])
NOTIFICATIONS_FAILED = Counter("aduan_notifications_failed_total", "Notifications given up on", ["channel"])
