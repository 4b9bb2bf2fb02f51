"""The inbound pipeline: every channel hands its IncomingMessage here.

It stores the message once (a retried webhook changes nothing), runs the dialog with the conversation's
state loaded from the database, and records the replies (transcript + outbox) in the same transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from anyio import to_thread

from backend.conversations.models import Conversation
from backend.conversations.service import SentMessage, conversation_for, record_inbound, send_to_chat
from bots.dialog.engine import DialogEngine
from bots.dialog.turn import Reply
from bots.messages import IncomingMessage

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    duplicate: bool = False
    held_by_agent: bool = False
    replies: list[dict[str, Any]] = field(default_factory=list)  # as stored: text, buttons, seq


class InboundPipeline:
    def __init__(
        self, db: Any, engine: DialogEngine | None, on_outbox: Callable[[], None] | None = None
    ) -> None:
        self.db = db
        self.engine = engine
        # SQLite: one local writer at a time and no network waits, so a turn (a few ms of CPU) runs on the
        # event loop; a thread would only add GIL hand-offs. PostgreSQL waits on the network: a thread.
        self.inline = (
            getattr(getattr(db, "engine", None), "dialect", None) is not None
            and db.engine.dialect.name == "sqlite"
        )
        self.on_outbox = on_outbox or (lambda: None)

    async def __call__(self, message: IncomingMessage) -> None:
        """The InboundHandler that webhooks call."""
        await self.receive(message)

    async def receive(self, message: IncomingMessage) -> Outcome:
        if self.inline:
            outcome = self.receive_sync(message)
        else:
            outcome = await to_thread.run_sync(self.receive_sync, message)
        if outcome.replies and message.channel != "web":
            self.on_outbox()
        return outcome

    def receive_sync(self, message: IncomingMessage) -> Outcome:
        with self.db.session() as session:
            conversation = conversation_for(
                session,
                channel=message.channel,
                chat_id=message.chat_id,
                display_name=message.display_name,
                lock=True,
            )
            if not record_inbound(
                session,
                conversation=conversation,
                platform_message_id=message.platform_message_id,
                summary=summarise(message),
            ):
                return Outcome(duplicate=True)
            if conversation.mode == "human":
                return Outcome(
                    held_by_agent=True
                )  # the agent's console shows the message; the bot stays quiet
            assert self.engine is not None, "the app has not started"
            replies = self.engine.handle(session, conversation, message)
            entries = [self._send(session, conversation, reply) for reply in replies]
            session.flush()
            return Outcome(
                replies=[
                    {
                        "seq": e.id,
                        "text": e.text,
                        "buttons": e.buttons,
                        "request_location": e.request_location,
                        "image_url": e.image_url,
                    }
                    for e in entries
                ]
            )

    @staticmethod
    def _send(session: Any, conversation: Conversation, reply: Reply) -> SentMessage:
        return send_to_chat(
            session,
            channel=conversation.channel,
            chat_id=conversation.chat_id,
            text=reply.text,
            buttons=[{"label": b.label, "value": b.value} for b in reply.buttons],
            request_location=reply.request_location,
            conversation=conversation,
        )


def summarise(message: IncomingMessage) -> str:
    """A line for the transcript: the text, and what else came with it."""
    parts = [message.text or ""]
    if message.button_value:
        parts.append(f"[tombol {message.button_value}]")
    if message.location:
        parts.append(f"[lokasi {message.location.latitude:.5f},{message.location.longitude:.5f}]")
    if message.photos:
        parts.append(f"[foto x{len(message.photos)}]")
    parts.extend(f"[{a.value}]" for a in message.attachments)
    return " ".join(p for p in parts if p)[:4000]
