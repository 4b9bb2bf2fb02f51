"""The monitoring unit sees which notifications could not be delivered (and agents may not)."""

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from backend.notifications.models import OutboxMessage
from tests.staff.helpers import login, make_accounts


def test_failed_notifications_are_shown_to_the_monitoring_unit(client: TestClient, session: Session) -> None:
    staff = make_accounts(session, prefix="deliv-")
    session.add(
        OutboxMessage(
            channel="telegram",
            chat_id="5551234987",
            kind="new_report",
            payload={"text": "x"},
            status="failed",
            attempts=8,
            last_error="telegram: Forbidden: bot was blocked by the user",
        )
    )
    session.add(OutboxMessage(channel="telegram", chat_id="5550000001", kind="reply", payload={"text": "y"}))
    session.flush()
    login(client, staff.of("monitoring"))
    page = client.get("/dashboard/pengiriman")
    assert page.status_code == 200
    assert "bot was blocked by the user" in page.text and "…4987" in page.text
    assert "5551234987" not in page.text, "the chat id itself is not shown"
    client.cookies.clear()
    login(client, staff.of("agent"))
    assert client.get("/dashboard/pengiriman", follow_redirects=False).status_code == 403
