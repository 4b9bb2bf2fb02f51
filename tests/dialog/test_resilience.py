"""Nothing already received is lost: a crash mid-conversation resumes where it was; retries change nothing."""

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.reports.models import Report
from tests.dialog.live import wait_for
from tests.dialog.webchat import WebChat
from tests.images import jpeg


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_server(port: int) -> Iterator[subprocess.Popen[bytes]]:
    """`aduan serve` as its own process, with the test's ADUAN_ settings."""
    exe = Path(sys.executable).with_name("aduan")
    proc = subprocess.Popen(
        [str(exe), "serve", "--port", str(port)],
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:

        def up() -> bool:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return proc.poll() is not None

        wait_for(up, timeout=90, interval=0.2)
        assert proc.poll() is None, "the server died on start"
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)


def post(port: int, **fields: object) -> list[dict]:
    files = {"photo": ("p.jpg", fields.pop("photo"), "image/jpeg")} if "photo" in fields else None
    data = {"session": "restart-test-session", **{k: str(v) for k, v in fields.items()}}
    response = httpx.post(f"http://127.0.0.1:{port}/chat/web/messages", data=data, files=files, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["replies"]


def test_a_killed_server_resumes_the_conversation_where_it_was(cli_env: str) -> None:
    port = free_port()
    with running_server(port) as first:
        replies = post(port, text="jalan berlubang besar bahaya buat motor")
        assert "Di mana lokasinya" in replies[-1]["text"]
        post(port, latitude=-6.2443, longitude=106.8003)
        first.send_signal(signal.SIGKILL)  # a crash, not a clean shutdown
    with running_server(port):
        replies = post(port, photo=jpeg())
        assert "Melawai" in replies[-1]["text"]
        assert replies[-1]["buttons"][0]["value"] == "confirm:send"
        replies = post(port, button="confirm:send")
        assert "Nomor tiket" in replies[-1]["text"]
        ticket = replies[-1]["text"].split("Nomor tiket: ")[1].split()[0]
        public = httpx.get(f"http://127.0.0.1:{port}/api/reports/{ticket}", timeout=10).json()
        assert public["category"] == "jalan_rusak" and public["kelurahan"] == "Melawai"
        assert len(public["photo_urls"]) == 1


def test_a_retried_web_message_changes_nothing(client: TestClient, session: Session) -> None:
    chat = WebChat(client)
    chat.send("sampah numpuk di kel. bangka udah seminggu gak diangkut", photo=jpeg(), message_id="m-1")
    first = chat.last
    assert (
        chat.send("sampah numpuk di kel. bangka udah seminggu gak diangkut", photo=jpeg(), message_id="m-1")
        == []
    )
    chat.send(button="confirm:send", message_id="m-2")
    assert "Nomor tiket" in chat.texts()
    assert chat.send(button="confirm:send", message_id="m-2") == []
    assert len(session.scalars(select(Report).where(Report.reporter_chat_id == chat.session)).all()) == 1
    assert first


def test_the_web_chat_reads_every_bot_message_in_order(client: TestClient) -> None:
    chat = WebChat(client)
    chat.send("halo")
    chat.send("jalan berlubang besar bahaya buat motor")
    messages = client.get("/chat/web/messages", params={"session": chat.session}).json()["messages"]
    assert len(messages) == 2 and messages[0]["seq"] < messages[1]["seq"]
    assert "Aduan" in messages[0]["text"] and "lokasi" in messages[1]["text"].lower()
    later = client.get(
        "/chat/web/messages", params={"session": chat.session, "after": messages[0]["seq"]}
    ).json()
    assert [m["seq"] for m in later["messages"]] == [messages[1]["seq"]]
    assert client.get("/chat/web/messages", params={"session": "nobody-here-1"}).json() == {"messages": []}


def test_the_chat_page_is_served(client: TestClient) -> None:
    page = client.get("/chat")
    assert page.status_code == 200 and "/chat/web/messages" in page.text and "geolocation" in page.text
