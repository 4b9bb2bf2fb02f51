"""The Rasa engine: the HTTP client of a Rasa server's `/model/parse`.

Rasa runs as its own server (`aduan nlu rasa-serve`, or `rasa run --enable-api` anywhere),
trained on the same `nlu/data/nlu.yml` as the builtin engine. This engine maps Rasa's answer
to a ParseResult and applies the same place resolution as the builtin engine (the gazetteer),
so the dialog cannot tell the engines apart.

When the server is down, slow or answers nonsense, the message is read by the fallback engine
(the builtin one) instead: the citizen is still understood. That is logged as a warning once
per outage, not once per message; the server is tried again every `retry_after` seconds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import httpx
import yaml

from nlu.base import Entity, IntentScore, NluEngine, ParseResult, ResolvedPlace

log = logging.getLogger(__name__)

REPORT_PREFIX = "lapor_"
FALLBACK_INTENT = "nlu_fallback"  # what Rasa's FallbackClassifier answers on low confidence
CATEGORIES_FILE = Path(__file__).resolve().parents[1] / "backend" / "reports" / "data" / "categories.yml"


class Gazetteer(Protocol):
    def resolve(self, text: str, lokasi_phrase: str | None = None) -> ResolvedPlace | None: ...


@cache
def taxonomy_codes() -> frozenset[str]:
    """The category codes of the taxonomy (backend/reports/data/categories.yml)."""
    try:
        data = yaml.safe_load(CATEGORIES_FILE.read_text(encoding="utf-8"))
        return frozenset(str(c["code"]) for c in data["categories"])
    except (OSError, KeyError, TypeError, yaml.YAMLError):
        log.exception("cannot read the taxonomy from %s", CATEGORIES_FILE)
        return frozenset()


def category_of(intent: str | None) -> str:
    """`lapor_<code>` -> `<code>` for a taxonomy code; anything else (chat, fallback) -> "lainnya"."""
    if intent and intent.startswith(REPORT_PREFIX):
        code = intent[len(REPORT_PREFIX) :]
        codes = taxonomy_codes()
        if code in codes or not codes:
            return code
    return "lainnya"


_UNSET: Any = object()
_language_detector: Any = _UNSET


def _detect_language(text: str) -> str | None:
    """nlu.language.detect_language when that module exists; None otherwise (or when it fails)."""
    global _language_detector
    if _language_detector is _UNSET:
        try:
            from nlu.language import detect_language

            _language_detector = detect_language
        except ImportError:
            _language_detector = None
    if _language_detector is None:
        return None
    try:
        return _language_detector(text)
    except Exception:
        log.debug("language detection failed", exc_info=True)
        return None


class RasaUnavailable(Exception):
    """The Rasa server did not give a usable answer."""


class RasaEngine(NluEngine):
    """Reads messages through a Rasa server; falls back to another engine when it is down."""

    name = "rasa"
    #: seconds to wait after a failure before trying the server again
    retry_after: float = 15.0

    def __init__(self, *, url: str, gazetteer, fallback: NluEngine, timeout: float = 2.0) -> None:
        self.url = url.rstrip("/")
        self.parse_url = f"{self.url}/model/parse"
        self.gazetteer: Gazetteer | None = gazetteer
        self.fallback = fallback
        self.timeout = timeout
        # one keep-alive connection pool for the life of the engine (httpx.Client is thread-safe)
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(max_keepalive_connections=16, keepalive_expiry=30.0),
        )
        self._lock = threading.Lock()
        self._down_since: float | None = None  # monotonic time of the first failure of an outage
        self._retry_at = 0.0
        self._clock: Callable[[], float] = time.monotonic

    # ------------------------------------------------------------------ the interface

    def parse(self, text: str) -> ParseResult:
        text = "" if text is None else str(text)
        if not text.strip():
            # Rasa answers an empty text with a null intent; the fallback reads it the usual way
            return self.fallback.parse(text)
        if self._down_since is not None and self._clock() < self._retry_at:
            return self.fallback.parse(text)
        try:
            data = self._post(text)
            result = self.from_rasa(text, data)
        except RasaUnavailable as exc:
            self._server_failed(exc)
            return self.fallback.parse(text)
        self._server_ok()
        return result

    @property
    def available(self) -> bool:
        """False while the engine is falling back (the last call to the server failed)."""
        return self._down_since is None

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> RasaEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ mapping

    def from_rasa(self, text: str, data: dict[str, Any]) -> ParseResult:
        """Map one `/model/parse` answer to a ParseResult (with the place resolved by the gazetteer)."""
        try:
            intent_data = data.get("intent") or {}
            name = intent_data.get("name") or FALLBACK_INTENT
            intent = IntentScore(name=str(name), confidence=float(intent_data.get("confidence") or 0.0))
            ranking = [
                IntentScore(name=str(r["name"]), confidence=float(r.get("confidence") or 0.0))
                for r in data.get("intent_ranking") or []
                if r.get("name")
            ]
            entities = [self._entity(e) for e in data.get("entities") or []]
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise RasaUnavailable(f"unexpected answer from {self.parse_url}: {exc!r}") from exc
        entities.sort(key=lambda e: (e.start, e.end))
        lokasi = next((e.value for e in entities if e.entity == "lokasi" and e.value), None)
        return ParseResult(
            text=text,
            intent=intent,
            intent_ranking=ranking or [intent],
            entities=entities,
            category=category_of(intent.name),
            location=self._resolve(text, lokasi),
            language=_detect_language(text),
        )

    @staticmethod
    def _entity(e: dict[str, Any]) -> Entity:
        # DIET reports `confidence_entity`; regex/lookup extractors report no confidence
        confidence = e.get("confidence_entity", e.get("confidence"))
        return Entity(
            entity=str(e["entity"]),
            value=str(e["value"]),
            start=int(e.get("start", 0)),
            end=int(e.get("end", 0)),
            confidence=float(confidence) if confidence is not None else 1.0,
            extractor=str(e.get("extractor") or "rasa"),
        )

    def _resolve(self, text: str, lokasi: str | None) -> ResolvedPlace | None:
        if self.gazetteer is None:
            return None
        try:
            # The whole text first, exactly as the builtin engine reads places, so the dialog cannot tell
            # the engines apart; DIET's lokasi phrase only when the text alone names no known place.
            return self.gazetteer.resolve(text) or (
                self.gazetteer.resolve(text, lokasi_phrase=lokasi) if lokasi else None
            )
        except Exception:
            log.exception("place resolution failed for %r", text[:200])
            return None

    # ------------------------------------------------------------------ the server

    def _post(self, text: str) -> dict[str, Any]:
        try:
            response = self._client.post(self.parse_url, json={"text": text})
            response.raise_for_status()
            data = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise RasaUnavailable(f"{type(exc).__name__}: {exc}") from exc
        if not isinstance(data, dict):
            raise RasaUnavailable(f"unexpected answer from {self.parse_url}: {type(data).__name__}")
        return data

    def _server_failed(self, exc: Exception) -> None:
        with self._lock:
            now = self._clock()
            self._retry_at = now + self.retry_after
            if self._down_since is not None:
                log.debug("Rasa server at %s still unavailable: %s", self.url, exc)
                return
            self._down_since = now
        log.warning(
            "Rasa server at %s is unavailable (%s); reading messages with the %s engine "
            "until it answers again (retrying every %.0fs)",
            self.url,
            exc,
            getattr(self.fallback, "name", type(self.fallback).__name__),
            self.retry_after,
        )

    def _server_ok(self) -> None:
        if self._down_since is None:
            return
        with self._lock:
            down_since, self._down_since = self._down_since, None
        if down_since is not None:
            log.info("Rasa server at %s answers again after %.0fs", self.url, self._clock() - down_since)
