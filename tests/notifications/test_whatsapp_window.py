"""WhatsApp's 24-hour rule: outside the window only the approved template for that kind may be sent."""

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.config import Settings
from backend.conversations.service import conversation_for
from backend.db import utcnow
from backend.notifications.models import OutboxMessage
from backend.officials.service import require_unit
from backend.reports import handling
from backend.reports.service import create_report
from backend.wiring import install_report_hooks

TEMPLATES = {"status_changed": "HXstatus0000000000000000000000000", "new_report": "HXnew"}


def accepted_report_for(session: Session, number: str, last_message_hours_ago: float) -> OutboxMessage:
    install_report_hooks(Settings(whatsapp_templates=TEMPLATES, base_url="http://testserver"))
    conversation = conversation_for(session, channel="whatsapp", chat_id=number)
    conversation.last_inbound_at = utcnow() - timedelta(hours=last_message_hours_ago)
    report = create_report(
        session,
        region="jakarta",
        category="sampah",
        description="sampah numpuk",
        latitude=-6.2640,
        longitude=106.8190,
        reporter_channel="whatsapp",
        reporter_chat_id=number,
    )
    lurah = require_unit(session, region="jakarta", name="Kelurahan Bangka").officials[0]
    handling.accept(session, report=report, official=lurah)
    row = session.scalars(
        select(OutboxMessage).where(OutboxMessage.chat_id == number).order_by(OutboxMessage.id.desc())
    ).first()
    assert row is not None and report.ticket in row.payload["text"]
    return row


def test_inside_the_window_free_text_is_sent(session: Session) -> None:
    row = accepted_report_for(session, "whatsapp:+628111000001", last_message_hours_ago=23)
    assert "content_sid" not in row.payload


def test_outside_the_window_the_template_is_sent(session: Session) -> None:
    row = accepted_report_for(session, "whatsapp:+628111000002", last_message_hours_ago=25)
    assert row.payload["content_sid"] == TEMPLATES["status_changed"]
    variables = row.payload["content_variables"]
    assert variables["1"] in row.payload["text"] and variables["2"]


async def test_the_worker_sends_the_template_through_twilio(fresh_database_url: str, fake_twilio) -> None:
    from backend.bootstrap import prepare_database
    from backend.conversations.service import send_to_chat
    from backend.db import Database
    from backend.notifications.worker import OutboxWorker
    from bots.channels.senders import channel_sender
    from bots.channels.whatsapp import WhatsAppChannel

    settings = Settings(
        database_url=fresh_database_url, demo_roster=False, **fake_twilio.settings_overrides()
    )
    prepare_database(settings)
    db = Database(fresh_database_url)
    with db.session() as session:
        send_to_chat(
            session,
            channel="whatsapp",
            chat_id="whatsapp:+628111000003",
            text="Laporan ABC234 selesai",
            kind="status_changed",
            extra={"content_sid": "HXabc", "content_variables": {"1": "ABC234"}},
        )
        send_to_chat(session, channel="whatsapp", chat_id="whatsapp:+628111000004", text="teks biasa")
    channel = WhatsAppChannel(settings)
    try:
        assert await OutboxWorker(db, {"whatsapp": channel_sender(channel)}).run_once() == 2
    finally:
        await channel.close()
        db.dispose()
    by_number = {m.to: m for m in fake_twilio.messages}
    assert by_number["whatsapp:+628111000003"].content_sid == "HXabc"
    assert "ABC234" in str(by_number["whatsapp:+628111000003"].content_variables)
    assert by_number["whatsapp:+628111000004"].body == "teks biasa"
    assert by_number["whatsapp:+628111000004"].content_sid is None
