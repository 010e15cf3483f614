"""An enterprise HR system on the craftsman bus, with confluent-kafka (librdkafka), not aiokafka.

It needs the contracts package and confluent-kafka (`pip install craftsman-contracts confluent-kafka`)
and the credentials the federation's operator issued (`python -m deploy.kafka_access enterprise ID`):

    python contracts/examples/hr_client.py hire  --enterprise acme --worker w-7 --trade fitter
    python contracts/examples/hr_client.py read  --enterprise acme     # the public registry topic
    python contracts/examples/hr_client.py refused --enterprise acme   # what the platform refused, and why

with KAFKA_BOOTSTRAP_SERVERS, KAFKA_USERNAME (ent-<id>) and KAFKA_PASSWORD in the environment.
The enterprise writes only its own topic, craftsman.inbound.hr.<id>; every envelope it sends says
producer ent-<id> and tenant <id>, or the owning service dead-letters it.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Sequence

from confluent_kafka import Consumer, KafkaException, Message, Producer

from contracts.envelope import Envelope, StreamRef
from contracts.events.registry import WorkerRegistered
from contracts.topics import REGISTRY_EVENTS, dead_letter_topic, enterprise_principal, inbound_topic
from contracts.vocabulary import SkillLevel


def client_config(bootstrap: str, username: str, password: str) -> dict[str, str]:
    """librdkafka settings for the platform's SASL/SCRAM listener."""
    return {
        "bootstrap.servers": bootstrap,
        "security.protocol": "sasl_plaintext",  # sasl_ssl where the operator terminates TLS
        "sasl.mechanism": "SCRAM-SHA-512",
        "sasl.username": username,
        "sasl.password": password,
    }


def hire_envelope(enterprise_id: str, worker_id: str, trade: str, level: SkillLevel) -> Envelope:
    """A hire as a fact: no personal data travels on Kafka (the registry keeps names sealed)."""
    event = WorkerRegistered(worker_id=worker_id, enterprise_id=enterprise_id, trade=trade, skill_level=level)
    return Envelope.wrap(
        event,
        producer=enterprise_principal(enterprise_id),
        stream=StreamRef(type="Worker", id=worker_id),
        stream_version=1,
        tenant=enterprise_id,
    )


def send(
    config: dict[str, str], enterprise_id: str, envelopes: Sequence[Envelope], topic_prefix: str = ""
) -> None:
    """Produce to the enterprise's inbound topic and wait until the broker acknowledged each record."""
    producer = Producer({**config, "acks": "all", "enable.idempotence": True})
    failures: list[str] = []

    def delivered(error: object, message: Message) -> None:
        if error is not None:
            failures.append(str(error))

    for envelope in envelopes:
        topic = topic_prefix + inbound_topic(enterprise_id)
        producer.produce(topic, envelope.to_bytes(), key=envelope.key.encode(), on_delivery=delivered)
    producer.flush(30)
    if failures:
        raise KafkaException(failures[0])


def read(
    config: dict[str, str], topic: str, group: str, *, at_least: int = 1, timeout: float = 60.0
) -> list[Message]:
    """Read `topic` from its start with consumer group `group` (it must start with ent-<id>.)."""
    consumer = Consumer({**config, "group.id": group, "auto.offset.reset": "earliest"})
    consumer.subscribe([topic])
    messages: list[Message] = []
    deadline = time.monotonic() + timeout
    try:
        while len(messages) < at_least and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None:
                continue
            if message.error():
                raise KafkaException(message.error())
            messages.append(message)
    finally:
        consumer.close()
    return messages


def _main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["hire", "read", "refused"])
    parser.add_argument("--enterprise", required=True)
    parser.add_argument("--worker", default="w-1")
    parser.add_argument("--trade", default="fitter")
    args = parser.parse_args()
    config = client_config(
        os.environ["KAFKA_BOOTSTRAP_SERVERS"], os.environ["KAFKA_USERNAME"], os.environ["KAFKA_PASSWORD"]
    )
    group = f"{enterprise_principal(args.enterprise)}.example"
    if args.command == "hire":
        send(
            config,
            args.enterprise,
            [hire_envelope(args.enterprise, args.worker, args.trade, SkillLevel.SENIOR)],
        )
    elif args.command == "read":
        for message in read(config, REGISTRY_EVENTS, group):
            envelope = Envelope.from_bytes(message.value() or b"")
            print(envelope.event_type, envelope.tenant, envelope.payload)
    else:
        for message in read(config, dead_letter_topic(inbound_topic(args.enterprise)), group + "-refused"):
            headers: list[tuple[str, bytes]] = list(message.headers() or [])  # type: ignore[arg-type]
            reasons = {name: value.decode() for name, value in headers}
            print(reasons.get("dlq.reason"), reasons.get("dlq.detail"))


if __name__ == "__main__":
    _main()
