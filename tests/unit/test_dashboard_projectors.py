"""The dashboard's table of projectors covers the contracts: every fact about a worker reaches
the timeline, each type is handled one way only, and the order-free ones go a batch at a time."""

from __future__ import annotations

from contracts.catalog import EVENT_TYPES
from contracts.events.competitions import CompetitionScored
from contracts.events.registry import TierPromoted, WorkerRegistered
from contracts.events.training import TrainingCompleted
from services.dashboard.projections import BATCHED, PROJECTORS, batch_handlers, handlers


def test_every_fact_about_a_worker_is_projected_once() -> None:
    one_by_one, in_bulk = handlers(), batch_handlers()
    assert not set(one_by_one) & set(in_bulk)
    about_workers = {kind for kind in EVENT_TYPES.values() if "worker_id" in kind.model_fields}
    assert about_workers <= set(one_by_one) | set(in_bulk)
    assert set(PROJECTORS) | set(BATCHED) <= set(one_by_one) | set(in_bulk)


def test_facts_that_depend_on_earlier_ones_go_in_order() -> None:
    one_by_one, in_bulk = handlers(), batch_handlers()
    assert WorkerRegistered in one_by_one and TierPromoted in one_by_one
    assert CompetitionScored in in_bulk and TrainingCompleted in in_bulk
