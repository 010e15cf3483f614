"""The consumer's batch size: big on Postgres (a backlog drains in fewer transactions), small on
SQLite (one writer, held for a batch's whole transaction); a configured size wins."""

from __future__ import annotations

import pytest

from chassis.settings import ServiceSettings


@pytest.mark.parametrize(
    ("url", "expected"),
    [("postgresql+asyncpg://u@h/db", 2000), ("sqlite+aiosqlite:///x.db", 500), (None, 500)],
)
def test_default_batch_by_database(url: str | None, expected: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRAFTSMAN_CONSUMER_BATCH_SIZE", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("CRAFTSMAN_DATABASE_URL", raising=False)
    assert ServiceSettings(service_name="s", database_url=url).resolved_consumer_batch_size() == expected


def test_a_configured_batch_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRAFTSMAN_CONSUMER_BATCH_SIZE", "64")
    settings = ServiceSettings(service_name="s", database_url="postgresql+asyncpg://u@h/db")
    assert settings.resolved_consumer_batch_size() == 64
