"""How Telegram updates reach Aduan: the webhook route, long polling for development, and registering
the webhook with its secret. Each update goes to the inbound pipeline, which stores it once.
"""

from __future__ import annotations

import asyncio
import hmac

from fastapi import APIRouter, Request, Response
from telegram import Update
from telegram.error import RetryAfter, TelegramError, TimedOut

from bots.channels.base import InboundHandler
from bots.channels.telegram import (
    ALLOWED_UPDATES,
    SECRET_HEADER,
    TelegramChannel,
    logger,
    retry_seconds,
    to_channel_error,
)


def build_telegram_router(channel: TelegramChannel, handle: InboundHandler, secret: str) -> APIRouter:
    """`POST /webhooks/telegram`: check the secret header, parse, hand to the inbound pipeline.

    403 (nothing parsed, nothing handled) when the secret does not match; 500 when parsing or the
    handler fails, so that Telegram delivers the update again; 200 otherwise.
    """
    router = APIRouter()
    expected = secret.encode()

    @router.post("/webhooks/telegram", include_in_schema=False)
    async def telegram_webhook(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not expected or not hmac.compare_digest(given, expected):
            return Response(status_code=403)
        try:
            data = await request.json()
        except ValueError:
            return Response(status_code=400)
        if not isinstance(data, dict) or "update_id" not in data:
            return Response(status_code=400)
        try:
            message = await channel.parse_update(data)
            if message is not None:
                await handle(message)
        except Exception:
            logger.exception("telegram: update %s failed, Telegram will retry", data.get("update_id"))
            return Response(status_code=500)
        return Response(status_code=200)

    return router


async def set_webhook(channel: TelegramChannel, url: str, secret: str) -> None:
    """Register `url` (ending in /webhooks/telegram) with Telegram; it will send `secret` back."""
    await channel.start()
    try:
        await channel.bot.set_webhook(url=url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
    except TelegramError as exc:
        raise to_channel_error(exc) from exc


async def run_polling(
    channel: TelegramChannel,
    handle: InboundHandler,
    *,
    stop: asyncio.Event | None = None,
    poll_timeout: int = 30,
    attempts: int = 3,
) -> None:
    """Development mode: long-poll getUpdates until `stop` is set (or forever).

    The webhook is deleted first (Telegram refuses getUpdates while one is set). An update is
    confirmed (the offset moves past it) once handled; a failing one is tried `attempts` times,
    like a webhook retry, then logged and skipped so one bad update cannot stall the bot.
    """
    stop = stop or asyncio.Event()
    await channel.start()
    await channel.bot.delete_webhook()
    offset: int | None = None
    while not stop.is_set():
        poll = asyncio.ensure_future(
            channel.bot.get_updates(offset=offset, timeout=poll_timeout, allowed_updates=ALLOWED_UPDATES)
        )
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({poll, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not poll.done():
            poll.cancel()
            break
        try:
            updates = poll.result()
        except RetryAfter as exc:
            await asyncio.sleep(retry_seconds(exc.retry_after))
            continue
        except TimedOut:
            continue
        except TelegramError as exc:
            logger.warning("telegram: getUpdates failed: %s", exc)
            await asyncio.sleep(1)
            continue
        for update in updates:
            await _deliver(channel, handle, update, attempts)
            offset = update.update_id + 1


async def _deliver(channel: TelegramChannel, handle: InboundHandler, update: Update, attempts: int) -> None:
    for attempt in range(1, attempts + 1):
        try:
            message = await channel.parse(update)
            if message is not None:
                await handle(message)
            return
        except Exception:
            logger.exception("telegram: update %s failed (attempt %d)", update.update_id, attempt)
            if attempt < attempts:
                await asyncio.sleep(0.5 * attempt)
    logger.error("telegram: skipping update %s after %d attempts", update.update_id, attempts)
