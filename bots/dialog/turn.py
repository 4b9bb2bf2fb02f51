"""One turn of a conversation: what came in, what the bot knows, and the replies it builds."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from backend.areas.geocoding import PlaceFinder
from backend.config import Settings
from backend.conversations.models import Conversation
from bots.dialog.state import FormState
from bots.messages import Button, IncomingMessage
from bots.texts import t
from nlu.base import NluEngine, ParseResult


@dataclass
class Reply:
    text: str
    buttons: list[Button] = field(default_factory=list)
    request_location: bool = False


@dataclass
class Services:
    """What the dialog needs from the rest of the system, built once per process."""

    settings: Settings
    nlu: NluEngine
    places: PlaceFinder
    region_title: str


@dataclass
class Turn:
    session: Session
    services: Services
    conversation: Conversation
    message: IncomingMessage
    form: FormState
    parse: ParseResult | None = None
    replies: list[Reply] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def lang(self) -> str:
        return self.conversation.language or "id"

    @property
    def text(self) -> str:
        return (self.message.text or "").strip()

    def t(self, key: str, **values: Any) -> str:
        return t(key, self.lang, **values)

    def say(
        self, key: str, *, buttons: list[Button] | None = None, request_location: bool = False, **values: Any
    ) -> None:
        self.say_text(self.t(key, **values), buttons=buttons, request_location=request_location)

    def say_text(
        self, text: str, *, buttons: list[Button] | None = None, request_location: bool = False
    ) -> None:
        self.replies.append(Reply(text=text, buttons=list(buttons or []), request_location=request_location))
        if buttons:
            # Remembered so that a typed number ("2") picks the second button (WhatsApp has no buttons).
            self.form.choices = [b.value for b in buttons]

    def button(self, key: str, value: str) -> Button:
        return Button(label=self.t(f"buttons.{key}"), value=value)
