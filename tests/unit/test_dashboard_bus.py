"""The dashboard on the bus: what its principal may do, and the lag and rate it shows."""

from __future__ import annotations

from aiokafka import TopicPartition

from chassis.settings import ServiceSettings
from contracts.topics import ALL_EVENT_TOPICS, REGISTRY_EVENTS, TOPIC_OF_PRODUCER, dead_letter_topic
from deploy.kafka_access import dashboard_grants
from services.dashboard.bus import Sample, figures, group_lag


def test_the_dashboard_reads_every_public_topic_and_writes_only_dead_letters() -> None:
    grants = dashboard_grants()
    assert {g.name for g in grants if g.operation == "READ" and g.resource == "TOPIC"} == set(
        ALL_EVENT_TOPICS
    )
    assert {g.name for g in grants if g.operation == "WRITE"} == {
        dead_letter_topic(t) for t in ALL_EVENT_TOPICS
    }
    assert {g.name for g in grants if g.operation == "DESCRIBE"} == {f"{s}." for s in TOPIC_OF_PRODUCER}
    assert {g.name for g in grants if g.operation == "READ" and g.resource == "GROUP"} == {"dashboard."}


def test_lag_counts_what_a_group_has_not_consumed() -> None:
    a, b = TopicPartition(REGISTRY_EVENTS, 0), TopicPartition(REGISTRY_EVENTS, 1)
    assert group_lag({a: 10, b: 5}, {a: 12, b: 5}) == 2
    assert group_lag({a: 10}, {}) == 0  # an end offset not sampled: no lag claimed


def test_rate_and_lag_per_service_from_two_samples() -> None:
    settings = ServiceSettings(service_name="dashboard", consumer_group_prefix="run.", topic_prefix="run.")
    topic = "run." + REGISTRY_EVENTS
    part = TopicPartition(topic, 0)
    before = Sample(100.0, {part: 1000}, {"run.training.workers": {part: 900}})
    after = Sample(102.0, {part: 1300}, {"run.training.workers": {part: 1250}, "other.training.x": {part: 0}})
    by_service = {live.service: live for live in figures(after, before, settings)}
    assert by_service["registry"].events == 1300
    assert by_service["registry"].events_per_second == 150.0
    assert by_service["training"].groups == {"training.workers": 50}
    assert by_service["training"].lag == 50
    assert by_service["rewards"].lag is None  # never committed anything under this prefix
    assert by_service["dashboard"].topic is None
    assert all(live.events_per_second is None for live in figures(after, None, settings))
