"""The Rasa engine: fallback when the server is down, mapping of /model/parse, a real Rasa server.

The last test needs a real Rasa 3.6 server trained on nlu/data/nlu.yml. It builds what it needs
through nlu.rasa_server and caches it between runs on the same machine: the venv
(`~/.cache/aduan/rasa-venv`, about 2 minutes the first time) and the model (`~/.cache/aduan/rasa-models/`,
a few minutes to train, retrained only when nlu.yml or nlu/rasa/*.yml change). Starting the
server takes about 30 s.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from nlu import rasa_server
from nlu.base import Entity, IntentScore, NluEngine, ParseResult, ResolvedPlace
from nlu.rasa import RasaEngine, category_of
from tests.fakes.http_server import BackgroundServer

KEMANG = ResolvedPlace(
    area_id=42,
    name="Bangka",
    level="kelurahan",
    kecamatan="Mampang Prapatan",
    kota="Kota Administrasi Jakarta Selatan",
    confidence=0.95,
    matched_text="kemang",
)

# Rasa 3.6.21's POST /model/parse answer for this text, recorded from a real server trained on this
# project's data (DIETClassifier + EntitySynonymMapper), with intent_ranking trimmed to five and two
# entities added: rt as DIET gives it, rw as a regex extractor gives it (without a confidence).
RECORDED: dict[str, Any] = {
    "text": "bnjr sepaha di jl kemang raya deket kemang village rt 04/02",
    "intent": {"name": "lapor_banjir", "confidence": 0.9988216757774353},
    "entities": [
        {
            "entity": "kedalaman",
            "start": 5,
            "end": 11,
            "confidence_entity": 0.9987,
            "value": "sepaha",
            "extractor": "DIETClassifier",
        },
        {
            "entity": "jalan",
            "start": 15,
            "end": 29,
            "confidence_entity": 0.9999198913574219,
            "value": "jl kemang raya",
            "extractor": "DIETClassifier",
            "processors": ["EntitySynonymMapper"],
        },
        {
            "entity": "lokasi",
            "start": 36,
            "end": 50,
            "confidence_entity": 0.97,
            "value": "kemang village",
            "extractor": "DIETClassifier",
        },
        {
            "entity": "rt",
            "start": 54,
            "end": 56,
            "confidence_entity": 0.9999918937683105,
            "value": "04",
            "extractor": "DIETClassifier",
            "processors": ["EntitySynonymMapper"],
        },
        {"entity": "rw", "start": 57, "end": 59, "value": "02", "extractor": "RegexEntityExtractor"},
    ],
    "text_tokens": [[0, 4], [5, 11], [12, 14], [15, 17], [18, 24], [25, 29]],
    "intent_ranking": [
        {"name": "lapor_banjir", "confidence": 0.9988216757774353},
        {"name": "lapor_kemacetan", "confidence": 0.00032448413548991084},
        {"name": "cek_status", "confidence": 0.00021092324459459633},
        {"name": "batal", "confidence": 9.84023863566108e-05},
        {"name": "sapa", "confidence": 6.941793253645301e-05},
    ],
}


class FakeEngine(NluEngine):
    """A fallback engine that remembers what it read and always answers `lapor_sampah`."""

    name = "fake"

    def __init__(self) -> None:
        self.calls: list[str] = []

    def parse(self, text: str) -> ParseResult:
        self.calls.append(text)
        intent = IntentScore("lapor_sampah", 0.9)
        return ParseResult(text=text, intent=intent, intent_ranking=[intent], entities=[], category="sampah")


class StubGazetteer:
    """Resolves any text that says "kemang"; remembers the `lokasi_phrase` it was given."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str | None]] = []

    def resolve(self, text: str, lokasi_phrase: str | None = None) -> ResolvedPlace | None:
        self.calls.append((text, lokasi_phrase))
        return KEMANG if "kemang" in text.lower() else None


def rasa_warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "nlu.rasa" and r.levelno == logging.WARNING]


# --------------------------------------------------------------------------- fallback


def test_server_down_falls_back_and_warns_once(caplog: pytest.LogCaptureFixture) -> None:
    closed_port = rasa_server.free_port()  # bound and released: nothing listens there
    fallback = FakeEngine()
    engine = RasaEngine(
        url=f"http://127.0.0.1:{closed_port}", gazetteer=StubGazetteer(), fallback=fallback, timeout=0.5
    )
    engine.retry_after = 0.0  # try the server on every message: still a single warning
    caplog.set_level(logging.DEBUG, logger="nlu.rasa")

    texts = ["sampah numpuk di kali", "banjir lagi", "halo", "jalan bolong", "makasih"]
    results = [engine.parse(t) for t in texts]

    assert fallback.calls == texts
    assert [r.text for r in results] == texts
    assert all(r.intent.name == "lapor_sampah" and r.category == "sampah" for r in results)
    warnings = rasa_warnings(caplog)
    assert len(warnings) == 1, [w.getMessage() for w in warnings]
    assert f"127.0.0.1:{closed_port}" in warnings[0].getMessage()
    assert not engine.available
    engine.close()


def test_server_down_is_not_retried_before_retry_after(caplog: pytest.LogCaptureFixture) -> None:
    closed_port = rasa_server.free_port()
    engine = RasaEngine(url=f"http://127.0.0.1:{closed_port}", gazetteer=None, fallback=FakeEngine())
    now = [1000.0]
    engine._clock = lambda: now[0]
    engine.retry_after = 30.0
    attempts: list[str] = []
    real_post = engine._post

    def counting_post(text: str) -> dict[str, Any]:
        attempts.append(text)
        return real_post(text)

    engine._post = counting_post  # type: ignore[method-assign]
    for _ in range(5):
        engine.parse("banjir")
    assert len(attempts) == 1  # the other four went straight to the fallback
    now[0] += 31
    engine.parse("banjir")
    assert len(attempts) == 2  # retried after retry_after
    assert len(rasa_warnings(caplog)) == 1
    engine.close()


# --------------------------------------------------------------------------- mapping


class FakeRasa:
    """A stand-in Rasa server: answers /model/parse with the recorded answer (or fails on demand)."""

    def __init__(self) -> None:
        self.failing = False
        self.received: list[dict[str, Any]] = []
        self.app = FastAPI()

        @self.app.post("/model/parse")
        async def parse(request: Request) -> JSONResponse:
            body = await request.json()
            self.received.append(body)
            if self.failing:
                return JSONResponse({"error": "model not ready"}, status_code=500)
            answer = copy.deepcopy(RECORDED)
            answer["text"] = body["text"]
            return JSONResponse(answer)


@pytest.fixture(scope="module")
def fake_rasa() -> Iterator[tuple[FakeRasa, str]]:
    fake = FakeRasa()
    with BackgroundServer(fake.app) as server:
        yield fake, server.url


def test_maps_rasa_answer_to_parse_result(fake_rasa: tuple[FakeRasa, str]) -> None:
    fake, url = fake_rasa
    fake.failing = False
    gazetteer, fallback = StubGazetteer(), FakeEngine()
    text = RECORDED["text"]
    with RasaEngine(url=url + "/", gazetteer=gazetteer, fallback=fallback) as engine:
        result = engine.parse(text)

    assert fake.received[-1] == {"text": text}
    assert fallback.calls == []
    assert result.text == text
    assert result.intent == IntentScore("lapor_banjir", pytest.approx(0.99882, abs=1e-4))
    assert result.category == "banjir"
    assert [i.name for i in result.intent_ranking] == [
        "lapor_banjir",
        "lapor_kemacetan",
        "cek_status",
        "batal",
        "sapa",
    ]
    assert [(e.entity, e.value, e.start, e.end) for e in result.entities] == [
        ("kedalaman", "sepaha", 5, 11),
        ("jalan", "jl kemang raya", 15, 29),
        ("lokasi", "kemang village", 36, 50),
        ("rt", "04", 54, 56),
        ("rw", "02", 57, 59),
    ]
    assert result.entities[1] == Entity(
        "jalan", "jl kemang raya", 15, 29, pytest.approx(0.99992), "DIETClassifier"
    )
    assert result.entities[4].confidence == 1.0  # extractors without a confidence
    assert result.entity("kedalaman") == "sepaha"
    # the same place resolution as the builtin engine: the whole text first (it names Kemang here)
    assert gazetteer.calls == [(text, None)]
    assert result.location == KEMANG
    # the JSON shape is Rasa's plus category/location/language
    payload = result.to_json()
    assert {"text", "intent", "intent_ranking", "entities", "category", "location", "language"} <= set(
        payload
    )
    assert payload["location"]["area_id"] == 42


def test_the_lokasi_phrase_is_tried_when_the_text_alone_names_no_place(
    fake_rasa: tuple[FakeRasa, str],
) -> None:
    fake, url = fake_rasa
    fake.failing = False

    class PhraseOnly(StubGazetteer):
        def resolve(self, text: str, lokasi_phrase: str | None = None) -> ResolvedPlace | None:
            self.calls.append((text, lokasi_phrase))
            return KEMANG if lokasi_phrase else None

    gazetteer = PhraseOnly()
    with RasaEngine(url=url, gazetteer=gazetteer, fallback=FakeEngine()) as engine:
        result = engine.from_rasa(RECORDED["text"], RECORDED)
    assert gazetteer.calls == [(RECORDED["text"], None), (RECORDED["text"], "kemang village")]
    assert result.location == KEMANG


def test_no_lokasi_entity_resolves_on_the_whole_text(fake_rasa: tuple[FakeRasa, str]) -> None:
    fake, url = fake_rasa
    fake.failing = False
    gazetteer = StubGazetteer()
    answer_without_lokasi = {**RECORDED, "entities": []}
    with RasaEngine(url=url, gazetteer=gazetteer, fallback=FakeEngine()) as engine:
        result = engine.from_rasa("macet parah di kemang", answer_without_lokasi)
    assert gazetteer.calls == [("macet parah di kemang", None)]
    assert result.location == KEMANG
    assert result.entities == []


@pytest.mark.parametrize(
    ("intent", "category"),
    [
        ("lapor_banjir", "banjir"),
        ("lapor_jalan_rusak", "jalan_rusak"),
        ("lapor_lainnya", "lainnya"),
        ("sapa", "lainnya"),
        ("cek_status", "lainnya"),
        ("nlu_fallback", "lainnya"),
        ("lapor_bukan_kode", "lainnya"),
        (None, "lainnya"),
    ],
)
def test_category_of_intent(intent: str | None, category: str) -> None:
    assert category_of(intent) == category


def test_server_error_falls_back_then_recovers(
    fake_rasa: tuple[FakeRasa, str], caplog: pytest.LogCaptureFixture
) -> None:
    fake, url = fake_rasa
    fallback = FakeEngine()
    engine = RasaEngine(url=url, gazetteer=StubGazetteer(), fallback=fallback)
    engine.retry_after = 0.0
    fake.failing = True
    try:
        assert engine.parse("banjir di kemang").category == "sampah"  # the fake fallback's answer
        assert engine.parse("banjir di kemang").category == "sampah"
        assert len(rasa_warnings(caplog)) == 1
        fake.failing = False
        assert engine.parse("banjir di kemang").category == "banjir"
        assert engine.available
        assert fallback.calls == ["banjir di kemang", "banjir di kemang"]
    finally:
        fake.failing = False
        engine.close()


def test_empty_text_goes_to_the_fallback(fake_rasa: tuple[FakeRasa, str]) -> None:
    fake, url = fake_rasa
    fake.failing = False
    fallback = FakeEngine()
    sent = len(fake.received)
    with RasaEngine(url=url, gazetteer=None, fallback=fallback) as engine:
        engine.parse("   ")
    assert fallback.calls == ["   "]
    assert len(fake.received) == sent


# --------------------------------------------------------------------------- a real Rasa server


def _gazetteer() -> Any:
    """The project's gazetteer over Jakarta's boundaries."""
    from nlu.gazetteer import DEFAULT_GEOJSON, Gazetteer, records_from_geojson

    return Gazetteer(records_from_geojson(DEFAULT_GEOJSON))


@pytest.fixture(scope="session")
def real_rasa() -> Iterator[rasa_server.RasaServer]:
    """A real Rasa 3.6 server trained on nlu/data/nlu.yml (venv and model cached between runs)."""
    rasa_server.ensure_rasa_venv()
    model = rasa_server.train_model()
    server = rasa_server.start_server(model=model, timeout=600)
    try:
        yield server
    finally:
        server.stop()
        assert not server.alive()


@pytest.mark.rasa
def test_real_rasa_server(real_rasa: rasa_server.RasaServer) -> None:
    fallback = FakeEngine()
    engine = RasaEngine(url=real_rasa.url, gazetteer=_gazetteer(), fallback=fallback, timeout=10.0)
    expected = {
        "banjir sepaha di jl kemang raya rt 04 rw 02, mobil gk bisa lewat": "banjir",
        "sampah numpuk udah seminggu gk diangkut, bau bgt": "sampah",
        "jalan berlubang gede bgt, motor sering jatuh": "jalan_rusak",
        "ada pohon tumbang nutupin jalan": "pohon_tumbang",
        "macet total dari pagi, lampu merah mati": "kemacetan",
    }
    try:
        results = {text: engine.parse(text) for text in expected}
        greeting = engine.parse("halo selamat pagi")
        thanks = engine.parse("makasih banyak ya min")
    finally:
        engine.close()

    assert fallback.calls == [], "the real server should have answered every message"
    assert engine.available
    for text, category in expected.items():
        result = results[text]
        assert result.category == category, (text, result.intent, result.intent_ranking[:3])
        assert result.intent.name == f"lapor_{category}"
        assert 0.0 < result.intent.confidence <= 1.0
        assert result.intent_ranking[0].name == result.intent.name
    assert greeting.intent.name == "sapa" and greeting.category == "lainnya"
    assert thanks.intent.name == "terima_kasih" and thanks.category == "lainnya"
    domain_entities = {"lokasi", "jalan", "rt", "rw", "kedalaman", "tiket"}
    flood = results["banjir sepaha di jl kemang raya rt 04 rw 02, mobil gk bisa lewat"]
    assert {e.entity for e in flood.entities} <= domain_entities
    assert flood.entity("rt") in ("04", "4", None)
    for ent in flood.entities:  # offsets point into the text
        assert flood.text[ent.start : ent.end]


# --------------------------------------------------------------------------- nlu.rasa_server


def test_serve_command_runs_the_http_api_on_loopback(tmp_path) -> None:
    cmd = rasa_server.serve_command(tmp_path / "m.tar.gz", 5123, venv=tmp_path / "venv")
    assert cmd[0] == str(tmp_path / "venv" / "bin" / "python")
    assert cmd[1:5] == ["-m", "rasa", "run", "--enable-api"]
    assert cmd[cmd.index("-m", 2) + 1] == str(tmp_path / "m.tar.gz")
    assert cmd[cmd.index("-p") + 1] == "5123"
    assert cmd[cmd.index("-i") + 1] == "127.0.0.1"


def test_train_model_reuses_the_cached_model(tmp_path) -> None:
    data = tmp_path / "nlu.yml"
    data.write_text('version: "3.1"\nnlu: []\n')
    key = rasa_server.model_key(data)
    cached = tmp_path / "models" / f"nlu-{key}.tar.gz"
    cached.parent.mkdir()
    cached.write_bytes(b"a model")
    # no venv at all: a cache hit must not need Rasa
    found = rasa_server.train_model(nlu_data=data, model_dir=cached.parent, venv=tmp_path / "none")
    assert found == cached
    data.write_text('version: "3.1"\nnlu:\n- intent: sapa\n  examples: |\n    - halo\n')
    assert rasa_server.model_key(data) != key  # changed data: another model
    with pytest.raises(RuntimeError, match="rasa-setup"):
        rasa_server.train_model(nlu_data=data, model_dir=cached.parent, venv=tmp_path / "none")
