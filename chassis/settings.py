"""Configuration by environment (pydantic-settings); one class serves every service."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from chassis.db import is_sqlite


def default_sqlite_url(service: str) -> str:
    """SQLite is the embedded default when no DATABASE_URL is given."""
    folder = Path(os.environ.get("CRAFTSMAN_STATE", ".local")) / "data"
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite+aiosqlite:///{folder / service}.db"


LOCAL_JWT_SECRET = "craftsman-local-only-signing-key-change-me"


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
    # Who this process is on the bus (chassis/kafka_security.py turns these into client kwargs).
    # No username and PLAINTEXT: an open broker (testcontainers, a user's own). The local broker
    # of deploy/kafka.sh wants SASL_PLAINTEXT + SCRAM-SHA-512 and one principal per service.
    kafka_security_protocol: Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"] = "SCRAM-SHA-512"
    kafka_username: str | None = None
    kafka_password: SecretStr | None = None
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
    # Rows per outbox read: a read (and the delete riding on it) costs a round trip and an index
    # descent whatever its size, so a backlog drains faster in big batches (measured: 2,000 read
    # a 100k backlog about twice as fast as 500); a trickle of commands still goes out at once.
    relay_batch_size: int = Field(default=2000, ge=1)
    relay_idle_poll_seconds: float = Field(default=0.05, gt=0)
    consumer_batch_size: int | None = Field(
        default=None,
        ge=1,
        description="Records per consumer batch (one transaction each); by default by database, "
        "see default_consumer_batch_size",
    )
    consumer_batch_timeout_ms: int = Field(default=100, ge=1)
    handler_max_attempts: int = Field(default=3, ge=1)
    aggregate_cache_size: int = Field(
        default=1000,
        ge=0,
        description="Aggregates kept in memory between commands (chassis/aggregate_cache.py); 0: none",
    )
    max_event_bytes: int = Field(default=512 * 1024, ge=1024)
    max_request_bytes: int = Field(default=1024 * 1024, ge=1024, description="Larger bodies get 413")

    # Who is calling (chassis/auth.py). The default key is for local runs only: a deployment
    # sets CRAFTSMAN_AUTH_JWT_SECRET, and the service logs a warning while it is the default.
    auth_jwt_secret: SecretStr = Field(default=SecretStr(LOCAL_JWT_SECRET), min_length=32)
    auth_jwt_issuer: str = "craftsman"
    auth_api_keys: dict[str, str] = Field(
        default_factory=dict,
        description='API key → principal, e.g. {"k3y": "service:rewards"} or {"k4y": "enterprise_hr:weichai"}',
    )

    def resolved_database_url(self) -> str:
        return self.database_url or default_sqlite_url(self.service_name)

    def resolved_consumer_batch_size(self) -> int:
        return self.consumer_batch_size or default_consumer_batch_size(self.resolved_database_url())


def default_consumer_batch_size(database_url: str) -> int:
    """Records per consumer batch when none is configured.

    A batch costs a transaction, an inbox claim and an offset commit whatever its size, so a
    backlog (a replay, a rebuild, a service catching up) goes faster in big batches: on Postgres
    2,000 rebuilt a 200k-event read model about 12% faster than 500 (six runs each on the 2-core
    bench machine, all noisy: a mean of 21.3k against 18.9k events/s, 15.8k to 24.8k against
    16.8k to 21.5k). A trickle is not held back: a fetch returns whatever has arrived. The price
    is memory while a backlog lasts (a batch applying, the next decoded, more fetched): the
    bench's consumer services peaked about 55 MB higher. SQLite keeps 500: it has one writer, and
    a consumer's batch holds it for its whole transaction, while the API's commands wait.
    """
    return 500 if is_sqlite(database_url) else 2000
