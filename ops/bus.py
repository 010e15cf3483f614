"""Who the operator is on the bus and in the databases: settings from the environment.

The CLI connects to Kafka as the principal of CRAFTSMAN_KAFKA_* (the admin, from
.local/infra.env or .local/kafka-credentials.env) and to a service's database by
`--database-url`, DATABASE_URL, DATABASE_URL_BASE/<service> (as deploy/local_services.py
names them) or the service's embedded SQLite default, in that order.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from chassis.kafka_security import KafkaCredentials
from chassis.settings import ServiceSettings


@dataclass(frozen=True, slots=True)
class Bus:
    bootstrap: str
    credentials: KafkaCredentials
    topic_prefix: str = ""
    group_prefix: str = ""

    @classmethod
    def from_environment(cls) -> Bus:
        settings = ServiceSettings()
        return cls(
            bootstrap=settings.kafka_bootstrap_servers,
            credentials=KafkaCredentials.from_settings(settings),
            topic_prefix=settings.topic_prefix,
            group_prefix=settings.consumer_group_prefix,
        )


def service_settings(service: str, database_url: str | None = None) -> ServiceSettings:
    """The settings a service runs with, as the operator sees them from here."""
    base = os.environ.get("DATABASE_URL_BASE")
    url = database_url or os.environ.get("DATABASE_URL") or (f"{base}/{service}" if base else None)
    return ServiceSettings(service_name=service, database_url=url)
