"""Programmes and grants as pure rules: prize money by place, eligibility, applications,
yearly allowances, revocation and the budget's exhaustion, with no database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from chassis.errors import DomainRuleViolated
from contracts.events.rewards import (
    AllowanceStarted,
    AllowanceStopped,
    BudgetExhausted,
    GrantApplied,
    RewardGranted,
    RewardRevoked,
)
from services.rewards import handlers
from services.rewards.domain import BudgetExhausted as OverBudget
from services.rewards.domain import Granted, Programme
from services.rewards.terms import Cause, Ineligible, Terms, allowance_cause, amount_for

OPENED = date(2026, 1, 1)


def programme(trigger: str, budget: str = "100000", amount: str = "8000", **terms: Any) -> Programme:
    opened = Programme.open(
        "prog",
        name="Programme",
        sponsor_id="weifang",
        budget=Decimal(budget),
        grant_amount=Decimal(amount),
        trigger=trigger,
        opened_on=OPENED,
        **terms,
    )
    opened.pending.clear()
    return opened


def cause(
    trigger: str,
    worker: str = "w-1",
    enterprise: str = "weichai",
    on: date = date(2026, 5, 1),
    place: int | None = None,
) -> Cause:
    return Cause(trigger, worker, enterprise, on, place)


# --- terms: what a programme pays for ------------------------------------------------


def test_prize_money_follows_the_place_and_a_place_without_a_prize_pays_nothing() -> None:
    terms = Terms("contest:city", OPENED, Decimal(1), amounts_by_place={1: Decimal(20000), 2: Decimal(10000)})
    assert amount_for(terms, cause("contest:city", place=1)) == Decimal(20000)
    assert amount_for(terms, cause("contest:city", place=2)) == Decimal(10000)
    assert amount_for(terms, cause("contest:city", place=3)) is None
    assert amount_for(terms, cause("contest:county", place=1)) is None


@pytest.mark.parametrize(
    ("on", "pays"),
    [(date(2025, 12, 31), False), (OPENED, True), (date(2026, 12, 31), True), (date(2027, 1, 1), False)],
)
def test_a_programme_pays_only_for_facts_of_its_period(on: date, pays: bool) -> None:
    terms = Terms("tier:seed", OPENED, Decimal(8000), closes_on=date(2026, 12, 31))
    assert (amount_for(terms, cause("tier:seed", on=on)) is not None) is pays


def test_an_application_programme_pays_nothing_automatically() -> None:
    assert amount_for(Terms("application:studio", OPENED, Decimal(1)), cause("application:studio")) is None


def test_the_allowance_cause_is_one_per_programme_worker_and_year() -> None:
    assert allowance_cause("p", "w", 2026) == allowance_cause("p", "w", 2026)
    assert (
        len(
            {
                allowance_cause("p", "w", 2026),
                allowance_cause("p", "w", 2027),
                allowance_cause("q", "w", 2026),
            }
        )
        == 3
    )


# --- the automatic path -------------------------------------------------------------


def test_a_placement_earns_its_prize_once() -> None:
    prizes = programme("contest:city", amounts_by_place={1: Decimal(20000)})
    event_id = uuid4()
    assert prizes.reward(cause("contest:city", place=1), caused_by=event_id, reason="1st") is Granted.GRANTED
    assert (
        prizes.reward(cause("contest:city", place=1), caused_by=event_id, reason="1st")
        is Granted.ALREADY_GRANTED
    )
    (granted,) = prizes.pending
    assert isinstance(granted, RewardGranted) and granted.amount == Decimal(20000)


def test_an_ineligible_worker_is_refused_naming_the_rule_and_the_policy_pays_nothing() -> None:
    only_weichai = programme("application:studio", eligible_enterprises=["weichai"])
    with pytest.raises(Ineligible) as refused:
        only_weichai.apply_for(
            application_id="a-1", worker_id="w-9", enterprise_id="haier", reason="r", on=OPENED
        )
    assert refused.value.rule == "eligibility" and "haier" in str(refused.value)
    tier = programme("tier:seed", eligible_enterprises=["weichai"])
    assert (
        tier.reward(cause("tier:seed", enterprise="haier"), caused_by=uuid4(), reason="r")
        is Granted.NOT_REWARDED
    )
    assert not tier.pending


def test_budget_exhaustion_is_refused_and_recorded_once() -> None:
    small = programme("tier:seed", budget="16000")
    outcomes = [
        small.reward(cause("tier:seed", worker=f"w-{n}"), caused_by=uuid4(), reason="r") for n in range(4)
    ]
    assert outcomes == [Granted.GRANTED, Granted.GRANTED, Granted.BUDGET_EXHAUSTED, Granted.BUDGET_EXHAUSTED]
    kinds = [type(event) for event in small.pending]
    assert kinds == [RewardGranted, RewardGranted, BudgetExhausted]
    assert small.granted_total == Decimal(16000)


class Warnings:
    """Stands in for a module's logger: keeps what it warned (structlog's own capture misses a
    logger cached before it, as a whole test run's logging set-up leaves it)."""

    def __init__(self) -> None:
        self.said: list[tuple[str, dict[str, Any]]] = []

    def warning(self, event: str, **fields: Any) -> None:
        self.said.append((event, fields))


def test_the_budget_running_out_is_one_warning_not_one_per_refusal(monkeypatch: pytest.MonkeyPatch) -> None:
    warned = Warnings()
    monkeypatch.setattr(handlers, "log", warned)
    small = programme("tier:seed", budget="16000")
    outcomes = [
        handlers.decide_reward(small, cause("tier:seed", worker=f"w-{n}"), caused_by=uuid4(), reason="r")
        for n in range(5)
    ]
    assert outcomes.count(Granted.BUDGET_EXHAUSTED) == 3
    assert [
        (event, fields["programme_id"], fields["refused_worker_id"]) for event, fields in warned.said
    ] == [("rewards.budget_exhausted", "prog", "w-2")]


def test_a_grant_past_the_budget_raises_the_budget_rule_without_recording() -> None:
    small = programme("application:x", budget="8000")
    small.grant(worker_id="w-1", enterprise_id="e", reason="r", caused_by=uuid4())
    with pytest.raises(OverBudget) as refused:
        small.grant(worker_id="w-2", enterprise_id="e", reason="r", caused_by=uuid4())
    assert refused.value.rule == "budget" and len(small.pending) == 1
    small.note_exhausted(refused.value.amount, refused.value.cause)
    small.note_exhausted(refused.value.amount, refused.value.cause)
    assert [type(event) for event in small.pending] == [RewardGranted, BudgetExhausted]


# --- applications, revocation -------------------------------------------------------


def test_an_application_is_granted_on_approval_once() -> None:
    studio = programme("application:studio", amount="30000")
    studio.apply_for(
        application_id="a-1", worker_id="w-1", enterprise_id="weichai", reason="工作室", on=OPENED
    )
    studio.approve("a-1")
    with pytest.raises(DomainRuleViolated) as twice:
        studio.approve("a-1")
    assert twice.value.rule == "once_per_cause"
    with pytest.raises(DomainRuleViolated) as unknown:
        studio.approve("a-2")
    assert unknown.value.rule == "approval_needs_application"
    assert [type(event) for event in studio.pending] == [GrantApplied, RewardGranted]


def test_an_automatic_programme_takes_no_applications() -> None:
    with pytest.raises(DomainRuleViolated) as refused:
        programme("tier:seed").apply_for(
            application_id="a", worker_id="w", enterprise_id="e", reason="r", on=OPENED
        )
    assert refused.value.rule == "by_application"


def test_a_revocation_names_its_reason_frees_the_budget_and_cannot_repeat() -> None:
    small = programme("tier:seed", budget="8000")
    first = uuid4()
    small.reward(cause("tier:seed"), caused_by=first, reason="r")
    assert (
        small.reward(cause("tier:seed", worker="w-2"), caused_by=uuid4(), reason="r")
        is Granted.BUDGET_EXHAUSTED
    )
    (grant_id,) = small.grants
    with pytest.raises(DomainRuleViolated) as unknown:
        small.revoke("nope", reason="x", revoked_by="auditor")
    assert unknown.value.rule == "revocation"
    small.revoke(grant_id, reason="granted in error", revoked_by="auditor")
    with pytest.raises(DomainRuleViolated):
        small.revoke(grant_id, reason="again", revoked_by="auditor")
    revoked = small.pending[-1]
    assert isinstance(revoked, RewardRevoked) and revoked.reason == "granted in error"
    assert small.remaining == Decimal(8000) and not small.exhausted
    assert small.reward(cause("tier:seed", worker="w-3"), caused_by=uuid4(), reason="r") is Granted.GRANTED


# --- allowances ---------------------------------------------------------------------


def test_an_allowance_starts_pays_yearly_once_and_stops_when_the_title_goes() -> None:
    allowance = programme("title:city", amount="6000", recurring=True)
    conferred = uuid4()
    started = allowance.reward(cause("title:city", on=date(2026, 5, 1)), caused_by=conferred, reason="r")
    assert started is Granted.ALLOWANCE_STARTED
    assert allowance.run_allowances(2026, date(2026, 12, 1)) == {"w-1": Granted.ALREADY_GRANTED}
    assert allowance.run_allowances(2027, date(2027, 1, 5)) == {"w-1": Granted.GRANTED}
    assert allowance.run_allowances(2027, date(2027, 2, 5)) == {"w-1": Granted.ALREADY_GRANTED}
    assert not allowance.stop_allowance(
        "w-1", held="tier:seed", on=date(2027, 3, 1), reason="x", caused_by=None
    )
    assert allowance.stop_allowance(
        "w-1", held="title:city", on=date(2027, 3, 1), reason="revoked", caused_by=None
    )
    assert allowance.run_allowances(2028, date(2028, 1, 5)) == {}
    kinds = [type(event) for event in allowance.pending]
    assert kinds == [AllowanceStarted, RewardGranted, RewardGranted, AllowanceStopped]
    assert allowance.granted_total == Decimal(12000)


def test_allowances_stop_when_the_programme_closes() -> None:
    allowance = programme("tier:chief", amount="1000", recurring=True, closes_on=date(2026, 12, 31))
    allowance.reward(cause("tier:chief"), caused_by=uuid4(), reason="r")
    assert allowance.run_allowances(2027, date(2027, 1, 2)) == {"w-1": Granted.NOT_REWARDED}
    assert isinstance(allowance.pending[-1], AllowanceStopped) and not allowance.allowances


@pytest.mark.parametrize(
    ("trigger", "terms", "rule"),
    [
        ("contest:city", {"amounts_by_place": {1: Decimal(999999)}}, "budget"),
        ("tier:seed", {"amounts_by_place": {1: Decimal(1)}}, "prize"),
        ("contest:city", {"recurring": True}, "allowance"),
        ("tier:seed", {"closes_on": date(2025, 1, 1)}, "period"),
    ],
)
def test_terms_that_cannot_work_are_refused_when_opening(
    trigger: str, terms: dict[str, Any], rule: str
) -> None:
    with pytest.raises(DomainRuleViolated) as refused:
        programme(trigger, **terms)
    assert refused.value.rule == rule


def test_snapshot_round_trip_keeps_terms_grants_allowances_and_applications() -> None:
    full = programme(
        "title:city", recurring=True, eligible_enterprises=["weichai"], closes_on=date(2030, 1, 1)
    )
    full.reward(cause("title:city"), caused_by=uuid4(), reason="r")
    full.note_exhausted(Decimal(1), uuid4())
    full.version = 3
    restored = Programme.from_snapshot("prog", 3, full.snapshot_state())
    assert vars(restored) == {**vars(full), "pending": []}
