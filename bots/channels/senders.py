"""Outbox payloads -> channel sends: how the worker (backend) reaches a platform without importing it."""

from __future__ import annotations

from typing import Any

from backend.notifications.worker import Sender, SendFailed
from bots.channels.base import Channel, ChannelError
from bots.messages import Button, OutgoingMessage


def outgoing_from_payload(channel: str, chat_id: str, payload: dict[str, Any]) -> OutgoingMessage:
    return OutgoingMessage(
        channel=channel,
        chat_id=chat_id,
        text=payload.get("text", ""),
        buttons=[Button(label=b["label"], value=b["value"]) for b in payload.get("buttons") or []],
        request_location=bool(payload.get("request_location")),
        image_path=payload.get("image_path"),
        image_url=payload.get("image_url"),
    )


def channel_sender(channel: Channel) -> Sender:
    async def send(chat_id: str, payload: dict[str, Any]) -> str | None:
        try:
            if payload.get("content_sid") and hasattr(channel, "send_template"):
                # WhatsApp outside the 24-hour window: only an approved template may be sent.
                result = await channel.send_template(
                    chat_id, payload["content_sid"], payload.get("content_variables") or {}
                )
            else:
                result = await channel.send(outgoing_from_payload(channel.name, chat_id, payload))
        except ChannelError as exc:
            raise SendFailed(str(exc), retry_after=exc.retry_after, permanent=exc.permanent) from exc
        return result.platform_message_id

    return send
