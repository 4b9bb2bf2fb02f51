"""The texts catalog: every user-facing sentence, Indonesian first, English second."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

CATALOG = Path(__file__).parent / "texts.yml"
LANGUAGES = ("id", "en")


@lru_cache
def _catalog() -> dict[str, Any]:
    return yaml.safe_load(CATALOG.read_text(encoding="utf-8"))


def t(key: str, lang: str = "id", /, **values: Any) -> str:
    """The sentence `key` (dotted for nested entries, e.g. "buttons.send") in `lang`, filled with values."""
    node: Any = _catalog()
    for part in key.split("."):
        node = node[part]
    template = node.get(lang if lang in LANGUAGES else "id") or node["id"]
    return template.format(**values) if values else template


def keys() -> list[str]:
    """Every leaf key of the catalog (for tests: each has both languages)."""
    found: list[str] = []

    def walk(prefix: str, node: dict[str, Any]) -> None:
        if set(node) <= set(LANGUAGES) and node:
            found.append(prefix)
            return
        for name, child in node.items():
            walk(f"{prefix}.{name}" if prefix else name, child)

    walk("", _catalog())
    return found
