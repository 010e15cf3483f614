"""Schools, courses, classes, certificates, mentoring and studios through the HTTP API on a real
database (SQLite and Postgres): each bad input of the issue is a 4xx naming its rule and
changes nothing; the read models follow the events through the inbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.auth import Principal, Role
from chassis.db import session_factory
from chassis.errors import DomainRuleViolated
from chassis.eventstore.schema import events
from chassis.inbox import InboxConsumer
from chassis.row_writes import in_rounds
from contracts.envelope import Envelope, StreamRef
from contracts.events.base import Event
from contracts.events.registry import SkillLevelCertified, TierExpired, TierPromoted, TitleConferred
from contracts.vocabulary import CertificateIssuerKind, SkillLevel, TierRank, TitleLevel
from services.training.commands import AwardCertificate
from services.training.handlers import award_certificate
from services.training.projections import LEARNING_RECORD_HANDLERS, WORKER_WRITERS
from services.training.read_models import attendances, failures, known_workers, learning_records, rosters
from services.training.rules import TrainingRules
from services.training.service import SPEC
from tests.service_support import (
    count_rows,
    http_client,
    inbox_consumer,
    migrated,
    record_of,
    stored_envelopes,
    unit_of_work,
)

pytestmark = pytest.mark.postgres

ENTERPRISE = "ent-1"
DAY = "2026-03-02"


@pytest.fixture
async def db(engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    yield await with_known_workers(engine)


async def with_known_workers(engine: AsyncEngine) -> AsyncEngine:
    """Training migrated, told of four workers of one enterprise (also for test_training_batches)."""
    db = await migrated(engine, SPEC)
    async with session_factory(db)() as session, session.begin():
        await session.execute(
            insert(known_workers),
            [
                {
                    "worker_id": "w-senior",
                    "enterprise_id": ENTERPRISE,
                    "skill_level": "senior",
                    "tier": "craftsman",
                },
                {
                    "worker_id": "w-senior2",
                    "enterprise_id": ENTERPRISE,
                    "skill_level": "senior",
                    "tier": "none",
                },
                {
                    "worker_id": "w-senior3",
                    "enterprise_id": ENTERPRISE,
                    "skill_level": "senior",
                    "tier": "none",
                },
                {
                    "worker_id": "w-inter",
                    "enterprise_id": ENTERPRISE,
                    "skill_level": "intermediate",
                    "tier": "seed",
                },
            ],
        )
    return db


@pytest.fixture
async def client(db: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(db, SPEC) as client:
        yield client


async def accepted(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> list[dict[str, str]]:
    answer = await client.post(path, json=body)
    assert answer.status_code == 201, answer.text
    events_: list[dict[str, str]] = answer.json()["events"]
    return events_


async def refused_by(
    db: AsyncEngine, client: httpx.AsyncClient, path: str, body: dict[str, Any], rule: str
) -> None:
    """The command is answered 422 naming `rule`, and no event is stored."""
    before = await count_rows(db, events)
    answer = await client.post(path, json=body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == "rule_violated"
    assert answer.json()["error"]["rule"] == rule
    assert rule in answer.json()["error"]["message"]
    assert await count_rows(db, events) == before


async def a_class(client: httpx.AsyncClient, capacity: int = 2) -> None:
    await accepted(
        client,
        "/schools",
        {
            "school_id": "academy",
            "name": "Weifang academy",
            "kind": "academy",
            "region_id": "370700",
            "majors": ["mechatronics"],
            "registered_on": DAY,
        },
    )
    await accepted(
        client,
        "/courses",
        {
            "course_id": "plc",
            "school_id": "academy",
            "title": "PLC",
            "major": "mechatronics",
            "hours": 48,
            "target_level": "technician",
            "capacity": capacity,
            "opened_on": DAY,
        },
    )
    await accepted(
        client, "/classes", {"class_id": "class-1", "course_id": "plc", "starts_on": DAY, "session_count": 3}
    )


def enrolment(worker: str, n: int = 0) -> dict[str, Any]:
    return {
        "enrolment_id": f"enr-{worker}-{n}",
        "class_id": "class-1",
        "worker_id": worker,
        "enrolled_on": DAY,
    }


async def test_each_bad_class_input_names_its_rule_and_changes_nothing(
    db: AsyncEngine, client: httpx.AsyncClient
) -> None:
    await a_class(client, capacity=2)
    await refused_by(db, client, "/enrolments", enrolment("w-inter"), "course_level")
    await accepted(client, "/enrolments", enrolment("w-senior"))
    await refused_by(db, client, "/enrolments", enrolment("w-senior", 1), "duplicate_enrolment")
    await accepted(client, "/enrolments", enrolment("w-senior2"))
    await refused_by(db, client, "/enrolments", enrolment("w-senior3"), "class_capacity")
    assessment = {
        "class_id": "class-1",
        "enrolment_id": "enr-w-senior-0",
        "result": "pass",
        "score": 88,
        "assessed_on": DAY,
    }
    await refused_by(db, client, "/assessments", assessment, "class_not_started")

    await accepted(
        client,
        "/attendances",
        {"class_id": "class-1", "enrolment_id": "enr-w-senior-0", "session_no": 1, "attended_on": DAY},
    )
    (completed,) = await accepted(client, "/assessments", assessment)
    assert completed["event_type"] == "TrainingCompleted"
    (failed,) = await accepted(
        client,
        "/assessments",
        {**assessment, "enrolment_id": "enr-w-senior2-0", "result": "fail", "score": 41},
    )
    assert failed["event_type"] == "TrainingFailed"


async def test_the_batch_endpoints_answer_per_item_in_one_transaction(
    db: AsyncEngine, client: httpx.AsyncClient
) -> None:
    await a_class(client, capacity=2)
    items = [
        enrolment("w-senior"),
        enrolment("w-inter"),
        enrolment("w-senior", 1),
        enrolment("w-senior2"),
        enrolment("w-senior3"),
        enrolment("w-nobody"),
    ]
    answer = await client.post("/enrolments/import", json={"items": items})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["accepted"], body["refused"]) == (2, 4)
    reasons = [item["reason"] or "" for item in body["items"]]
    assert reasons[0] == "" and reasons[3] == ""
    assert "course_level" in reasons[1]
    assert "duplicate_enrolment" in reasons[2]
    assert "class_capacity" in reasons[4]
    assert "not known" in reasons[5]

    await accepted(
        client,
        "/attendances",
        {"class_id": "class-1", "enrolment_id": "enr-w-senior-0", "session_no": 1, "attended_on": DAY},
    )
    assessments = [
        {
            "class_id": "class-1",
            "enrolment_id": "enr-w-senior-0",
            "result": "pass",
            "score": 90,
            "assessed_on": DAY,
        },
        {
            "class_id": "class-1",
            "enrolment_id": "enr-w-senior-0",
            "result": "pass",
            "score": 90,
            "assessed_on": DAY,
        },
        {"class_id": "class-2", "enrolment_id": "enr-x", "result": "pass", "score": 90, "assessed_on": DAY},
        {
            "class_id": "class-1",
            "enrolment_id": "enr-w-senior2-0",
            "result": "maybe",
            "score": 90,
            "assessed_on": DAY,
        },
    ]
    answer = await client.post("/assessments/import", json={"items": assessments})
    body = answer.json()
    assert (body["accepted"], body["refused"]) == (1, 3), body
    assert "already_assessed" in body["items"][1]["reason"]
    assert "never scheduled" in body["items"][2]["reason"]
    assert "invalid" in body["items"][3]["reason"]


async def test_an_enterprise_hr_out_of_scope_is_refused_and_nothing_changes(db: AsyncEngine) -> None:
    other_hr = Principal(Role.ENTERPRISE_HR, "haier-hr", enterprise_id="haier")
    async with http_client(db, SPEC) as city:
        await a_class(city)
    async with http_client(db, SPEC, other_hr) as client:
        before = await count_rows(db, events)
        assert (await client.post("/enrolments", json=enrolment("w-senior"))).status_code == 403
        assert (
            await client.post("/enrolments/import", json={"items": [enrolment("w-senior")]})
        ).status_code == 403
        assert await count_rows(db, events) == before


CERTIFICATE = {
    "certificate_id": "cert-1",
    "worker_id": "w-senior",
    "occupation": "fitter",
    "skill_level": "technician",
    "issuer_id": ENTERPRISE,
    "issuer_kind": "enterprise",
    "issued_on": "2026-05-01",
}


async def test_a_certificate_needs_a_qualified_issuer_and_the_years_at_the_previous_level(
    db: AsyncEngine, client: httpx.AsyncClient
) -> None:
    await refused_by(db, client, "/certificates", CERTIFICATE, "issuer_qualified")
    await accepted(
        client,
        "/issuers",
        {"issuer_id": ENTERPRISE, "issuer_kind": "enterprise", "qualified_on": "2025-01-01"},
    )
    four_years = TrainingRules(years_at_previous_level={"fitter": dict.fromkeys(SkillLevel, 4)})
    before = await count_rows(db, events)
    with pytest.raises(DomainRuleViolated) as refused:
        await award_certificate(unit_of_work(db, SPEC), AwardCertificate(**CERTIFICATE), None, four_years)
    assert refused.value.rule == "years_at_previous_level"
    assert await count_rows(db, events) == before
    async with session_factory(db)() as session, session.begin():
        await session.execute(
            known_workers.update()
            .where(known_workers.c.worker_id == "w-senior")
            .values(level_since=date(2022, 5, 1))
        )
    await award_certificate(unit_of_work(db, SPEC), AwardCertificate(**CERTIFICATE), None, four_years)
    revocation = {
        "certificate_id": "cert-1",
        "revoked_on": "2026-06-01",
        "reason": "forged papers",
        "revoked_by": "bureau",
    }
    await accepted(client, "/certificate-revocations", revocation)
    await refused_by(db, client, "/certificate-revocations", revocation, "certificate_revoked")


async def test_a_master_below_the_craftsman_tier_is_refused(
    db: AsyncEngine, client: httpx.AsyncClient
) -> None:
    proposal = {
        "mentorship_id": "m-1",
        "master_id": "w-inter",
        "apprentice_id": "w-senior2",
        "proposed_on": DAY,
    }
    await refused_by(db, client, "/mentorships", proposal, "master_tier")
    await accepted(client, "/mentorships", {**proposal, "master_id": "w-senior"})
    step = {"mentorship_id": "m-1", "on": DAY}
    await refused_by(db, client, "/mentorships/completions", step, "mentorship_lifecycle")
    await accepted(client, "/mentorships/start", step)
    await accepted(client, "/mentorships/advances", {**step, "honour": "city skills contest gold"})
    await accepted(client, "/mentorships/assessments", {**step, "passed": True})
    (done,) = await accepted(client, "/mentorships/completions", step)
    assert done["event_type"] == "MentorshipCompleted"


async def test_a_studio_is_named_after_a_city_level_craftsman(
    db: AsyncEngine, client: httpx.AsyncClient
) -> None:
    await accepted(
        client,
        "/studios",
        {
            "studio_id": "st-1",
            "worker_id": "w-senior",
            "region_id": "370700",
            "name": "Wang studio",
            "applied_on": DAY,
        },
    )
    await refused_by(db, client, "/studios/naming", {"studio_id": "st-1", "named_on": DAY}, "city_craftsman")
    async with session_factory(db)() as session, session.begin():
        await session.execute(
            known_workers.update().where(known_workers.c.worker_id == "w-senior").values(city_titles=1)
        )
    await accepted(client, "/studios/naming", {"studio_id": "st-1", "named_on": DAY})
    await accepted(
        client,
        "/studios/funding",
        {"studio_id": "st-1", "amount": "50000", "funded_by": "federation", "funded_on": DAY},
    )
    review = {
        "studio_id": "st-1",
        "year": 2026,
        "reconfirmed": False,
        "reviewed_by": "federation",
        "reviewed_on": DAY,
    }
    reviewed, revoked = await accepted(client, "/studios/reviews", review)
    assert (reviewed["event_type"], revoked["event_type"]) == ("StudioReviewed", "StudioRevoked")


def from_registry(event: Event, n: int) -> Envelope:
    return Envelope.wrap(
        event,
        producer="registry",
        stream=StreamRef(type="Worker", id="w-inter"),
        stream_version=n,
        tenant=ENTERPRISE,
    )


async def test_what_the_rules_need_of_a_worker_is_projected_from_the_registry(db: AsyncEngine) -> None:
    consumer = inbox_consumer(db, "training.workers", {}, in_rounds(WORKER_WRITERS))
    facts = [
        SkillLevelCertified(
            worker_id="w-inter",
            enterprise_id=ENTERPRISE,
            skill_level=SkillLevel.SENIOR,
            occupation="fitter",
            certificate_id="c-9",
            issuer_id="bureau",
            issuer_kind=CertificateIssuerKind.HR_BUREAU,
            certified_on=date(2024, 1, 1),
        ),
        TierPromoted(
            worker_id="w-inter",
            enterprise_id=ENTERPRISE,
            from_rank=TierRank.SEED,
            to_rank=TierRank.CRAFTSMAN,
            tier_label="工匠",
            effective_on=date(2025, 1, 1),
            reason="floor met",
        ),
        TitleConferred(
            title_id="t-1",
            nomination_id="n-1",
            worker_id="w-inter",
            enterprise_id=ENTERPRISE,
            level=TitleLevel.CITY,
            title_name="潍坊工匠",
            conferred_by="city",
            conferred_on=date(2025, 6, 1),
        ),
        TitleConferred(
            title_id="t-0",
            nomination_id="n-0",
            worker_id="w-inter",
            enterprise_id=ENTERPRISE,
            level=TitleLevel.COUNTY,
            title_name="县工匠",
            conferred_by="county",
            conferred_on=date(2024, 6, 1),
        ),
    ]
    records = [record_of(from_registry(fact, n + 1), offset=n) for n, fact in enumerate(facts)]
    await consumer.process(records)
    await consumer.process(records)  # redelivered: counted once
    async with db.connect() as connection:
        row = (
            await connection.execute(select(known_workers).where(known_workers.c.worker_id == "w-inter"))
        ).one()
    assert (row.skill_level, str(row.level_since), row.tier, row.city_titles) == (
        "senior",
        "2024-01-01",
        "craftsman",
        1,
    )
    expired = TierExpired(
        worker_id="w-inter",
        enterprise_id=ENTERPRISE,
        rank=TierRank.CRAFTSMAN,
        expired_on=date(2028, 1, 1),
        reason="term",
    )
    await consumer.process([record_of(from_registry(expired, 9), offset=9)])
    async with db.connect() as connection:
        assert (
            await connection.scalar(
                select(known_workers.c.tier).where(known_workers.c.worker_id == "w-inter")
            )
            == "none"
        )


def learning_records_consumer(db: AsyncEngine) -> InboxConsumer:
    """The learning-records consumer's handlers, as the service subscribes them."""
    return inbox_consumer(db, "training.learning-records", {}, LEARNING_RECORD_HANDLERS)


async def test_rosters_follow_the_class_events(db: AsyncEngine, client: httpx.AsyncClient) -> None:
    await a_class(client)
    await accepted(client, "/enrolments", enrolment("w-senior"))
    await accepted(
        client,
        "/attendances",
        {"class_id": "class-1", "enrolment_id": "enr-w-senior-0", "session_no": 1, "attended_on": DAY},
    )
    await accepted(
        client,
        "/assessments",
        {
            "class_id": "class-1",
            "enrolment_id": "enr-w-senior-0",
            "result": "pass",
            "score": 77.5,
            "assessed_on": DAY,
        },
    )
    consumer = learning_records_consumer(db)
    envelopes = [
        e
        for kind, id_ in (("School", "academy"), ("Course", "plc"), ("Class", "class-1"))
        for e in await stored_envelopes(db, kind, id_)
    ]
    records = [record_of(envelope, offset=n) for n, envelope in enumerate(envelopes)]
    await consumer.process(records)
    await consumer.process(records)
    async with db.connect() as connection:
        roster = (await connection.execute(select(rosters))).one()
    assert (roster.worker_id, roster.sessions_attended, roster.status, roster.score) == (
        "w-senior",
        1,
        "completed",
        77.5,
    )


async def test_a_batch_of_registers_keeps_each_enrolments_order(
    db: AsyncEngine, client: httpx.AsyncClient
) -> None:
    """Registers are applied a batch at a time (a statement per kind of row): an enrolment, its
    sessions and its assessment in one batch end as they would one by one (each attendance
    counted once, the outcome on the roster), and the batch redelivered, in one piece or in
    two, changes nothing."""
    await a_class(client)
    for worker in ("w-senior", "w-senior2"):
        await accepted(client, "/enrolments", enrolment(worker))
    for worker, sessions in (("w-senior", 3), ("w-senior2", 1)):
        for session_no in range(1, sessions + 1):
            body = {"enrolment_id": f"enr-{worker}-0", "session_no": session_no, "attended_on": DAY}
            await accepted(client, "/attendances", {"class_id": "class-1", **body})
    for worker, result, score in (("w-senior", "pass", 81.0), ("w-senior2", "fail", 40.0)):
        assessment = {"enrolment_id": f"enr-{worker}-0", "result": result, "score": score, "assessed_on": DAY}
        await accepted(client, "/assessments", {"class_id": "class-1", **assessment})
    envelopes = [
        e
        for kind, id_ in (("School", "academy"), ("Course", "plc"), ("Class", "class-1"))
        for e in await stored_envelopes(db, kind, id_)
    ]
    records = [record_of(envelope, offset=n) for n, envelope in enumerate(envelopes)]
    consumer = learning_records_consumer(db)
    await consumer.process(records)
    await consumer.process(records)
    await consumer.process(records[: len(records) // 2])
    await consumer.process(records[len(records) // 2 :])
    async with db.connect() as connection:
        roster = (
            await connection.execute(
                select(rosters.c.worker_id, rosters.c.sessions_attended, rosters.c.status, rosters.c.score)
            )
        ).all()
        attended = await connection.scalar(select(func.count()).select_from(attendances))
    assert sorted(roster) == [("w-senior", 3, "completed", 81.0), ("w-senior2", 1, "failed", 40.0)]
    assert attended == 4
    assert (await count_rows(db, learning_records), await count_rows(db, failures)) == (1, 1)


async def project_everything(db: AsyncEngine) -> None:
    """Every stored training event through the inbox, as the learning-records consumer takes it."""
    consumer = learning_records_consumer(db)
    async with db.connect() as connection:
        streams = (
            await connection.execute(select(events.c.stream_type, events.c.stream_id).distinct())
        ).all()
    envelopes = [e for row in streams for e in await stored_envelopes(db, row.stream_type, row.stream_id)]
    await consumer.process([record_of(envelope, offset=n) for n, envelope in enumerate(envelopes)])


async def test_the_exports_and_reports(db: AsyncEngine, client: httpx.AsyncClient) -> None:
    await a_class(client, capacity=4)
    for worker in ("w-senior", "w-senior2"):
        await accepted(client, "/enrolments", enrolment(worker))
    await accepted(
        client,
        "/attendances",
        {"class_id": "class-1", "enrolment_id": "enr-w-senior-0", "session_no": 1, "attended_on": DAY},
    )
    for worker, result, score in (("w-senior", "pass", 90), ("w-senior2", "fail", 30)):
        await accepted(
            client,
            "/assessments",
            {
                "class_id": "class-1",
                "enrolment_id": f"enr-{worker}-0",
                "result": result,
                "score": score,
                "assessed_on": DAY,
            },
        )
    # The configured default (DESIGN.md: 4 years at senior for technician) holds over HTTP.
    certificate = {**CERTIFICATE, "issuer_id": "bureau", "issuer_kind": "hr_bureau"}
    await refused_by(db, client, "/certificates", certificate, "years_at_previous_level")
    async with session_factory(db)() as session, session.begin():
        await session.execute(
            known_workers.update()
            .where(known_workers.c.worker_id == "w-senior")
            .values(level_since=date(2020, 1, 1))
        )
    await accepted(client, "/certificates", certificate)
    await accepted(
        client,
        "/certificate-revocations",
        {"certificate_id": "cert-1", "revoked_on": DAY, "reason": "forged", "revoked_by": "bureau"},
    )
    await accepted(
        client,
        "/mentorships",
        {"mentorship_id": "m-1", "master_id": "w-senior", "apprentice_id": "w-senior3", "proposed_on": DAY},
    )
    await accepted(client, "/mentorships/start", {"mentorship_id": "m-1", "on": DAY})
    await accepted(
        client, "/mentorships/advances", {"mentorship_id": "m-1", "on": DAY, "skill_level": "technician"}
    )
    for n, kind in enumerate(("invention_patent", "invention_patent", "operating_method")):
        await accepted(
            client,
            "/achievements",
            {
                "achievement_id": f"a-{n}",
                "worker_id": "w-senior",
                "region_id": "370700",
                "kind": kind,
                "title": "t",
                "year": 2026,
                "recorded_on": DAY,
                "economic_benefit": "1000.50",
            },
        )
    for n in range(2):
        await accepted(
            client,
            "/visits",
            {
                "visit_id": f"v-{n}",
                "worker_id": "w-senior",
                "team_ids": ["w-senior2"],
                "host_enterprise_id": ENTERPRISE,
                "services": ["training", "exchange"],
                "delivered_on": DAY,
                "workers_reached": 30,
                "problems_solved": 2,
            },
        )
    await project_everything(db)

    from tests.contract.test_training_interchange import (
        OPEN_BADGE_CREDENTIAL,
        XAPI_STATEMENT_RESULT,
        problems,
    )

    mine = (await client.get("/workers/w-senior/xapi")).json()
    assert problems(XAPI_STATEMENT_RESULT, mine) == []
    assert sorted(s["verb"]["display"]["en-US"] for s in mine["statements"]) == ["attended", "passed"]
    everything = await client.get("/xapi/statements")
    assert everything.status_code == 200
    assert problems(XAPI_STATEMENT_RESULT, everything.json()) == []
    assert len(everything.json()["statements"]) == 3  # passed, failed, attended

    credential = (await client.get("/certificates/cert-1/credential")).json()
    assert problems(OPEN_BADGE_CREDENTIAL, credential) == []
    status = (
        await client.get(credential["credentialStatus"]["id"].removeprefix("https://craftsman.example.org"))
    ).json()
    assert [revoked["id"] for revoked in status["revokedCredentials"]] == [credential["id"]]

    record = (await client.get("/workers/w-senior2/learning-record")).json()
    assert [(f["enrolment_id"], f["score"]) for f in record["failures"]] == [("enr-w-senior2-0", 30)]
    held = (await client.get("/workers/w-senior/learning-record")).json()["certificates"]
    assert [(c["certificate_id"], c["revoked_on"]) for c in held] == [("cert-1", DAY)]

    roster = (await client.get("/classes/class-1/roster")).json()
    assert [(e["worker_id"], e["status"], e["sessions_attended"]) for e in roster["entries"]] == [
        ("w-senior", "completed", 1),
        ("w-senior2", "failed", 0),
    ]
    assert (await client.get("/fill-rates")).json() == [
        {
            "school_id": "academy",
            "major": "mechatronics",
            "classes": 1,
            "places": 4,
            "enrolled": 2,
            "fill_rate": 0.5,
            "attendances": 1,
        }
    ]
    apprentices = (await client.get("/masters/w-senior/apprentices")).json()
    (pair,) = apprentices["apprentices"]
    assert (pair["apprentice_id"], pair["state"], pair["outcomes"][0]["skill_level"]) == (
        "w-senior3",
        "active",
        "technician",
    )
    counters = (await client.get("/innovation-counters", params={"year": 2026, "region_id": "370700"})).json()
    assert [(c["kind"], c["count"], str(c["economic_benefit"])) for c in counters] == [
        ("invention_patent", 2, "2001.00"),
        ("operating_method", 1, "1000.50"),
    ]
    assert (await client.get("/visit-statistics")).json() == {
        "visits": 2,
        "problems_solved": 4,
        "workers_reached": 60,
    }
