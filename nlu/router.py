"""`POST /model/parse`: Aduan's own NLU over HTTP, in the shape of Rasa's endpoint."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from nlu.base import NluEngine

router = APIRouter(tags=["nlu"])


class ParseRequest(BaseModel):
    text: str = Field("", max_length=20000)
    message_id: str | None = None


@router.post("/model/parse")
async def parse(body: ParseRequest, request: Request) -> dict[str, Any]:
    """Rasa-compatible: `{"text": "..."}` -> intent, intent_ranking, entities, plus category and location."""
    engine: NluEngine = request.app.state.nlu_engine
    if engine.name == "builtin":  # sub-millisecond CPU work: no thread hop
        return engine.parse(body.text).to_json()
    return (await run_in_threadpool(engine.parse, body.text)).to_json()
