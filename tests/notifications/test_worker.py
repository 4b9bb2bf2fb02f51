"""The outbox worker against the fake Bot API: limits, retries, failures, crashes, and two workers."""

import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from backend.bootstrap import prepare_database
from backend.config import Settings
from backend.conversations.service import send_to_chat
from backend.db import Database, utcnow
from backend.notifications.models import OutboxMessage
from backend.notifications.worker import OutboxWorker, WorkerConfig
from bots.channels.senders import channel_sender
from bots.channels.telegram import TelegramChannel
from tests.dbs import temporary_database
from tests.dialog.live import wait_for
from tests.fakes.telegram_api import FakeTelegramServer


class Clock:
    """A controllable clock, a few seconds ahead so rows queued during the test are due."""

    def __init__(self) -> None:
        self.now = utcnow() + timedelta(seconds=5)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def db(fresh_database_url: str) -> Iterator[Database]:
    prepare_database(Settings(database_url=fresh_database_url, demo_roster=False))
    database = Database(fresh_database_url)
    yield database
    database.dispose()


def make_worker(db: Database, fake: FakeTelegramServer, clock: Clock, **config: object) -> OutboxWorker:
    channel = TelegramChannel(Settings(**fake.settings_overrides()), rate_limit=False)
    return OutboxWorker(db, {"telegram": channel_sender(channel)}, WorkerConfig(**config), clock=clock)  # type: ignore[arg-type]


def queue(db: Database, chats: list[str], text: str = "pesan") -> None:
    with db.session() as session:
        for i, chat in enumerate(chats):
            send_to_chat(session, channel="telegram", chat_id=chat, text=f"{text} {i}")


def statuses(db: Database) -> Counter[str]:
    with db.session() as session:
        return Counter(
            dict(
                session.execute(
                    select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
                ).all()
            )
        )


async def test_telegram_429_retry_after_is_honoured(db: Database, fake_telegram: FakeTelegramServer) -> None:
    clock = Clock()
    worker = make_worker(db, fake_telegram, clock)
    queue(db, ["5001"])
    fake_telegram.fail_next(1, error_code=429, retry_after=3, methods=["sendMessage"])
    await worker.run_once()
    assert statuses(db) == {"pending": 1}
    clock.advance(2)
    assert await worker.run_once() == 0, "not before retry_after"
    clock.advance(1.5)
    assert await worker.run_once() == 1
    assert statuses(db) == {"sent": 1} and len(fake_telegram.sent()) == 1
    with db.session() as session:
        row = session.scalar(select(OutboxMessage))
        assert row is not None and row.attempts == 2 and row.platform_message_id


async def test_permanent_errors_fail_at_once_and_transient_ones_after_the_limit(
    db: Database, fake_telegram: FakeTelegramServer
) -> None:
    clock = Clock()
    worker = make_worker(db, fake_telegram, clock, max_attempts=3)
    queue(db, ["5002"])
    fake_telegram.fail_next(1, error_code=403, methods=["sendMessage"])
    await worker.run_once()
    assert statuses(db) == {"failed": 1}
    queue(db, ["5003"])
    fake_telegram.fail_next(5, error_code=500, methods=["sendMessage"])
    for _ in range(3):
        await worker.run_once()
        clock.advance(700)  # past the longest backoff
    assert statuses(db) == {"failed": 2}
    with db.session() as session:
        errors = session.scalars(select(OutboxMessage.last_error)).all()
        assert all(errors)


async def test_one_chat_gets_about_one_message_a_second(
    db: Database, fake_telegram: FakeTelegramServer
) -> None:
    clock = Clock()
    worker = make_worker(db, fake_telegram, clock, chat_rate_per_second=1.0, chat_burst=3)
    queue(db, ["5004"] * 6)
    sent_per_pass = []
    for _ in range(5):
        sent_per_pass.append(await worker.run_once())
    assert sent_per_pass == [1, 1, 1, 0, 0], "one at a time, in order, up to the burst"
    clock.advance(1.1)
    assert await worker.run_once() == 0, "the burst window is three seconds"
    clock.advance(2.0)
    assert await worker.run_once() == 1
    texts = [c.params["text"] for c in fake_telegram.sent()]
    assert texts == ["pesan 0", "pesan 1", "pesan 2", "pesan 3"], "a chat's messages keep their order"


async def test_the_bot_stays_under_thirty_a_second(db: Database, fake_telegram: FakeTelegramServer) -> None:
    clock = Clock()
    worker = make_worker(db, fake_telegram, clock, rate_per_second={"telegram": 30.0}, batch_size=100)
    queue(db, [str(6000 + i) for i in range(45)])
    assert await worker.run_once() == 30
    assert await worker.run_once() == 0
    clock.advance(1.01)
    assert await worker.run_once() == 15
    assert statuses(db) == {"sent": 45}


def aduan(*args: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    exe = Path(sys.executable).with_name("aduan")
    return subprocess.Popen([str(exe), *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def worker_env(url: str, fake: FakeTelegramServer, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "ADUAN_DATABASE_URL": url,
        "ADUAN_MEDIA_DIR": str(tmp_path / "media"),
        "ADUAN_DEMO_ROSTER": "false",
        "ADUAN_OUTBOX_LEASE_SECONDS": "2",
        **extra,
    }
    for key, value in fake.settings_overrides().items():
        env[f"ADUAN_{key.upper()}"] = str(value)
    return env


def test_a_worker_killed_mid_batch_delivers_everything_exactly_once_after_restart(
    db: Database, fake_telegram: FakeTelegramServer, tmp_path: Path
) -> None:
    chats = [str(7000 + i) for i in range(40)]
    queue(db, chats, text="kabar")
    fake_telegram.stall_after(15)  # Telegram answers 15 sends, then goes silent
    env = worker_env(db.url, fake_telegram, tmp_path)
    first = aduan("worker", env=env)
    try:
        # Telegram answered 15 (and the worker wrote that down); the rest hang unanswered.
        wait_for(
            lambda: statuses(db)["sent"] == 15 and len(fake_telegram.calls_to("sendMessage")) > 15,
            timeout=60,
            interval=0.1,
        )
    finally:
        first.send_signal(signal.SIGKILL)  # dies with sends in flight and claimed rows
        first.wait(timeout=30)
    assert statuses(db)["sent"] == 15 and statuses(db)["sending"] > 0
    fake_telegram.stall_after(10_000)  # Telegram answers again
    second = aduan("worker", env=env)
    try:
        wait_for(lambda: statuses(db) == {"sent": 40}, timeout=60, interval=0.2)
    finally:
        second.terminate()
        second.wait(timeout=30)
    delivered = Counter(str(c.params["chat_id"]) for c in fake_telegram.sent())
    assert delivered == Counter(chats), "every notification exactly once"


def test_two_workers_on_postgresql_send_each_notification_exactly_once(
    fake_telegram: FakeTelegramServer, tmp_path: Path
) -> None:
    with temporary_database("postgresql", tmp_path) as url:
        prepare_database(Settings(database_url=url, demo_roster=False))
        database = Database(url)
        try:
            chats = [str(100000 + i) for i in range(1000)]
            queue(database, chats, text="n")
            env = worker_env(
                url,
                fake_telegram,
                tmp_path,
                ADUAN_TELEGRAM_RATE_PER_SECOND="400",
                ADUAN_OUTBOX_LEASE_SECONDS="60",
            )
            workers = [aduan("worker", env=env) for _ in range(2)]
            try:
                wait_for(lambda: statuses(database) == {"sent": 1000}, timeout=240, interval=0.5)
            finally:
                for proc in workers:
                    proc.terminate()
                for proc in workers:
                    proc.wait(timeout=30)
            delivered = Counter(str(c.params["chat_id"]) for c in fake_telegram.sent())
            assert delivered == Counter(chats)
        finally:
            database.dispose()
