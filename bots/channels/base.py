"""The Channel interface: a small adapter between one platform and the dialog engine."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bots.messages import IncomingMessage, OutgoingMessage


@dataclass(frozen=True)
class SendResult:
    platform_message_id: str | None


class ChannelError(Exception):
    """A send failed. `retry_after` is set when the platform asked us to wait (e.g. Telegram 429)."""

    def __init__(self, message: str, *, retry_after: float | None = None, permanent: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent


class Channel(ABC):
    name: str

    @abstractmethod
    async def send(self, message: OutgoingMessage) -> SendResult:
        """Deliver one message; fall back to text for what the platform cannot show."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release clients and connections."""


InboundHandler = Callable[[IncomingMessage], Awaitable[None]]
"""The inbound pipeline a webhook hands each parsed message to (dedupe, dialog, queue replies).

Idempotent: a platform retry with the same (channel, platform_message_id) is a no-op. If it raises,
the webhook answers 500 so the platform delivers the update again."""


def split_text(text: str, limit: int) -> list[str]:
    """Cut a long text into messages of at most `limit` characters, at a line break or space if possible."""
    chunks: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut <= 0:
            cut = text.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        chunks.append(text[:cut])
        text = text[cut:].lstrip("\n ")
    chunks.append(text)
    return chunks
