"""Configuration by environment (pydantic-settings); one class serves every service."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_sqlite_url(service: str) -> str:
    """SQLite is the embedded default when no DATABASE_URL is given."""
    folder = Path(os.environ.get("CRAFTSMAN_STATE", ".local")) / "data"
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite+aiosqlite:///{folder / service}.db"


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CRAFTSMAN_", extra="ignore")

    service_name: str = "craftsman"
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "CRAFTSMAN_DATABASE_URL")
    )
    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:19092",
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS", "CRAFTSMAN_KAFKA_BOOTSTRAP_SERVERS"),
    )
    consumer_group_prefix: str = Field(
        default="", description="Isolates consumer groups (and inbox names) of a test or demo run"
    )
    topic_prefix: str = Field(
        default="", description="Puts a test or demo run on topics of its own (prefix + contract topic)"
    )
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    log_level: str = "INFO"
    log_json: bool = True

    roles: str = Field(
        default="api,relay,consumers",
        description="What this process runs (chassis.roles): HTTP commands, the relay, the consumers",
    )
    relay_batch_size: int = Field(default=500, ge=1)
    relay_idle_poll_seconds: float = Field(default=0.05, gt=0)
    consumer_batch_size: int = Field(default=500, ge=1)
    consumer_batch_timeout_ms: int = Field(default=100, ge=1)
    handler_max_attempts: int = Field(default=3, ge=1)
    max_event_bytes: int = Field(default=512 * 1024, ge=1024)

    def resolved_database_url(self) -> str:
        return self.database_url or default_sqlite_url(self.service_name)
