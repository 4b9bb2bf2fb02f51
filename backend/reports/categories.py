"""The category taxonomy, read from data/categories.yml."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

import yaml

TAXONOMY_FILE = Path(__file__).parent / "data" / "categories.yml"
_DURATION = re.compile(r"^\s*(\d+)\s*([mhd])\s*$")


@dataclass(frozen=True)
class Category:
    code: str
    label_id: str
    label_en: str
    emergency: bool
    accept_within: timedelta
    finish_within: timedelta

    def label(self, language: str = "id") -> str:
        return self.label_en if language == "en" else self.label_id


def parse_duration(text: str) -> timedelta:
    """'15m', '2h', '3d' -> timedelta."""
    match = _DURATION.match(str(text))
    if not match:
        raise ValueError(f"bad duration {text!r}: use a number and m, h or d, e.g. 2h")
    amount, unit = int(match.group(1)), match.group(2)
    return {"m": timedelta(minutes=amount), "h": timedelta(hours=amount), "d": timedelta(days=amount)}[unit]


@lru_cache
def load_taxonomy(path: Path = TAXONOMY_FILE) -> dict[str, Category]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    out: dict[str, Category] = {}
    for item in raw["categories"]:
        out[item["code"]] = Category(
            code=item["code"],
            label_id=item["label"]["id"],
            label_en=item["label"]["en"],
            emergency=bool(item.get("emergency", False)),
            accept_within=parse_duration(item["sla"]["accept"]),
            finish_within=parse_duration(item["sla"]["finish"]),
        )
    return out


def get_category(code: str) -> Category:
    taxonomy = load_taxonomy()
    if code not in taxonomy:
        raise UnknownCategory(code)
    return taxonomy[code]


def category_codes() -> list[str]:
    return list(load_taxonomy())


class UnknownCategory(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(f"unknown category {code!r}; known: {', '.join(load_taxonomy())}")
        self.code = code
