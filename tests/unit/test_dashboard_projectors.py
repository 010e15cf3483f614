"""The dashboard's table of projectors covers the contracts: every fact about a worker reaches
the timeline, each type is handled one way only, and the order-free ones go a batch at a time."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from chassis.auth import Principal, Role
from chassis.errors import Forbidden
from contracts.catalog import EVENT_TYPES
from contracts.envelope import Envelope, StreamRef
from contracts.events.competitions import CompetitionScored
from contracts.events.registry import TierPromoted, WorkerRegistered
from contracts.events.rewards import PointsAdjusted, PointsAwarded, PointsExpired
from contracts.events.training import TrainingCompleted
from services.dashboard.projections import BATCHED, PROJECTORS, batch_handlers, handlers, points_row
from services.dashboard.scope import RegionNode, RegionTree, regions_in_view


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


def test_the_points_ledger_adds_awards_and_takes_away_expiries_and_adjustments() -> None:
    source = uuid.uuid4()
    awarded = PointsAwarded(
        worker_id="w-1",
        category="competition",
        rule="competition",
        group="competition",
        points=Decimal("3.5"),
        earned_on=date(2026, 5, 1),
        source_event_id=source,
    )
    expired = PointsExpired(
        worker_id="w-1",
        category="competition",
        rule="competition",
        points=Decimal("3.5"),
        source_event_id=source,
        expired_on=date(2029, 5, 1),
    )
    adjusted = PointsAdjusted(
        worker_id="w-1",
        category="x",
        delta=Decimal("-1.00"),
        reason="typo",
        approved_by="federation",
        adjusted_on=date(2027, 1, 2),
    )
    rows = [
        points_row(
            Envelope.wrap(
                e,
                producer="rewards",
                stream=StreamRef(type="Account", id="w-1"),
                stream_version=1,
                tenant="ent",
            ),
            e,
        )
        for e in (awarded, expired, adjusted)
    ]
    assert [(row["points"], row["year"]) for row in rows] == [
        (Decimal("3.5"), 2026),
        (Decimal("-3.5"), 2029),
        (Decimal("-1.00"), 2027),
    ]


def test_a_county_union_reaches_its_towns_and_nothing_else() -> None:
    tree = RegionTree(
        [
            RegionNode("city", "City", "city", None),
            RegionNode("north", "North", "county", "city"),
            RegionNode("south", "South", "district", "city"),
            RegionNode("north-town", "North town", "town", "north"),
        ]
    )
    assert tree.under("north") == frozenset({"north", "north-town"})
    assert tree.county_of("north-town") == "north" and tree.county_of("unknown") == "unknown"
    county = Principal(Role.COUNTY_UNION, "north-union", region_id="north")
    assert regions_in_view(tree, county, None) == frozenset({"north", "north-town"})
    assert regions_in_view(tree, county, "north-town") == frozenset({"north-town"})
    with pytest.raises(Forbidden):
        regions_in_view(tree, county, "south")
    city = Principal(Role.CITY_UNION, "federation")
    assert regions_in_view(tree, city, None) is None
    assert regions_in_view(tree, city, "south") == frozenset({"south"})
