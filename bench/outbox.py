"""Outbox throughput through a fake Telegram that enforces Telegram's limits (429 + retry_after).

Run: `.venv/bin/python bench/outbox.py [--messages 450] [--chats 150]`  (needs PostgreSQL at 127.0.0.1:5432)

For one worker and then two workers (`aduan worker` processes) on a fresh PostgreSQL database it queues
--messages notifications over --chats chats and prints: messages per second, the busiest second seen by
the fake server, 429s answered, and whether every message arrived exactly once. The fake answers like
Telegram: more than 30 messages in a second from the bot, or more than a burst of 3 within 3 seconds to one
chat, gets 429 with parameters.retry_after. The goal: keep the fake busy right up to the limits, not over.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, deque
from pathlib import Path
from typing import Any

import psycopg
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TOKEN = "123456:BENCH"
PG = "postgresql://postgres@127.0.0.1:5432"


class LimitedTelegram:
    """sendMessage with Telegram's flood control: 30/s per bot, a burst of 3 per chat in 3 s."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sent: list[tuple[float, str, str]] = []
        self.recent: deque[float] = deque()
        self.per_chat: dict[str, deque[float]] = {}
        self.too_many = 0
        self.app = Starlette(routes=[Route("/bot{token}/{method}", self.api, methods=["POST"])])

    async def api(self, request: Request) -> JSONResponse:
        method = request.path_params["method"]
        if method == "getMe":
            return JSONResponse(
                {
                    "ok": True,
                    "result": {"id": 1, "is_bot": True, "first_name": "Aduan", "username": "aduan_bot"},
                }
            )
        form = dict(await request.form())
        chat = str(form.get("chat_id"))
        now = time.monotonic()
        with self.lock:
            while self.recent and now - self.recent[0] > 1.0:
                self.recent.popleft()
            chat_window = self.per_chat.setdefault(chat, deque())
            while chat_window and now - chat_window[0] > 3.0:
                chat_window.popleft()
            if len(self.recent) >= 30 or len(chat_window) >= 3:
                self.too_many += 1
                return JSONResponse(
                    {
                        "ok": False,
                        "error_code": 429,
                        "description": "Too Many Requests: retry after 1",
                        "parameters": {"retry_after": 1},
                    },
                    status_code=429,
                )
            self.recent.append(now)
            chat_window.append(now)
            self.sent.append((now, chat, str(form.get("text"))))
            message_id = len(self.sent)
        return JSONResponse(
            {
                "ok": True,
                "result": {
                    "message_id": message_id,
                    "date": int(time.time()),
                    "chat": {"id": int(chat), "type": "private"},
                    "text": form.get("text"),
                },
            }
        )

    def busiest_second(self) -> int:
        times = [t for t, _, _ in self.sent]
        best, start = 0, 0
        for end in range(len(times)):
            while times[end] - times[start] > 1.0:
                start += 1
            best = max(best, end - start + 1)
        return best


def serve(app: Any, port: int) -> uvicorn.Server:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server


def run_once(workers: int, messages: int, chats: int, port: int) -> None:
    from backend.bootstrap import prepare_database
    from backend.config import Settings
    from backend.conversations.service import send_to_chat
    from backend.db import Database

    name = f"aduan_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    fake = LimitedTelegram()
    server = serve(fake.app, port)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        prepare_database(Settings(database_url=url, demo_roster=False))
        db = Database(url)
        with db.session() as session:
            for i in range(messages):
                send_to_chat(session, channel="telegram", chat_id=str(1000 + i % chats), text=f"m{i}")
        db.dispose()
        env = {
            **os.environ,
            "ADUAN_DATABASE_URL": url,
            "ADUAN_TELEGRAM_TOKEN": TOKEN,
            "ADUAN_TELEGRAM_API_URL": f"http://127.0.0.1:{port}/bot",
            "ADUAN_DEMO_ROSTER": "false",
        }
        exe = Path(sys.executable).with_name("aduan")
        started = time.monotonic()
        procs = [
            subprocess.Popen(
                [str(exe), "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            for _ in range(workers)
        ]
        deadline = started + 600
        while len(fake.sent) < messages and time.monotonic() < deadline:
            time.sleep(0.1)
        elapsed = time.monotonic() - started
        time.sleep(1.0)  # anything sent twice would show up now
        counts = Counter(text for _, _, text in fake.sent)
        exactly_once = len(counts) == messages and max(counts.values()) == 1
        print(
            f"{workers} worker(s): {len(fake.sent)} sent in {elapsed:.1f} s = "
            f"{len(fake.sent) / elapsed:.1f} msg/s; "
            f"busiest second {fake.busiest_second()} (limit 30); 429s {fake.too_many}; "
            f"exactly once: {exactly_once}"
        )
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
        server.should_exit = True
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=450)
    parser.add_argument("--chats", type=int, default=150)
    parser.add_argument("--port", type=int, default=18081)
    args = parser.parse_args()
    for workers in (1, 2):
        run_once(workers, args.messages, args.chats, args.port + workers)


if __name__ == "__main__":
    main()
