"""The dashboard's read model and views, on SQLite and Postgres: a small city's facts through
the inbox consumer, then the JSON views as the city union and a county union read them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.auth import Principal, Role
from chassis.auth_tokens import CITY_UNION, bearer_headers
from contracts.envelope import Envelope, StreamRef
from contracts.events.competitions import CompetitionScored
from contracts.events.training import TrainingCompleted
from services.dashboard import read_models as m
from services.dashboard.service import SPEC
from tests.dashboard_city import City, build_city, dashboard_consumer
from tests.service_support import count_rows, http_service, migrated, record_of


def county_union(county: str) -> Principal:
    return Principal(Role.COUNTY_UNION, f"{county}-union", region_id=county)


@pytest.fixture
def city() -> City:
    return build_city(workers=90, enterprises=6, counties=3, contests=2)


@pytest.fixture
async def projected(engine: AsyncEngine, city: City) -> AsyncEngine:
    db = await migrated(engine, SPEC)
    records = [record_of(envelope, offset) for offset, envelope in enumerate(city.envelopes)]
    outcome = await dashboard_consumer(db).process(records)
    assert outcome.applied == len(records) and not outcome.dead_letters
    return db


@pytest.fixture
async def client(projected: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=http_service(projected, SPEC))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def pyramid(client: httpx.AsyncClient, principal: Principal, **params: str | int) -> dict[str, int]:
    answer = await client.get("/api/pyramid", params=params, headers=bearer_headers(principal))
    assert answer.status_code == 200, answer.text
    return {level["level"]: level["count"] for level in answer.json()["levels"] if level["count"]}


async def test_the_pyramid_counts_what_the_city_planned(client: httpx.AsyncClient, city: City) -> None:
    assert await pyramid(client, CITY_UNION) == city.pyramid()
    assert await pyramid(client, CITY_UNION, year=2025) == city.pyramid(2025)
    assert await pyramid(client, CITY_UNION, region="county-1") == city.pyramid(county="county-1")
    county = county_union("county-2")  # its own region by default, towns under it included
    assert await pyramid(client, county) == city.pyramid(county="county-2")
    assert await pyramid(client, county, year=2026) == city.pyramid(2026, "county-2")


async def test_a_county_union_sees_only_its_region(client: httpx.AsyncClient, city: City) -> None:
    county = bearer_headers(county_union("county-0"))
    assert (
        await client.get("/api/pyramid", params={"region": "county-1"}, headers=county)
    ).status_code == 403
    outside = next(e for e, c in city.enterprise_county.items() if c != "county-0")
    inside = next(e for e, c in city.enterprise_county.items() if c == "county-0")
    assert (await client.get(f"/api/enterprises/{outside}/roster", headers=county)).status_code == 404
    roster = await client.get(f"/api/enterprises/{inside}/roster", headers=county)
    assert roster.status_code == 200
    assert {w["worker_id"] for w in roster.json()["workers"]} == {
        w for w, e in city.worker_enterprise.items() if e == inside
    }
    listed = (await client.get("/api/enterprises", headers=county)).json()
    assert {e["enterprise_id"] for e in listed} == {
        e for e, c in city.enterprise_county.items() if c == "county-0"
    }


async def test_counts_contests_points_grants_and_a_timeline(client: httpx.AsyncClient, city: City) -> None:
    headers = bearer_headers(CITY_UNION)
    counts = (await client.get("/api/counts", headers=headers)).json()
    assert {row["key"]: row["workers"] for row in counts["by_county"]} == {c: 30 for c in city.counties}
    assert sum(row["enterprises"] for row in counts["by_industry"]) == 6
    contests = (await client.get("/api/contests", params={"year": 2026}, headers=headers)).json()
    assert [(c["contest_id"], c["entrants"]) for c in contests] == [("contest-0", 20), ("contest-1", 20)]
    board = (await client.get("/api/contests/contest-0/leaderboard", headers=headers)).json()["rows"]
    assert [row["rank"] for row in board] == list(range(1, 21))
    assert board[0]["medal"] == "gold"
    leaders = (await client.get("/api/points/leaders", params={"limit": 3}, headers=headers)).json()
    assert len(leaders) == 3 and leaders[0]["points"] >= leaders[1]["points"] >= leaders[2]["points"]
    names = {
        e["enterprise_id"]: e["name"] for e in (await client.get("/api/enterprises", headers=headers)).json()
    }
    for leader in leaders:  # shown by name, as the leaderboards and the roster show them
        enterprise = city.worker_enterprise[leader["worker_id"]]
        assert (leader["enterprise_id"], leader["enterprise_name"]) == (enterprise, names[enterprise])
    bars = (await client.get("/api/grants", headers=headers)).json()
    assert [(b["programme_id"], b["budget"], b["granted"], b["grants"]) for b in bars] == [
        ("seed-grants", 100000.0, 9000.0, 9)
    ]
    profile = (await client.get("/api/workers/w-00000/timeline", headers=headers)).json()
    assert profile["enterprise_name"] == names[city.worker_enterprise["w-00000"]]
    assert profile["timeline"][0]["event_type"] == "WorkerRegistered"
    assert [entry["occurred_on"] for entry in profile["timeline"]] == sorted(
        entry["occurred_on"] for entry in profile["timeline"]
    )


async def test_redelivered_facts_change_nothing(projected: AsyncEngine, city: City) -> None:
    before = {table.name: await count_rows(projected, table) for table in m.metadata.sorted_tables}
    records = [record_of(envelope, offset) for offset, envelope in enumerate(city.envelopes)]
    # Another inbox name: the projectors themselves must be idempotent, not only the inbox.
    outcome = await dashboard_consumer(projected, "dashboard.again").process(records)
    assert outcome.applied == len(records)
    after = {table.name: await count_rows(projected, table) for table in m.metadata.sorted_tables}
    assert after == before


async def test_a_bad_record_is_a_dead_letter_and_the_rest_applies(engine: AsyncEngine, city: City) -> None:
    db = await migrated(engine, SPEC)
    good = record_of(city.envelopes[0], 0)
    bad = replace(record_of(city.envelopes[1], 1), value=b'{"not": "an envelope"}')
    outcome = await dashboard_consumer(db).process([good, bad])
    assert outcome.applied == 1
    assert [letter.reason for letter in outcome.dead_letters] == ["malformed"]


async def test_a_batch_keeps_the_last_result_and_every_fact_on_the_timeline(
    engine: AsyncEngine, city: City
) -> None:
    db = await migrated(engine, SPEC)
    scored = [e for e in city.envelopes if e.event_type == "CompetitionScored"][:2]
    first, second = scored
    again = Envelope.wrap(  # the same entrant rescored: the later result stands
        CompetitionScored.model_validate({**first.payload, "rank": 7}),
        producer="competitions",
        stream=first.stream,
        stream_version=99,
        tenant=first.tenant,
    )
    course = Envelope.wrap(
        TrainingCompleted(
            enrolment_id="enr-1",
            worker_id=first.payload["worker_id"],
            course_id="c-1",
            course_title="Robotics",
            hours=8,
            completed_on=date(2026, 5, 1),
            provider="Academy",
        ),
        producer="training",
        stream=StreamRef(type="Enrolment", id="enr-1"),
        stream_version=1,
        tenant="ent-0",
    )
    records = [record_of(envelope, n) for n, envelope in enumerate([first, second, again, course])]
    outcome = await dashboard_consumer(db).process(records)
    assert outcome.applied == 4 and not outcome.dead_letters
    async with db.connect() as connection:
        ranks = dict((await connection.execute(select(m.results.c.worker_id, m.results.c.rank))).all())
        kinds = (await connection.execute(select(m.timeline.c.event_type))).scalars().all()
    assert ranks == {first.payload["worker_id"]: 7, second.payload["worker_id"]: second.payload["rank"]}
    assert sorted(kinds) == ["CompetitionScored"] * 3 + ["TrainingCompleted"]
