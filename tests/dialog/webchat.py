"""A web chat citizen for tests: posts to /chat/web/messages like the page does."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient


class WebChat:
    def __init__(self, client: TestClient, session: str | None = None, language: str = "id") -> None:
        self.client = client
        self.session = session or f"test-{uuid.uuid4().hex[:16]}"
        self.language = language
        self.last: list[dict[str, Any]] = []

    def send(
        self,
        text: str | None = None,
        *,
        photo: bytes | None = None,
        location: tuple[float, float] | None = None,
        button: str | None = None,
        message_id: str | None = None,
        photo_type: str = "image/jpeg",
        expect: int = 200,
    ) -> list[dict[str, Any]]:
        data: dict[str, Any] = {"session": self.session}
        if text is not None:
            data["text"] = text
        if button is not None:
            data["button"] = button
        if location is not None:
            data["latitude"], data["longitude"] = location
        if message_id is not None:
            data["message_id"] = message_id
        files = {"photo": ("photo.jpg", photo, photo_type)} if photo is not None else None
        response = self.client.post(
            "/chat/web/messages", data=data, files=files, headers={"Accept-Language": self.language}
        )
        assert response.status_code == expect, response.text
        self.last = response.json().get("replies", [])
        return self.last

    def texts(self) -> str:
        return "\n".join(r["text"] for r in self.last)

    def buttons(self) -> list[str]:
        return [b["value"] for r in self.last for b in r["buttons"]]

    def press(self, value: str) -> list[dict[str, Any]]:
        assert value in self.buttons(), f"{value} not offered: {self.buttons()}"
        return self.send(button=value)
