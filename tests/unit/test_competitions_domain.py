"""The Contest aggregate: open, record marks, conclude by scoring every entrant over the whole field."""

from __future__ import annotations

from datetime import date

import pytest

from chassis.errors import DomainRuleViolated
from contracts.events.competitions import CompetitionScored, ContestConcluded, ContestOpened, MarkRecorded
from contracts.vocabulary import ContestLevel, Medal
from services.competitions.domain import DEFAULT_CONTEST_RULES, Contest, ContestRules, Mark, check_new_contest


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


def test_the_schedule_and_the_theory_weight_are_rules_of_the_domain() -> None:
    with pytest.raises(DomainRuleViolated, match="cannot end"):
        opened(ends_on=date(2026, 5, 1))
    with pytest.raises(DomainRuleViolated, match=r"theory weight 0\.5"):
        opened(theory_weight=0.5)


def test_a_region_may_hold_its_contests_to_a_tighter_weight() -> None:
    check_new_contest(date(2026, 6, 1), date(2026, 6, 2), 0.3, DEFAULT_CONTEST_RULES)
    with pytest.raises(DomainRuleViolated, match=r"0..0.2"):
        check_new_contest(date(2026, 6, 1), date(2026, 6, 2), 0.3, ContestRules(max_theory_weight=0.2))


def marked(*marks: tuple[str, float]) -> Contest:
    contest = opened()
    for worker, raw in marks:
        contest.record_mark(worker, enterprise_id=f"ent-{worker}", raw_score=raw)
    return contest


def test_a_mark_is_recorded_and_nobody_is_scored_before_the_conclusion() -> None:
    contest = opened()
    contest.record_mark("w-1", enterprise_id="ent-1", raw_score=70.0, judged_by="panel-a")
    mark = contest.pending[-1]
    assert isinstance(mark, MarkRecorded)
    assert (mark.contest_id, mark.worker_id, mark.enterprise_id, mark.raw_score, mark.judged_by) == (
        "c-robots",
        "w-1",
        "ent-1",
        70.0,
        "panel-a",
    )
    assert mark.partition_key() == "w-1"
    contest.record_mark("w-2", enterprise_id="ent-2", raw_score=90.0)
    assert scored(contest) == []
    assert contest.marks == {"w-1": Mark("ent-1", 70.0), "w-2": Mark("ent-2", 90.0)}


def test_conclusion_scores_every_entrant_over_the_whole_field() -> None:
    # the full field [70, 90, 50, 80, 60]: median 70, MAD 10
    contest = marked(("w-1", 70.0), ("w-2", 90.0), ("w-3", 50.0), ("w-4", 80.0), ("w-5", 60.0))
    contest.conclude(date(2026, 6, 3))
    results = {event.worker_id: event for event in scored(contest)}
    assert {worker: (r.standardised_score, r.rank, r.medal) for worker, r in results.items()} == {
        "w-2": (740, 1, Medal.GOLD),
        "w-4": (720, 2, Medal.SILVER),
        "w-1": (700, 3, Medal.BRONZE),  # the first marked is no longer the winner by default
        "w-5": (680, 4, Medal.NONE),
        "w-3": (660, 5, Medal.NONE),
    }
    assert [event.worker_id for event in scored(contest)] == ["w-2", "w-4", "w-1", "w-5", "w-3"]
    assert results["w-3"].enterprise_id == "ent-w-3"
    assert isinstance(contest.pending[-1], ContestConcluded)


def test_a_higher_raw_score_never_gets_a_lower_standardised_score() -> None:
    # the demo run that froze early ranks: 66 scored after 71 once got the higher WS
    contest = marked(("w-a", 92.5), ("w-b", 88.0), ("w-c", 79.5), ("w-d", 84.0), ("w-e", 71.0), ("w-f", 66.0))
    contest.conclude(date(2026, 6, 3))
    by_raw = sorted(scored(contest), key=lambda event: event.raw_score)
    ws = [event.standardised_score for event in by_raw]
    assert ws == sorted(ws)
    assert [event.rank for event in by_raw] == [6, 5, 4, 3, 2, 1]


def test_tied_entrants_share_a_rank_and_a_medal() -> None:
    contest = marked(("w-1", 80.0), ("w-2", 90.0), ("w-3", 90.0), ("w-4", 70.0))
    contest.conclude(date(2026, 6, 3))
    assert {event.worker_id: (event.rank, event.medal) for event in scored(contest)} == {
        "w-2": (1, Medal.GOLD),
        "w-3": (1, Medal.GOLD),
        "w-1": (3, Medal.BRONZE),
        "w-4": (4, Medal.NONE),
    }


def test_a_worker_is_marked_once_per_contest() -> None:
    contest = opened()
    contest.record_mark("w-1", enterprise_id="ent-1", raw_score=70.0)
    with pytest.raises(DomainRuleViolated, match="w-1 was marked already in contest c-robots"):
        contest.record_mark("w-1", enterprise_id="ent-1", raw_score=95.0)
    assert len(contest.pending) == 2


def test_conclude_counts_the_entrants_and_closes_the_marks() -> None:
    contest = opened()
    contest.record_mark("w-1", enterprise_id="ent-1", raw_score=70.0)
    contest.record_mark("w-2", enterprise_id="ent-2", raw_score=75.0)
    contest.conclude(date(2026, 6, 3))
    concluded = contest.pending[-1]
    assert isinstance(concluded, ContestConcluded)
    assert (concluded.entrant_count, concluded.scored_count, concluded.level) == (2, 2, ContestLevel.CITY)
    assert len(scored(contest)) == 2
    with pytest.raises(DomainRuleViolated, match="concluded"):
        contest.record_mark("w-3", enterprise_id="ent-1", raw_score=80.0)
    with pytest.raises(DomainRuleViolated, match="concluded"):
        contest.conclude(date(2026, 6, 4))


def test_a_contest_without_marks_concludes_with_no_results() -> None:
    contest = opened()
    contest.conclude(date(2026, 6, 3))
    (_, concluded) = contest.pending
    assert isinstance(concluded, ContestConcluded)
    assert (concluded.entrant_count, concluded.scored_count) == (0, 0)


def test_state_is_a_fold_of_the_events_and_survives_a_snapshot() -> None:
    live = opened()
    live.record_mark("w-1", enterprise_id="ent-1", raw_score=70.0)
    live.record_mark("w-2", enterprise_id="ent-2", raw_score=82.5)
    replayed = Contest("c-robots", tenant="weifang")
    for event in live.pending:
        replayed.apply(event)
    replayed.version = len(live.pending)
    restored = Contest.from_snapshot("c-robots", replayed.version, replayed.snapshot_state())
    for contest in (replayed, restored):
        assert contest.marks == live.marks
        assert contest.level is ContestLevel.CITY
        assert contest.tenant == "weifang"
        assert not contest.concluded
    assert restored.version == 3
    with pytest.raises(DomainRuleViolated, match="marked already"):
        restored.record_mark("w-2", enterprise_id="ent-2", raw_score=99.0)
    restored.record_mark("w-3", enterprise_id="ent-1", raw_score=90.0)
    restored.conclude(date(2026, 6, 3))
    assert {event.worker_id: event.rank for event in scored(restored)} == {"w-3": 1, "w-2": 2, "w-1": 3}
    assert {event.worker_id: event.enterprise_id for event in scored(restored)}["w-2"] == "ent-2"


def test_a_concluded_contest_stays_concluded_after_replay_and_snapshot() -> None:
    live = marked(("w-1", 70.0), ("w-2", 80.0))
    live.conclude(date(2026, 6, 3))
    replayed = Contest("c-robots", tenant="weifang")
    for event in live.pending:
        replayed.apply(event)
    restored = Contest.from_snapshot("c-robots", len(live.pending), replayed.snapshot_state())
    for contest in (replayed, restored):
        assert contest.concluded
        assert contest.marks == {"w-1": Mark("ent-w-1", 70.0), "w-2": Mark("ent-w-2", 80.0)}
        with pytest.raises(DomainRuleViolated, match="concluded"):
            contest.record_mark("w-3", enterprise_id="ent-1", raw_score=90.0)
