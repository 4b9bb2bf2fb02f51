"""Server-sent events: poll the database about once a second, send what changed, end after a while.

The stream is bounded (the browser's EventSource reconnects by itself), so a forgotten tab never
holds a worker forever, and every poll is a short session of its own.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import Request
from fastapi.responses import StreamingResponse

POLL_SECONDS = 1.0
STREAM_SECONDS = 300.0
HEARTBEAT_SECONDS = 15.0


def event_stream(
    request: Request,
    poll: Callable[[Any], Any],
    *,
    interval: float = POLL_SECONDS,
    lifetime: float = STREAM_SECONDS,
) -> StreamingResponse:
    """`poll(session)` returns a JSON-able value; it is sent whenever it differs from the last one."""
    db = request.app.state.db

    def read() -> str:
        with db.session() as session:
            return json.dumps(poll(session), ensure_ascii=False, default=str)

    async def events() -> AsyncIterator[str]:
        yield f"retry: {int(interval * 1000)}\n\n"
        last, quiet = None, 0.0
        loop = asyncio.get_running_loop()
        ends = loop.time() + lifetime
        while loop.time() < ends:
            if await request.is_disconnected():
                return
            data = await asyncio.to_thread(read)
            if data != last:
                last, quiet = data, 0.0
                yield f"data: {data}\n\n"
            elif quiet >= HEARTBEAT_SECONDS:
                quiet = 0.0
                yield ": keep-alive\n\n"
            await asyncio.sleep(interval)
            quiet += interval

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
