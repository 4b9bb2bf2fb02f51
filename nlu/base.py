"""The NLU interface: every engine turns a text into a ParseResult of the same shape.

The shape follows Rasa's `/model/parse` answer, plus `category` (a taxonomy code) and
`location` (the area the text names, resolved by the gazetteer), so the dialog cannot
tell the engines apart.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class PlaceRecord:
    """One named area of the region, as the gazetteer needs it (built by the backend)."""

    area_id: int
    name: str
    level: str  # "kota" | "kecamatan" | "kelurahan"
    kecamatan: str | None = None
    kota: str | None = None
    lat: float | None = None
    lon: float | None = None


@dataclass
class Entity:
    entity: str
    value: str
    start: int
    end: int
    confidence: float = 1.0
    extractor: str = "builtin"


@dataclass
class ResolvedPlace:
    area_id: int
    name: str
    level: str
    kecamatan: str | None
    kota: str | None
    confidence: float
    matched_text: str
    lat: float | None = None
    lon: float | None = None
    # other areas the phrase could mean (e.g. a kecamatan and a kelurahan of the same name)
    alternatives: list[int] = field(default_factory=list)


@dataclass
class IntentScore:
    name: str
    confidence: float


@dataclass
class ParseResult:
    text: str
    intent: IntentScore
    intent_ranking: list[IntentScore]
    entities: list[Entity]
    category: str  # taxonomy code; "lainnya" when the text is not a report
    location: ResolvedPlace | None = None
    language: str | None = None  # "id", "en" or None when unknown

    def entity(self, name: str) -> str | None:
        for ent in self.entities:
            if ent.entity == name:
                return ent.value
        return None

    def to_json(self) -> dict[str, Any]:
        """The Rasa `/model/parse` shape plus `category`, `location` and `language`."""
        return {
            "text": self.text,
            "intent": asdict(self.intent),
            "intent_ranking": [asdict(i) for i in self.intent_ranking],
            "entities": [asdict(e) for e in self.entities],
            "category": self.category,
            "location": asdict(self.location) if self.location else None,
            "language": self.language,
        }


class NluEngine(ABC):
    name: str = "base"

    @abstractmethod
    def parse(self, text: str) -> ParseResult:
        """Read one message. Must not raise on any text (empty, huge, any script)."""
