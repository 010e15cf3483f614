"""The Contest and ContestEntry aggregates: lifecycle, registration, per-aspect marks,
discrepancies, standardisation, awards. Hand-computed cases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from chassis.errors import DomainRuleViolated
from contracts.events.competitions import (
    CompetitionScored,
    ContestConcluded,
    ContestOpened,
    JudgementDiscrepancyFlagged,
    MarkRecorded,
    Prize,
    PromotionEntitlementGranted,
    PromotionKind,
    ResultsStandardised,
)
from contracts.vocabulary import ContestLevel, Medal, SkillLevel
from services.competitions.awards import AwardRules
from services.competitions.domain import (
    DEFAULT_CONTEST_RULES,
    Competitor,
    Contest,
    ContestEntry,
    ContestRules,
    Phase,
    check_new_contest,
    entry_id,
)
from services.competitions.scoring import ScoringScheme
from tests.competitions_support import DAY, JUDGES, TRADE, marking_contest, opened, small_scheme


def replayed(contest: Contest) -> Contest:
    copy = Contest(contest.id, tenant=contest.tenant)
    for event in contest.pending:
        copy.apply(event)
    copy.version = len(contest.pending)
    return copy


def full_marks(
    contest: Contest, entrant: str, m1: float, m2: float, judged: tuple[int, int, int]
) -> ContestEntry:
    entry = ContestEntry.of(contest, entrant)
    entry.record_mark(contest, "M1", "judge-a", m1)
    entry.record_mark(contest, "M2", "judge-b", m2)
    for judge, value in zip(JUDGES, judged, strict=True):
        entry.record_mark(contest, "J1", judge, value)
    return entry


def scored(contest: Contest) -> list[CompetitionScored]:
    return [event for event in contest.pending if isinstance(event, CompetitionScored)]


def test_open_records_contest_opened_in_the_region() -> None:
    contest = opened(theory_weight=0.1, team_entry=True)
    (event,) = contest.pending
    assert isinstance(event, ContestOpened)
    assert (event.contest_id, event.level, event.theory_weight, event.team_entry) == (
        "c-robots",
        ContestLevel.CITY,
        0.1,
        True,
    )
    assert contest.tenant == "weifang"
    assert contest.phase is Phase.DRAFT


def test_the_schedule_and_the_theory_weight_are_rules_of_the_domain() -> None:
    with pytest.raises(DomainRuleViolated, match=r"theory weight 0\.5"):
        opened(theory_weight=0.5)
    check_new_contest(date(2026, 6, 1), date(2026, 6, 2), 0.3, DEFAULT_CONTEST_RULES)
    with pytest.raises(DomainRuleViolated, match="cannot end"):
        check_new_contest(date(2026, 6, 2), date(2026, 6, 1), 0.0, DEFAULT_CONTEST_RULES)
    with pytest.raises(DomainRuleViolated, match=r"0..0.2"):
        check_new_contest(date(2026, 6, 1), date(2026, 6, 2), 0.3, ContestRules(max_theory_weight=0.2))


def test_each_lifecycle_step_has_its_place() -> None:
    contest = opened()
    with pytest.raises(DomainRuleViolated, match="registration is open: contest c-robots is draft"):
        contest.register("w-1", [Competitor("w-1", "ent-1", TRADE)], DAY)
    with pytest.raises(DomainRuleViolated, match="once the contest is in progress"):
        contest.start_marking(DAY)
    contest.open_registration(DAY)
    with pytest.raises(DomainRuleViolated, match="no entrants"):
        contest.start(DAY)
    contest.register("w-1", [Competitor("w-1", "ent-1", TRADE)], DAY)
    contest.start(DAY)
    with pytest.raises(DomainRuleViolated, match="scheme is locked before marking"):
        contest.start_marking(DAY)
    contest.lock_scheme(small_scheme())
    with pytest.raises(DomainRuleViolated, match="needs 1 judges assigned, has 0"):
        contest.start_marking(DAY)
    for judge in JUDGES:
        contest.assign_judge(judge, enterprise_id=None, aspect_ids=[])
    contest.start_marking(DAY)
    with pytest.raises(DomainRuleViolated, match="locked already"):
        contest.lock_scheme(small_scheme())
    with pytest.raises(DomainRuleViolated, match="withdraws before marking"):
        contest.withdraw("w-1")
    assert replayed(contest).phase is Phase.MARKING


def test_registration_rules_occupation_teams_and_duplicates() -> None:
    contest = opened()
    contest.open_registration(DAY)
    with pytest.raises(DomainRuleViolated, match="worker of another occupation: w-1 works in 'welding'"):
        contest.register("w-1", [Competitor("w-1", "ent-1", "welding")], DAY)
    with pytest.raises(DomainRuleViolated, match="single entrants, not teams"):
        contest.register("t-1", [Competitor("w-1", "ent-1", TRADE), Competitor("w-2", "ent-1", TRADE)], DAY)
    contest.register("w-1", [Competitor("w-1", "ent-1", TRADE)], DAY)
    with pytest.raises(DomainRuleViolated, match="registered in contest c-robots already"):
        contest.register("w-1", [Competitor("w-1", "ent-1", TRADE)], DAY)
    contest.withdraw("w-1", "ill")
    assert contest.entrants == {}
    teams = opened(team_entry=True)
    teams.open_registration(DAY)
    with pytest.raises(DomainRuleViolated, match="one enterprise"):
        teams.register("t-1", [Competitor("w-1", "ent-1", TRADE), Competitor("w-2", "ent-2", TRADE)], DAY)
    teams.register("t-1", [Competitor("w-1", "ent-1", TRADE), Competitor("w-2", "ent-1", TRADE)], DAY)
    with pytest.raises(DomainRuleViolated, match="w-2 is entered"):
        teams.register("w-2", [Competitor("w-2", "ent-1", TRADE)], DAY)


def test_only_an_enterprise_organises_enterprise_contests_for_its_own_workers() -> None:
    from contracts.events.competitions import OrganiserKind

    with pytest.raises(DomainRuleViolated, match="enterprise-level contests, and only those"):
        Contest.open(
            "c-e",
            title="t",
            trade=TRADE,
            level=ContestLevel.CITY,
            organiser_id="ent-1",
            organiser_kind=OrganiserKind.ENTERPRISE,
            region_id="weifang",
            starts_on=DAY,
            ends_on=DAY,
        )
    own = Contest.open(
        "c-e",
        title="t",
        trade=TRADE,
        level=ContestLevel.ENTERPRISE,
        organiser_id="ent-1",
        organiser_kind=OrganiserKind.ENTERPRISE,
        region_id="weifang",
        starts_on=DAY,
        ends_on=DAY,
    )
    own.open_registration(DAY)
    with pytest.raises(DomainRuleViolated, match="ent-1's own"):
        own.register("w-9", [Competitor("w-9", "ent-2", TRADE)], DAY)


def test_a_mark_names_the_rule_it_breaks() -> None:
    contest = marking_contest(judge_enterprises=("ent-1", None, None))
    entry = ContestEntry.of(contest, "w-2")
    with pytest.raises(DomainRuleViolated, match="unknown aspect X9"):
        entry.record_mark(contest, "X9", "judge-a", 1)
    with pytest.raises(DomainRuleViolated, match="judge not assigned: judge-z"):
        entry.record_mark(contest, "J1", "judge-z", 1)
    with pytest.raises(
        DomainRuleViolated,
        match=r"mark out of range: a judgement score on J1 is a whole number 0\.\.3, not 4",
    ):
        entry.record_mark(contest, "J1", "judge-a", 4)
    with pytest.raises(DomainRuleViolated, match="mark out of range"):
        entry.record_mark(contest, "J1", "judge-a", 1.5)
    with pytest.raises(DomainRuleViolated, match=r"met \(1\) or not \(0\), not 0\.5"):
        entry.record_mark(contest, "M1", "judge-a", 0.5)
    with pytest.raises(DomainRuleViolated, match="w-9 is not an entrant"):
        ContestEntry.of(contest, "w-9").record_mark(contest, "J1", "judge-a", 1)
    with pytest.raises(DomainRuleViolated, match="conflict of interest: judge judge-a works for ent-1"):
        ContestEntry.of(contest, "w-1").record_mark(contest, "J1", "judge-a", 1)
    assert entry.pending == []
    entry.record_mark(contest, "J1", "judge-a", 2)
    with pytest.raises(DomainRuleViolated, match="marked aspect J1 of w-2 already"):
        entry.record_mark(contest, "J1", "judge-a", 3)
    entry.record_mark(contest, "M1", "judge-b", 1)
    with pytest.raises(DomainRuleViolated, match="has its 1 mark"):
        entry.record_mark(contest, "M1", "judge-c", 1)
    contest.lock_marks(DAY, mark_count=2, open_discrepancies=0)
    with pytest.raises(
        DomainRuleViolated, match="marks are locked in contest c-robots: no mark after the lock"
    ):
        entry.record_mark(contest, "J1", "judge-b", 2)
    (mark, _) = entry.pending
    assert isinstance(mark, MarkRecorded)
    assert (mark.entrant_id, mark.aspect_id, mark.judge_id, mark.score) == ("w-2", "J1", "judge-a", 2)


def test_judges_more_than_one_apart_raise_a_flag_that_blocks_locking_until_resolved() -> None:
    contest = marking_contest()
    entry = ContestEntry.of(contest, "w-1")
    entry.record_mark(contest, "J1", "judge-a", 3)
    entry.record_mark(contest, "J1", "judge-b", 2)  # one apart: fine
    assert entry.flagged == set()
    entry.record_mark(contest, "J1", "judge-c", 1)  # 3 and 1: two apart
    flag = entry.pending[-1]
    assert isinstance(flag, JudgementDiscrepancyFlagged)
    assert flag.scores == {"judge-a": 3, "judge-b": 2, "judge-c": 1}
    with pytest.raises(DomainRuleViolated, match="open judgement discrepancy: 1 flagged"):
        contest.lock_marks(DAY, mark_count=3, open_discrepancies=len(entry.flagged))
    with pytest.raises(DomainRuleViolated, match="still more than 1 apart"):
        entry.resolve(contest, "J1", {"judge-a": 3, "judge-b": 2, "judge-c": 1}, "chief")
    with pytest.raises(DomainRuleViolated, match="the judges who marked"):
        entry.resolve(contest, "J1", {"judge-a": 2}, "chief")
    entry.resolve(contest, "J1", {"judge-a": 2, "judge-b": 2, "judge-c": 2}, "chief")
    assert entry.flagged == set()
    assert entry.scores["J1"] == {"judge-a": 2.0, "judge-b": 2.0, "judge-c": 2.0}
    contest.lock_marks(DAY, mark_count=entry.mark_count, open_discrepancies=0)
    with pytest.raises(DomainRuleViolated, match="open judgement discrepancy"):
        contest.standardise({"w-1": 20.0, "w-2": 0.0, "w-3": 0.0}, open_discrepancies=1)


def test_raw_total_of_measurements_tolerance_and_judgements_by_hand() -> None:
    contest = marking_contest()
    # M1 met: 40. M2 deviation 0.2: 30 x (0.3 - 0.2) / (0.3 - 0.1) = 15. J1 (3, 2, 2): 30 x 7/3 / 3 = 23.333333
    entry = full_marks(contest, "w-1", 1, 0.2, (3, 2, 2))
    assert entry.raw_total(contest) == pytest.approx(78.333333, abs=1e-6)
    assert full_marks(contest, "w-2", 0, 0.05, (0, 0, 0)).raw_total(contest) == 30.0  # within tolerance: full
    assert full_marks(contest, "w-3", 1, 0.3, (3, 3, 3)).raw_total(contest) == 70.0  # at zero_at: nothing


def test_theory_weighs_its_part() -> None:
    contest = marking_contest(theory_weight=0.3)
    # theory M2 (deviation 0.05: 30/30 = 100%), practice M1 0 + J1 (3,3,3) 30 of 70 = 42.857%
    entry = full_marks(contest, "w-1", 0, 0.05, (3, 3, 3))
    assert entry.raw_total(contest) == pytest.approx(0.3 * 100 + 0.7 * 100 * 30 / 70, abs=1e-6)


def finished(
    totals: dict[str, float], awards: AwardRules | None = None, level: ContestLevel = ContestLevel.CITY
) -> Contest:
    contest = marking_contest([(worker, f"ent-{worker}") for worker in totals], level=level)
    contest.lock_marks(DAY, mark_count=0, open_discrepancies=0)
    contest.standardise(totals, awards=awards or AwardRules())
    return contest


def test_standardisation_scores_the_field_once_marks_are_locked() -> None:
    # the field [70, 90, 50, 80, 60]: median 70, MAD 10 → WS = 700 + 30 (raw - 70) / 14.826
    contest = finished({"w-1": 70.0, "w-2": 90.0, "w-3": 50.0, "w-4": 80.0, "w-5": 60.0})
    summary = next(event for event in contest.pending if isinstance(event, ResultsStandardised))
    assert (summary.median_raw, summary.median_absolute_deviation, summary.entrant_count) == (70.0, 10.0, 5)
    assert [(e.worker_id, e.standardised_score, e.rank, e.medal) for e in scored(contest)] == [
        ("w-2", 740, 1, Medal.GOLD),
        ("w-4", 720, 2, Medal.SILVER),
        ("w-1", 700, 3, Medal.BRONZE),
        ("w-5", 680, 4, Medal.NONE),
        ("w-3", 660, 5, Medal.NONE),
    ]
    assert replayed(contest).phase is Phase.STANDARDISED


def test_mad_zero_gives_everyone_700_and_ties_share_gold() -> None:
    contest = finished({"w-1": 80.0, "w-2": 80.0, "w-3": 80.0, "w-4": 80.0})
    assert {(e.standardised_score, e.rank, e.medal) for e in scored(contest)} == {(700, 1, Medal.GOLD)}


def test_excellence_below_the_podium_and_a_tie_margin() -> None:
    totals = {"w-1": 90.0, "w-2": 89.9, "w-3": 80.0, "w-4": 75.0, "w-5": 74.0, "w-6": 60.0, "w-7": 50.0}
    strict = {e.worker_id: (e.rank, e.medal) for e in scored(finished(totals))}
    assert strict["w-2"] == (2, Medal.SILVER)
    assert strict["w-4"] == (4, Medal.EXCELLENCE)  # WS ≥ 700 without a medal
    assert strict["w-6"][1] is Medal.NONE
    contest = marking_contest([(w, f"ent-{w}") for w in totals])
    contest.lock_marks(DAY, mark_count=0, open_discrepancies=0)
    contest.standardise(totals, scheme=ScoringScheme(tie_margin=0.25))
    margin = {e.worker_id: (e.rank, e.medal) for e in scored(contest)}
    assert margin["w-1"] == margin["w-2"] == (1, Medal.GOLD)
    assert margin["w-3"] == (3, Medal.BRONZE)


def test_prize_classes_money_and_promotion_entitlements_at_ratification() -> None:
    totals = {f"w-{n}": float(100 - n) for n in range(1, 11)}  # ten entrants, no ties
    awards = AwardRules(prize_classes=True, prize_money={1: Decimal("5000"), 2: Decimal("3000")})
    contest = finished(totals, awards)
    results = {e.worker_id: e for e in scored(contest)}
    assert [results[f"w-{n}"].prize for n in range(1, 11)] == [Prize.FIRST] + [Prize.SECOND] * 2 + [
        Prize.THIRD
    ] * 3 + [Prize.NONE] * 4
    assert (results["w-1"].prize_money, results["w-2"].prize_money, results["w-3"].prize_money) == (
        Decimal("5000.00"),
        Decimal("3000.00"),
        None,
    )
    with pytest.raises(DomainRuleViolated, match="after its results were publicised"):
        contest.ratify(DAY)
    contest.publicise(DAY, date(2026, 6, 8))
    contest.ratify(date(2026, 6, 9), awards)
    concluded = next(e for e in contest.pending if isinstance(e, ContestConcluded))
    assert (concluded.entrant_count, concluded.scored_count) == (10, 10)
    granted = [e for e in contest.pending if isinstance(e, PromotionEntitlementGranted)]
    assert [(e.worker_id, e.kind, e.levels_up, e.cap) for e in granted] == [
        (f"w-{n}", PromotionKind.SKILL_LEVEL, 1, SkillLevel.TECHNICIAN) for n in (1, 2, 3)
    ]
    assert replayed(contest).phase is Phase.RATIFIED


def test_a_provincial_placement_is_one_grade_up_and_a_county_one_nothing() -> None:
    totals = {"w-1": 90.0, "w-2": 80.0}
    for level, expected in ((ContestLevel.PROVINCE, PromotionKind.GRADE), (ContestLevel.COUNTY, None)):
        contest = finished(totals, level=level)
        contest.publicise(DAY, DAY)
        contest.ratify(DAY)
        kinds = {e.kind for e in contest.pending if isinstance(e, PromotionEntitlementGranted)}
        assert kinds == (set() if expected is None else {expected})


def test_state_is_a_fold_of_the_events_and_survives_a_snapshot() -> None:
    contest = marking_contest(judge_enterprises=("ent-1", None, None))
    folded = replayed(contest)
    restored = Contest.from_snapshot(contest.id, folded.version, folded.snapshot_state())
    for copy in (folded, restored):
        assert (copy.phase, copy.level, copy.tenant) == (Phase.MARKING, ContestLevel.CITY, "weifang")
        assert copy.aspects == contest.aspects
        assert copy.entrants == contest.entrants
        with pytest.raises(DomainRuleViolated, match="conflict of interest"):
            ContestEntry.of(copy, "w-1").record_mark(copy, "J1", "judge-a", 1)
    entry = full_marks(contest, "w-2", 1, 0.2, (3, 1, 2))
    again = ContestEntry(entry.id)
    for event in entry.pending:
        again.apply(event)
    restored_entry = ContestEntry.from_snapshot(entry.id, 6, again.snapshot_state())
    for copy_entry in (again, restored_entry):
        assert (copy_entry.contest_id, copy_entry.entrant_id) == ("c-robots", "w-2")
        assert copy_entry.scores == entry.scores
        assert copy_entry.flagged == {"J1"}


def test_an_entry_id_fits_an_identifier() -> None:
    assert entry_id("c-1", "w-1") == "c-1:w-1"
    long = entry_id("c" * 100, "w" * 100)
    assert len(long) <= 128
    assert long != entry_id("c" * 100, "w" * 99 + "x")


def test_a_contest_stream_from_before_the_lifecycle_still_loads_as_ratified() -> None:
    from importlib.resources import files

    from contracts.catalog import parse_record

    golden = files("contracts") / "golden"
    contest = Contest("contest-2025-robot")
    for name in ("ContestOpened.v1", "MarkRecorded.v1", "CompetitionScored.v1", "ContestConcluded.v1"):
        _, event = parse_record((golden / f"{name}.json").read_bytes())  # upcast to today's shapes
        contest.apply(event)
    assert (contest.phase, contest.level, contest.team_entry) == (Phase.RATIFIED, ContestLevel.CITY, False)
    assert set(contest.placements) == {"w-000042"}
    with pytest.raises(DomainRuleViolated, match="ratified"):
        contest.open_registration(DAY)
