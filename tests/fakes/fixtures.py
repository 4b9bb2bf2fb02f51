"""pytest fixtures for the fake platform servers. Import them into tests/conftest.py:

    from tests.fakes.fixtures import fake_telegram, fake_telegram_server, fake_twilio, fake_twilio_server

Each server starts once per test session (a thread with uvicorn on a free 127.0.0.1 port) and is
reset before every test, so `fake_telegram.calls` / `fake_twilio.messages` only hold the test's own.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.telegram_api import FakeTelegramServer
from tests.fakes.twilio_api import FakeTwilioServer


@pytest.fixture(scope="session")
def fake_telegram_server() -> Iterator[FakeTelegramServer]:
    with FakeTelegramServer() as server:
        yield server


@pytest.fixture
def fake_telegram(fake_telegram_server: FakeTelegramServer) -> FakeTelegramServer:
    """The fake Bot API, emptied; `Settings(**fake_telegram.settings_overrides())` points PTB at it."""
    fake_telegram_server.reset()
    return fake_telegram_server


@pytest.fixture(scope="session")
def fake_twilio_server() -> Iterator[FakeTwilioServer]:
    with FakeTwilioServer() as server:
        yield server


@pytest.fixture
def fake_twilio(fake_twilio_server: FakeTwilioServer) -> FakeTwilioServer:
    """The fake Twilio REST API, emptied; `Settings(**fake_twilio.settings_overrides())` points here."""
    fake_twilio_server.reset()
    return fake_twilio_server
