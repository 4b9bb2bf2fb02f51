"""The report form's state, stored as JSON on the conversation row."""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Draft:
    category: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    area_id: int | None = None
    place_label: str | None = None
    location_text: str | None = None
    description: str | None = None
    photo_ids: list[int] = field(default_factory=list)
    no_photo: bool = False

    @property
    def has_location(self) -> bool:
        return self.area_id is not None or self.latitude is not None


@dataclass
class FormState:
    """Where the conversation is. `awaiting` names the question last asked; `choices` the buttons offered."""

    active: bool = False
    draft: Draft = field(default_factory=Draft)
    awaiting: str | None = None
    choices: list[str] = field(default_factory=list)
    # candidate places (area ids) or an EXIF position waiting for the citizen's answer
    pending: dict[str, Any] = field(default_factory=dict)
    emergency_noticed: bool = False
    last_ticket: str | None = None
    thread: str | None = None  # the report whose official last wrote to this citizen: answers go there

    @classmethod
    def from_json(cls, raw: dict[str, Any] | None) -> FormState:
        raw = copy.deepcopy(raw or {})  # never mutate the loaded JSON: the change would go unnoticed
        draft = Draft(**(raw.pop("draft", None) or {}))
        known = {k: v for k, v in raw.items() if k in cls.__dataclass_fields__}
        return cls(draft=draft, **known)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def reset(self) -> None:
        """Forget the report in progress; keep what belongs to the conversation."""
        last, thread = self.last_ticket, self.thread
        self.__init__()  # type: ignore[misc]
        self.last_ticket, self.thread = last, thread
