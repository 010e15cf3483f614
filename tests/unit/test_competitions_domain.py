"""The Contest aggregate: open, score entrants against the field so far, conclude."""

from __future__ import annotations

from datetime import date

import pytest

from chassis.errors import DomainRuleViolated
from contracts.events.competitions import CompetitionScored, ContestConcluded, ContestOpened
from contracts.vocabulary import ContestLevel, Medal
from services.competitions.domain import Contest


def opened(theory_weight: float = 0.1, ends_on: date = date(2026, 6, 3)) -> Contest:
    return Contest.open(
        "c-robots",
        title="Industrial robot system operation",
        trade="robotics",
        level=ContestLevel.CITY,
        organiser_id="wf-federation",
        region_id="weifang",
        starts_on=date(2026, 6, 1),
        ends_on=ends_on,
        theory_weight=theory_weight,
    )


def scored(contest: Contest) -> list[CompetitionScored]:
    return [event for event in contest.pending if isinstance(event, CompetitionScored)]


def test_open_records_contest_opened_in_the_region() -> None:
    contest = opened()
    (event,) = contest.pending
    assert isinstance(event, ContestOpened)
    assert (event.contest_id, event.level, event.theory_weight) == ("c-robots", ContestLevel.CITY, 0.1)
    assert contest.tenant == "weifang"


def test_the_contracts_invariants_answer_as_domain_rules() -> None:
    with pytest.raises(DomainRuleViolated, match="ends_on must not be before starts_on"):
        opened(ends_on=date(2026, 5, 1))
    with pytest.raises(DomainRuleViolated, match="ContestOpened"):
        opened(theory_weight=0.5)


def test_each_result_is_scored_against_the_field_so_far() -> None:
    contest = opened()
    for worker, raw in (("w-1", 70.0), ("w-2", 90.0), ("w-3", 50.0), ("w-4", 80.0), ("w-5", 60.0)):
        contest.record_result(worker, enterprise_id="ent-1", raw_score=raw)
    first, second, third, fourth, fifth = scored(contest)
    assert (first.standardised_score, first.rank, first.medal) == (700, 1, Medal.GOLD)  # alone: MAD 0
    assert (second.rank, second.medal) == (1, Medal.GOLD)
    assert (third.rank, third.medal) == (3, Medal.BRONZE)
    assert (fourth.rank, fourth.medal) == (2, Medal.SILVER)
    # the full field [70, 90, 50, 80, 60]: median 70, MAD 10
    assert (fifth.standardised_score, fifth.rank, fifth.medal) == (680, 4, Medal.NONE)
    assert fifth.enterprise_id == "ent-1"
    assert contest.raw_scores == {"w-1": 70.0, "w-2": 90.0, "w-3": 50.0, "w-4": 80.0, "w-5": 60.0}


def test_a_worker_is_scored_once_per_contest() -> None:
    contest = opened()
    contest.record_result("w-1", enterprise_id="ent-1", raw_score=70.0)
    with pytest.raises(DomainRuleViolated, match="w-1 was scored already in contest c-robots"):
        contest.record_result("w-1", enterprise_id="ent-1", raw_score=95.0)
    assert len(scored(contest)) == 1


def test_conclude_counts_the_entrants_and_closes_the_results() -> None:
    contest = opened()
    contest.record_result("w-1", enterprise_id="ent-1", raw_score=70.0)
    contest.record_result("w-2", enterprise_id="ent-2", raw_score=75.0)
    contest.conclude(date(2026, 6, 3))
    concluded = contest.pending[-1]
    assert isinstance(concluded, ContestConcluded)
    assert (concluded.entrant_count, concluded.scored_count, concluded.level) == (2, 2, ContestLevel.CITY)
    with pytest.raises(DomainRuleViolated, match="concluded"):
        contest.record_result("w-3", enterprise_id="ent-1", raw_score=80.0)
    with pytest.raises(DomainRuleViolated, match="concluded"):
        contest.conclude(date(2026, 6, 4))


def test_state_is_a_fold_of_the_events_and_survives_a_snapshot() -> None:
    live = opened()
    live.record_result("w-1", enterprise_id="ent-1", raw_score=70.0)
    live.record_result("w-2", enterprise_id="ent-1", raw_score=82.5)
    replayed = Contest("c-robots", tenant="weifang")
    for event in live.pending:
        replayed.apply(event)
    replayed.version = len(live.pending)
    restored = Contest.from_snapshot("c-robots", replayed.version, replayed.snapshot_state())
    for contest in (replayed, restored):
        assert contest.raw_scores == live.raw_scores
        assert contest.level is ContestLevel.CITY
        assert contest.tenant == "weifang"
    assert restored.version == 3
    restored.record_result("w-3", enterprise_id="ent-1", raw_score=90.0)
    assert scored(restored)[0].rank == 1
