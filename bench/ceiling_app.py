"""The ceiling for bench/chat_load.py: a do-nothing endpoint of the web chat's shape.

It parses the same multipart form, does one SQLite insert and answers JSON of the same shape.
Run by the benchmark as `uvicorn ceiling_app:app` with CEILING_DB set.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from typing import Annotated, Any

from fastapi import FastAPI, File, Form, UploadFile

app = FastAPI()
_local = threading.local()


def _db() -> sqlite3.Connection:
    if not hasattr(_local, "connection"):
        connection = sqlite3.connect(os.environ["CEILING_DB"], isolation_level=None, timeout=30)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE IF NOT EXISTS m (id INTEGER PRIMARY KEY, s TEXT, t TEXT)")
        _local.connection = connection
    return _local.connection


@app.post("/chat/web/messages")
async def post_message(
    session: Annotated[str, Form()],
    text: Annotated[str | None, Form()] = None,
    latitude: Annotated[float | None, Form()] = None,
    longitude: Annotated[float | None, Form()] = None,
    button: Annotated[str | None, Form()] = None,
    message_id: Annotated[str | None, Form()] = None,
    photo: Annotated[UploadFile | None, File()] = None,
) -> dict[str, Any]:
    if photo is not None:
        await photo.read()
    _db().execute("INSERT INTO m (s, t) VALUES (?, ?)", (session, text))
    return {"replies": [{"seq": 1, "text": "ok", "buttons": [], "image_url": None}]}
