"""Settings, read from the environment with the ADUAN_ prefix (and an optional .env file)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ADUAN_", env_file=".env", extra="ignore")

    # Core
    database_url: str = "sqlite:///./aduan.db"
    media_dir: Path = Path("./media")
    base_url: str = "http://127.0.0.1:8000"
    region: str = "jakarta"
    timezone: str = "Asia/Jakarta"
    demo_roster: bool = Field(True, description="load the demo officials on first start")
    embedded_worker: bool = Field(True, description="run the outbox worker inside `aduan serve`")
    max_photo_bytes: int = 10 * 1024 * 1024
    max_text_chars: int = 4000

    # NLU
    nlu_engine: Literal["builtin", "rasa"] = "builtin"
    rasa_url: str = "http://127.0.0.1:5005"
    nlu_model_dir: Path = Path("./var/nlu")

    # Geocoding
    geocoder: Literal["gazetteer", "nominatim"] = "gazetteer"
    nominatim_url: str = "https://nominatim.openstreetmap.org"
    nominatim_user_agent: str = "aduan"

    # Channels (a channel whose settings are absent is off)
    web_chat: bool = True
    telegram_token: SecretStr | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_api_url: str | None = None  # only for tests and private gateways
    whatsapp_from: str | None = None
    # WhatsApp's 24-hour rule: approved templates (Twilio Content SIDs) per notification kind, as JSON,
    # e.g. {"status_changed": "HX...", "new_report": "HX..."}; used when the person's last message is older.
    whatsapp_templates: dict[str, str] = {}

    # Outbox worker: platform limits (messages per second) and retries
    telegram_rate_per_second: float = 30.0
    chat_rate_per_second: float = 1.0
    chat_burst: int = 3
    outbox_max_attempts: int = 8
    outbox_lease_seconds: float = 60.0
    sla_check_interval_seconds: float = 60.0
    callcenter_idle_minutes: float = 10.0  # an agent's silent conversation returns to the queue after this

    # Public map: a tile URL template ("https://tile.example.org/{z}/{x}/{y}.png"); empty = no tiles, the
    # map shows the kelurahan boundaries and the markers on a plain background (nothing fetched outside).
    map_tiles_url: str = ""
    map_tiles_attribution: str = ""


@lru_cache
def get_settings() -> Settings:
    return Settings()
