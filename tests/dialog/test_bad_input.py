"""Bad input gets a clear reply in the person's language, and the form stays where it was."""

import uuid

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.config import Settings
from backend.conversations.models import Conversation
from bots.messages import Attachment, IncomingMessage, Photo
from tests.dialog.webchat import WebChat
from tests.images import jpeg


def state_of(session: Session, chat_id: str) -> dict:
    conversation = session.scalar(select(Conversation).where(Conversation.chat_id == chat_id))
    assert conversation is not None
    session.refresh(conversation)
    return conversation.state


def started(client: TestClient) -> WebChat:
    chat = WebChat(client)
    chat.send("jalan berlubang besar bahaya buat motor")
    assert "Di mana lokasinya" in chat.texts()
    return chat


def test_empty_message(client: TestClient, session: Session) -> None:
    chat = started(client)
    before = state_of(session, chat.session)
    chat.send("   ")
    assert "Pesannya kosong" in chat.texts() and "Di mana lokasinya" in chat.texts()
    assert state_of(session, chat.session) == before


def test_ten_thousand_characters(client: TestClient, session: Session) -> None:
    chat = started(client)
    before = state_of(session, chat.session)
    chat.send("banjir " * 1430)
    assert "terlalu panjang" in chat.texts() and "Di mana lokasinya" in chat.texts()
    assert state_of(session, chat.session) == before


def test_photo_over_the_size_limit(app: FastAPI, settings: Settings, session: Session) -> None:
    settings.max_photo_bytes = 20_000
    with TestClient(app) as client:
        chat = started(client)
        chat.send(location=(-6.2443, 106.8003))
        chat.send("lubangnya dalam sekali, sudah ada motor yang jatuh")
        chat.send(photo=jpeg(1200, 900) + b"\0" * 30_000)
        assert "terlalu besar" in chat.texts() and "Kirim foto" in chat.texts()
        assert state_of(session, chat.session)["draft"]["photo_ids"] == []


def test_a_file_that_is_not_an_image(client: TestClient, session: Session) -> None:
    chat = started(client)
    chat.send(photo=b"this is not a jpeg at all")
    assert "bukan foto" in chat.texts() and "Di mana lokasinya" in chat.texts()
    assert state_of(session, chat.session)["draft"]["photo_ids"] == []


def test_a_document_upload(client: TestClient) -> None:
    chat = started(client)
    chat.send(photo=b"%PDF-1.4 ...", photo_type="application/pdf")
    assert "dokumen" in chat.texts() and "Di mana lokasinya" in chat.texts()


def test_text_in_an_unknown_language(client: TestClient, session: Session) -> None:
    chat = started(client)
    before = state_of(session, chat.session)
    chat.send("这里的垃圾很多，请帮忙")
    assert "Indonesia" in chat.texts() and "English" in chat.texts()
    assert state_of(session, chat.session)["awaiting"] == before["awaiting"]
    chat.send("Ich möchte mich über den Müll vor meinem Haus beschweren")
    assert "hanya mengerti" in chat.texts() or "only understand" in chat.texts()


@pytest.mark.parametrize(
    "attachment,word",
    [(Attachment.STICKER, "stiker"), (Attachment.VOICE, "pesan suara"), (Attachment.DOCUMENT, "dokumen")],
)
def test_stickers_voice_notes_and_documents(
    client: TestClient, session: Session, attachment: Attachment, word: str
) -> None:
    chat = started(client)
    before = state_of(session, chat.session)
    pipeline = client.app.state.runtime.pipeline  # type: ignore[attr-defined]
    outcome = pipeline.receive_sync(
        IncomingMessage(
            channel="web",
            chat_id=chat.session,
            platform_message_id=uuid.uuid4().hex,
            attachments=[attachment],
        )
    )
    text = "\n".join(r["text"] for r in outcome.replies)
    assert word in text and "Di mana lokasinya" in text
    assert state_of(session, chat.session) == before


def test_bad_form_fields_are_refused_clearly(client: TestClient) -> None:
    response = client.post("/chat/web/messages", data={"session": "x", "text": "halo"})
    assert response.status_code == 422 and response.json()["error"] == "bad_session"
    response = client.post("/chat/web/messages", data={"session": "abcdefgh123", "latitude": "-6.2"})
    assert response.status_code == 422 and response.json()["error"] == "bad_location"


def test_a_photo_that_is_fine_is_stored_by_hash(
    client: TestClient, settings: Settings, session: Session
) -> None:
    chat = started(client)
    data = jpeg(color="blue")
    chat.send(photo=data)
    import hashlib

    digest = hashlib.sha256(data).hexdigest()
    stored = list(settings.media_dir.rglob(f"{digest}.jpg"))
    assert len(stored) == 1 and stored[0].read_bytes() == data
    assert len(state_of(session, chat.session)["draft"]["photo_ids"]) == 1
    # the same photo again is stored once on disk
    pipeline = client.app.state.runtime.pipeline  # type: ignore[attr-defined]
    pipeline.receive_sync(
        IncomingMessage(
            channel="web",
            chat_id=chat.session,
            platform_message_id="again-1",
            photos=[Photo(data=data, content_type="image/jpeg")],
        )
    )
    assert len(list(settings.media_dir.rglob(f"{digest}.jpg"))) == 1
