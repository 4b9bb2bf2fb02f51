"""ADUAN_GEOCODER=nominatim: typed places go through geopy's Nominatim to a deployment's own server."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from backend.config import Settings
from backend.main import create_app
from tests.dbs import ConnectionDatabase
from tests.dialog.webchat import WebChat
from tests.fakes.http_server import BackgroundServer

QUERIES: list[dict[str, str]] = []


async def search(request: Request) -> JSONResponse:
    QUERIES.append(dict(request.query_params))
    if "haji naim" not in request.query_params.get("q", "").lower():
        return JSONResponse([])
    return JSONResponse(
        [
            {
                "place_id": 1,
                "lat": "-6.2640",
                "lon": "106.8190",
                "display_name": "Gang Haji Naim, Bangka, Mampang Prapatan, Jakarta Selatan",
                "importance": 0.6,
            }
        ]
    )


@pytest.fixture(scope="module")
def nominatim() -> Iterator[str]:
    with BackgroundServer(Starlette(routes=[Route("/search", search)])) as server:
        yield server.url


@pytest.fixture
def nominatim_client(
    settings: Settings, test_db: ConnectionDatabase, nominatim: str, tmp_path: Path
) -> Iterator[TestClient]:
    settings.geocoder = "nominatim"
    settings.nominatim_url = nominatim
    with TestClient(create_app(settings, db=test_db, prepare=False)) as client:
        yield client


def test_a_typed_street_is_found_by_nominatim_and_located(nominatim_client: TestClient) -> None:
    chat = WebChat(nominatim_client)
    chat.send("ada pohon tumbang nutup jalan")
    chat.send("Gang Haji Naim")
    assert "Kelurahan Bangka" in chat.texts() or "Kirim foto" in chat.texts()
    assert any("haji naim" in q.get("q", "").lower() for q in QUERIES)
    query = next(q for q in QUERIES if "haji naim" in q.get("q", "").lower())
    assert query.get("countrycodes") == "id" and query.get("bounded") == "1", "bounded to the region"
    chat.send("Jalan Entah Dimana")
    other = WebChat(nominatim_client)
    other.send("ada pohon tumbang nutup jalan")
    other.send("Jalan Tidak Ada")
    assert "tidak saya temukan" in other.texts()
