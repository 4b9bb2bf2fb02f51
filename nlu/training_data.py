"""Reading Rasa 3.x NLU training data (nlu/data/nlu.yml) without Rasa.

Gives each example as plain text with its intent and entity spans, plus the synonyms and
lookup tables of the file. Understands the inline annotations `[text](entity)`,
`[text]{"entity": "x", "value": "y"}` and `[text](entity:value)`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_NLU_FILE = DATA_DIR / "nlu.yml"

_ANNOTATION = re.compile(r"\[(?P<text>[^\]\[]+)\](?:\((?P<short>[^)]+)\)|(?P<json>\{[^}]*\}))")


@dataclass(frozen=True)
class Span:
    entity: str
    start: int
    end: int
    value: str


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    entities: tuple[Span, ...] = ()


@dataclass
class TrainingData:
    examples: list[Example] = field(default_factory=list)
    synonyms: dict[str, str] = field(default_factory=dict)  # written form (lower) -> canonical value
    lookups: dict[str, list[str]] = field(default_factory=dict)

    @property
    def intents(self) -> list[str]:
        return sorted({e.intent for e in self.examples})


class TrainingDataError(ValueError):
    pass


def parse_example(raw: str, intent: str = "") -> Example:
    """One example line with inline annotations -> plain text and entity spans."""
    out: list[str] = []
    spans: list[Span] = []
    pos = 0
    length = 0
    for m in _ANNOTATION.finditer(raw):
        before = raw[pos : m.start()]
        out.append(before)
        length += len(before)
        text = m.group("text")
        if m.group("json"):
            try:
                meta = json.loads(m.group("json"))
            except json.JSONDecodeError as exc:
                raise TrainingDataError(f"bad entity annotation {m.group(0)!r} in {raw!r}") from exc
            entity = str(meta.get("entity", ""))
            value = str(meta.get("value", text))
        else:
            entity, _, value = m.group("short").partition(":")
            value = value or text
        spans.append(Span(entity.strip(), length, length + len(text), value))
        out.append(text)
        length += len(text)
        pos = m.end()
    out.append(raw[pos:])
    return Example("".join(out), intent, tuple(spans))


def _lines(block: str) -> list[str]:
    lines = []
    for line in (block or "").splitlines():
        line = line.strip()
        if line.startswith("- "):
            lines.append(line[2:].strip())
        elif line:
            lines.append(line)
    return lines


def load(path: str | Path = DEFAULT_NLU_FILE) -> TrainingData:
    """Read one Rasa NLU YAML file."""
    doc = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    data = TrainingData()
    for item in doc.get("nlu", []) or []:
        if "intent" in item:
            intent = str(item["intent"])
            for line in _lines(item.get("examples", "")):
                data.examples.append(parse_example(line, intent))
        elif "synonym" in item:
            canonical = str(item["synonym"])
            for line in _lines(item.get("examples", "")):
                data.synonyms[line.lower()] = canonical
        elif "lookup" in item:
            data.lookups[str(item["lookup"])] = _lines(item.get("examples", ""))
    return data
