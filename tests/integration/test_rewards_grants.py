"""Programmes, grants and the points ledger through the HTTP API and the real consumers
(SQLite and Postgres): applications within the budget (BudgetExhausted once), the rules
that refuse bad input by name, allowances that start, pay yearly once and stop, the
adjustments batch and the expiry sweep."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.eventstore.schema import events
from contracts.envelope import Envelope, StreamRef
from contracts.events.base import Event
from contracts.events.registry import EnterpriseRegistered, TitleConferred, TitleRevoked, WorkerRegistered
from contracts.events.training import (
    AchievementKind,
    AchievementRecorded,
    AdvanceKind,
    ApprenticeAdvanced,
    MentorshipCompleted,
    StudioNamed,
    TrainingCompleted,
)
from contracts.topics import TRAINING_EVENTS
from contracts.vocabulary import SkillLevel, TitleLevel
from services.rewards.service import SPEC
from tests.integration.test_rewards_service import Rewards, rewards_on
from tests.service_support import http_client

pytestmark = pytest.mark.postgres


@pytest.fixture
async def rewards(engine: AsyncEngine) -> Rewards:
    return await rewards_on(engine)


def from_registry(event: Event, stream_id: str, version: int = 1) -> Envelope:
    return Envelope.wrap(
        event,
        producer="registry",
        stream=StreamRef(type="Worker", id=stream_id),
        stream_version=version,
        tenant="weichai",
    )


async def count(rewards: Rewards, event_type: str) -> int:
    async with rewards.sessions() as session:
        found = await session.scalar(select(func.count()).where(events.c.event_type == event_type))
    return int(found or 0)


def programme(programme_id: str, **terms: Any) -> dict[str, Any]:
    return {
        "programme_id": programme_id,
        "name": "劳模创新工作室资助",
        "sponsor_id": "weifang-federation",
        "budget": "60000",
        "grant_amount": "30000",
        "trigger": "application:studio",
        "opened_on": "2026-01-01",
        **terms,
    }


def application(n: int, enterprise: str = "weichai") -> dict[str, Any]:
    return {
        "programme_id": "studio",
        "application_id": f"a-{n}",
        "worker_id": f"w-{n}",
        "enterprise_id": enterprise,
        "reason": "innovation studio",
        "applied_on": "2026-03-01",
    }


def rule_of(answer: httpx.Response) -> tuple[int, str | None]:
    return answer.status_code, answer.json()["error"].get("rule")


async def test_applications_are_granted_within_the_budget_and_its_exhaustion_is_recorded_once(
    rewards: Rewards,
) -> None:
    async with http_client(rewards.engine, SPEC) as http:
        assert (
            await http.post("/programmes", json=programme("studio", eligible_enterprises=["weichai"]))
        ).status_code == 201
        await rewards.relay_own_events()
        for n in range(4):
            assert (await http.post("/applications", json=application(n))).status_code == 201
        ineligible = await http.post("/applications", json=application(9, enterprise="haier"))
        approvals = [
            await http.post("/approvals", json={"programme_id": "studio", "application_id": f"a-{n}"})
            for n in range(4)
        ]
        again = await http.post("/approvals", json={"programme_id": "studio", "application_id": "a-0"})
        await rewards.relay_own_events()
        budget = (await http.get("/programmes/studio/budget")).json()
        (first, *_) = (await http.get("/grants", params={"programme_id": "studio", "year": 2026})).json()[
            "grants"
        ] or [None]

    assert rule_of(ineligible) == (422, "eligibility")
    assert [a.status_code for a in approvals[:2]] == [201, 201]
    assert [rule_of(a) for a in approvals[2:]] == [(422, "budget"), (422, "budget")]
    assert "60000.00 left" not in approvals[2].json()["error"]["message"]
    assert rule_of(again) == (422, "once_per_cause")
    assert await count(rewards, "RewardGranted") == 2
    assert await count(rewards, "BudgetExhausted") == 1, "refused twice, recorded once"
    assert (
        budget["committed"] == "60000.00" and budget["left"] == "0.00" and budget["exhausted_at"] is not None
    )
    assert first is not None and first["amount"] == "30000.00"


async def test_bad_input_is_refused_naming_the_rule_and_changes_nothing(rewards: Rewards) -> None:
    adjustment = {
        "worker_id": "w-1",
        "enterprise_id": "weichai",
        "category": "patents",
        "delta": "2",
        "reason": "a patent granted",
        "approved_by": "hr-head",
    }
    async with http_client(rewards.engine, SPEC) as http:
        negative = await http.post("/programmes", json=programme("neg", grant_amount="-5"))
        past_budget = await http.post("/programmes", json=programme("big", grant_amount="70000"))
        unknown_category = await http.post("/adjustments", json=adjustment)
        no_reason = await http.post(
            "/adjustments", json={**adjustment, "category": "activities", "reason": " "}
        )
        no_approver = await http.post(
            "/adjustments", json={**adjustment, "category": "activities", "approved_by": ""}
        )
        declared = await http.post(
            "/categories",
            json={"enterprise_id": "weichai", "category": "patents", "name": "专利", "cap": "5"},
        )
        known_now = await http.post("/adjustments", json=adjustment)
        past_cap = await http.post("/adjustments", json={**adjustment, "delta": "4"})
        below_zero = await http.post("/adjustments", json={**adjustment, "delta": "-3"})

    assert negative.status_code == 422 and negative.json()["error"]["field"].endswith("grant_amount")
    assert rule_of(past_budget) == (422, "budget")
    assert rule_of(unknown_category) == (422, "known_category")
    assert no_reason.status_code == 422 and no_reason.json()["error"]["field"].endswith("reason")
    assert no_approver.status_code == 422 and no_approver.json()["error"]["field"].endswith("approved_by")
    assert declared.status_code == 201 and known_now.status_code == 201
    assert rule_of(past_cap) == (422, "category_cap")
    assert rule_of(below_zero) == (422, "adjustment_not_negative")
    assert await count(rewards, "PointsAdjusted") == 1 and await count(rewards, "ProgrammeOpened") == 0


async def test_an_allowance_starts_with_the_title_pays_each_year_once_and_stops_with_it(
    rewards: Rewards,
) -> None:
    conferred = from_registry(
        TitleConferred(
            title_id="t-1",
            nomination_id="n-1",
            worker_id="w-1",
            enterprise_id="weichai",
            level=TitleLevel.CITY,
            title_name="潍坊市首席技师",
            conferred_by="city-union",
            conferred_on=date(2026, 5, 1),
        ),
        "w-1",
    )
    revoked = from_registry(
        TitleRevoked(
            title_id="t-1",
            worker_id="w-1",
            level=TitleLevel.CITY,
            revoked_on=date(2027, 6, 1),
            reason="left the trade",
            revoked_by="city-union",
        ),
        "w-1",
        version=2,
    )
    async with http_client(rewards.engine, SPEC) as http:
        body = programme(
            "city-allowance", trigger="title:city", recurring=True, budget="100000", grant_amount="6000"
        )
        assert (await http.post("/programmes", json=body)).status_code == 201
        await rewards.relay_own_events()
        await rewards.deliver("tier-policy", rewards.record(conferred), rewards.record(conferred))
        runs = [
            await http.post(
                "/allowance-runs",
                json={"programme_id": "city-allowance", "year": year, "run_on": f"{year}-01-10"},
            )
            for year in (2026, 2027, 2027)
        ]
        await rewards.deliver("tier-policy", rewards.record(revoked))
        after = await http.post(
            "/allowance-runs", json={"programme_id": "city-allowance", "year": 2028, "run_on": "2028-01-10"}
        )
        await rewards.relay_own_events()
        budget = (await http.get("/programmes/city-allowance/budget")).json()

    assert [run.status_code for run in runs] == [201, 201, 201]
    assert [len(run.json()["events"]) for run in runs] == [0, 1, 0], "2026 paid at the start; 2027 once"
    assert after.json()["events"] == []
    assert await count(rewards, "AllowanceStarted") == 1 and await count(rewards, "AllowanceStopped") == 1
    assert budget["committed"] == "12000.00" and budget["allowances_running"] == 0


async def test_adjustments_in_bulk_answer_per_item_and_the_sweep_expires_once(rewards: Rewards) -> None:
    registered = [
        from_registry(
            EnterpriseRegistered(
                enterprise_id="weichai", name="潍柴", region_id="kuiwen", industry="engines", tier_labels={}
            ),
            "weichai",
        ),
        from_registry(
            WorkerRegistered(
                worker_id="w-1", enterprise_id="weichai", trade="fitter", skill_level=SkillLevel.SENIOR
            ),
            "w-1",
        ),
    ]
    item = {
        "worker_id": "w-1",
        "enterprise_id": "weichai",
        "category": "work_results",
        "reason": "a method adopted",
        "approved_by": "hr-head",
        "adjusted_on": "2022-01-10",
    }
    async with http_client(rewards.engine, SPEC) as http:
        await rewards.deliver("worker-tiers", *(rewards.record(e) for e in registered))
        elsewhere = await http.post("/adjustments", json={**item, "enterprise_id": "haier", "delta": "1"})
        answer = await http.post(
            "/adjustments/import",
            json={
                "items": [
                    {**item, "delta": "5"},
                    {**item, "delta": "-6"},  # 5 - 6 < 0: refused, the 5 stands
                    {**item, "category": "nope", "delta": "1"},
                    {**item, "delta": "x"},
                    {**item, "delta": "-5"},
                    {**item, "delta": "3"},
                ]
            },
        )
        old_course = Envelope.wrap(
            TrainingCompleted(
                enrolment_id="e-1",
                worker_id="w-1",
                course_id="c-1",
                course_title="数控加工",
                hours=Decimal(16),
                completed_on=date(2022, 3, 1),
                provider="潍坊工匠学院",
            ),
            producer="training",
            stream=StreamRef(type="Enrolment", id="e-1"),
            stream_version=2,
            tenant="weichai",
        )
        await rewards.deliver("points-policy", rewards.record(old_course, TRAINING_EVENTS))
        await rewards.relay_own_events()
        before = (await http.get("/workers/w-1/points")).json()
        early = await http.post("/points-expiries", json={"on": "2025-02-28"})
        sweeps = [await http.post("/points-expiries", json={"on": "2025-03-01"}) for _ in range(2)]
        await rewards.relay_own_events()
        statement = (await http.get("/workers/w-1/points")).json()
        board = (await http.get("/leaderboards/points", params={"region_id": "kuiwen"})).json()

    assert rule_of(elsewhere) == (422, "worker_enterprise")
    assert answer.status_code == 200
    body = answer.json()
    assert [item["status"] for item in body["items"]] == [
        "accepted",
        "refused",
        "refused",
        "refused",
        "accepted",
        "accepted",
    ]
    assert body["items"][1]["reason"].startswith("adjustment_not_negative")
    assert body["items"][2]["reason"].startswith("known_category")
    assert before["balance"] == "3.50"
    assert early.json()["events"] == [], "the window of a course done on 2022-03-01 is open until 2025-03-01"
    assert [len(sweep.json()["events"]) for sweep in sweeps] == [1, 0]
    assert await count(rewards, "PointsExpired") == 1
    by_category = {category["category"]: category for category in statement["categories"]}
    assert statement["balance"] == "3.00" and len(by_category["work_results"]["lines"]) == 3
    (course,) = by_category["activities"]["lines"]
    assert course["source_event_id"] == str(old_course.event_id) and course["expired_on"] == "2025-03-01"
    assert board["rows"] == [{"rank": 1, "worker_id": "w-1", "enterprise_id": "weichai", "points": "3.00"}]


async def test_training_new_facts_earn_points_and_a_named_studio_its_award(rewards: Rewards) -> None:
    def from_training(event: Event, stream_id: str) -> Envelope:
        return Envelope.wrap(
            event,
            producer="training",
            stream=StreamRef(type="Studio", id=stream_id),
            stream_version=1,
            tenant="weichai",
        )

    named = from_training(
        StudioNamed(
            studio_id="s-1",
            worker_id="w-1",
            enterprise_id="weichai",
            name="王磊工作室",
            named_on=date(2026, 4, 1),
        ),
        "s-1",
    )
    facts = [
        from_training(
            AchievementRecorded(
                achievement_id="ach-1",
                worker_id="w-1",
                enterprise_id="weichai",
                region_id="kuiwen",
                kind=AchievementKind.INVENTION_PATENT,
                title="刀具",
                year=2026,
                recorded_on=date(2026, 4, 2),
            ),
            "ach-1",
        ),
        from_training(
            MentorshipCompleted(
                mentorship_id="m-1",
                worker_id="w-1",
                apprentice_id="w-2",
                enterprise_id="weichai",
                started_on=date(2025, 4, 1),
                completed_on=date(2026, 4, 1),
            ),
            "m-1",
        ),
        from_training(
            ApprenticeAdvanced(
                mentorship_id="m-1",
                worker_id="w-1",
                apprentice_id="w-2",
                kind=AdvanceKind.SKILL_LEVEL,
                skill_level=SkillLevel.TECHNICIAN,
                advanced_on=date(2026, 5, 1),
            ),
            "m-1-adv",
        ),
    ]
    async with http_client(rewards.engine, SPEC) as http:
        body = programme(
            "studios", trigger="studio:named", budget="300000", grant_amount="30000", credit_support=True
        )
        assert (await http.post("/programmes", json=body)).status_code == 201
        await rewards.deliver("tier-policy", rewards.record(named, TRAINING_EVENTS))
        await rewards.deliver("points-policy", *(rewards.record(fact, TRAINING_EVENTS) for fact in facts))
        await rewards.deliver(
            "points-policy", *(rewards.record(fact, TRAINING_EVENTS) for fact in facts)
        )  # again
        await rewards.relay_own_events()
        statement = (await http.get("/workers/w-1/points")).json()
        shown = (await http.get("/programmes/studios")).json()

    rules = sorted(line["rule"] for category in statement["categories"] for line in category["lines"])
    assert rules == ["achievement", "mentoring.base", "mentoring.outcomes"]
    assert statement["balance"] == "9.00"  # 5 + 2 + 2
    assert shown["grants"] == 1 and shown["credit_support"] is True
