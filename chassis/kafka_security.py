"""Who a Kafka client is: settings → the keyword arguments of every client the platform uses.

One translation serves aiokafka (producer, consumer, admin), FastStream's KafkaBroker and
confluent-kafka, so a service, a test helper and a deploy tool authenticate the same way.
With no credentials configured the clients speak PLAINTEXT without authentication (an open
broker such as testcontainers' or a user's own).
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import Any, Literal

from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512

from chassis.settings import ServiceSettings

__all__ = ["KafkaCredentials", "aiokafka_kwargs", "confluent_config", "faststream_security"]

Protocol = Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL"]
Mechanism = Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"]


@dataclass(frozen=True, slots=True)
class KafkaCredentials:
    security_protocol: Protocol = "PLAINTEXT"
    sasl_mechanism: Mechanism = "SCRAM-SHA-512"
    username: str | None = None
    password: str | None = None

    def __post_init__(self) -> None:
        if self.uses_sasl and not (self.username and self.password):
            raise ValueError(f"{self.security_protocol} needs CRAFTSMAN_KAFKA_USERNAME and _PASSWORD")

    @property
    def uses_sasl(self) -> bool:
        return self.security_protocol.startswith("SASL_")

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> KafkaCredentials:
        password = settings.kafka_password.get_secret_value() if settings.kafka_password else None
        return cls(
            security_protocol=settings.kafka_security_protocol,
            sasl_mechanism=settings.kafka_sasl_mechanism,
            username=settings.kafka_username,
            password=password,
        )

    @classmethod
    def from_environment(cls) -> KafkaCredentials:
        """The process's own credentials (CRAFTSMAN_KAFKA_*); for tools and tests."""
        return cls.from_settings(ServiceSettings())

    def as_user(self, username: str, password: str) -> KafkaCredentials:
        """The same transport, another principal."""
        return KafkaCredentials(self.security_protocol, self.sasl_mechanism, username, password)


def aiokafka_kwargs(credentials: KafkaCredentials | None = None) -> dict[str, Any]:
    """For AIOKafkaProducer, AIOKafkaConsumer and AIOKafkaAdminClient (None: this process's own)."""
    credentials = credentials or KafkaCredentials.from_environment()
    if not credentials.uses_sasl:
        return {}
    kwargs: dict[str, Any] = {
        "security_protocol": credentials.security_protocol,
        "sasl_mechanism": credentials.sasl_mechanism,
        "sasl_plain_username": credentials.username,
        "sasl_plain_password": credentials.password,
    }
    if credentials.security_protocol == "SASL_SSL":
        kwargs["ssl_context"] = ssl.create_default_context()
    return kwargs


def faststream_security(credentials: KafkaCredentials | None = None) -> BaseSecurity | None:
    """For KafkaBroker(security=...) (None: this process's own credentials)."""
    credentials = credentials or KafkaCredentials.from_environment()
    if not credentials.uses_sasl:
        return None
    assert credentials.username is not None and credentials.password is not None
    use_ssl = credentials.security_protocol == "SASL_SSL"
    kinds: dict[str, type[SASLPlaintext | SASLScram256 | SASLScram512]] = {
        "SCRAM-SHA-512": SASLScram512,
        "SCRAM-SHA-256": SASLScram256,
        "PLAIN": SASLPlaintext,
    }
    return kinds[credentials.sasl_mechanism](credentials.username, credentials.password, use_ssl=use_ssl)


def confluent_config(credentials: KafkaCredentials | None = None) -> dict[str, str]:
    """For confluent-kafka's Producer, Consumer and AdminClient (librdkafka property names)."""
    credentials = credentials or KafkaCredentials.from_environment()
    if not credentials.uses_sasl:
        return {}
    assert credentials.username is not None and credentials.password is not None
    return {
        "security.protocol": credentials.security_protocol.lower(),
        "sasl.mechanism": credentials.sasl_mechanism,
        "sasl.username": credentials.username,
        "sasl.password": credentials.password,
    }
