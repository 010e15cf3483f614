"""A craftsman's career through the four service processes on real Kafka and Postgres.

A junior is registered; training certifies him (CertificateAwarded → the registry's
SkillLevelCertified), rewards awards his points, competitions scores him, and the registry's
ladder policy promotes him to seed craftsman: his profile tells all of it in order.

A county nomination needs the enterprise tier of craftsman, which the default ladder grants
after 12 months as seed with 60 points: no live run reaches it. So a second worker's earlier
career (seed in 2023, craftsman in 2024) is imported over POST /careers/import, as the city
union brings in records from before the platform; the county then takes him through the whole
pipeline over HTTP to TitleConferred, and the profile, the public profile and the pyramid show it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from demo.city import CONTEST, ENTERPRISES, DemoEnterprise, DemoWorker
from demo.story import City, promoted
from deploy.infra import Infrastructure
from tests.e2e.conftest import RunningCity

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.slow]

JUNIOR = DemoWorker("zhou-tao", "weichai-power", "周涛 Zhou Tao", "robot operator", "junior", True, 95.0)
# Registered as a junior, so that the ladder does not promote him today: his senior
# certificate and his tiers are the imported record of earlier years.
VETERAN = DemoWorker("sun-hua", "kuiwen-tools", "孙华 Sun Hua", "toolmaker", "junior", True, 90.0)
WEICHAI = next(e for e in ENTERPRISES if e.enterprise_id == JUNIOR.enterprise_id)
TOOLS = DemoEnterprise("kuiwen-tools", "奎文工具厂 Kuiwen tool works", "kuiwen", "tools", {})


def told(profile: dict[str, Any]) -> list[tuple[str, str]]:
    return [(entry["producer"], entry["event_type"]) for entry in profile["story"]]


async def test_certified_scored_and_promoted_by_the_ladder_through_kafka(
    city: City, running_city: RunningCity, service_logs: None
) -> None:
    await city.register_enterprise(WEICHAI)
    await city.register_worker(JUNIOR)
    await city.wait_known(JUNIOR)
    await city.complete_training(JUNIOR)
    contest_id = await city.open_contest(CONTEST)
    await city.record_mark(contest_id, JUNIOR)
    await city.conclude_contest(contest_id)
    await city.qualify_issuer(JUNIOR.enterprise_id)  # training's rule: a self-evaluating issuer is qualified
    await city.certify(JUNIOR, "intermediate", issuer_id=JUNIOR.enterprise_id)

    def complete(profile: dict[str, Any]) -> bool:
        kinds = {kind for _, kind in told(profile)}
        return promoted(profile) and {"CompetitionScored", "TrainingCompleted", "PointsAwarded"} <= kinds

    profile = await city.wait_profile(JUNIOR, "promoted, scored, trained and awarded", complete, timeout=90)
    story = told(profile)
    assert {producer for producer, _ in story} == {"registry", "training", "competitions", "rewards"}
    assert story.index(("registry", "SkillLevelCertified")) < story.index(("registry", "TierPromoted"))
    assert profile["skill_level"] == "intermediate" and profile["tier"] == "seed"
    assert Decimal(profile["points"]) > 0  # the points rewards awarded, as the ladder counts them
    times = [entry["occurred_at"] for entry in profile["story"]]
    assert times == sorted(times)

    public = await city.read("registry", f"/public/craftsmen/{city.id(JUNIOR.worker_id)}")
    assert public is not None and public["display_name"] == JUNIOR.full_name
    assert (public["tier"], public["occupation"], public["titles"]) == ("seed", JUNIOR.trade, [])


async def import_earlier_career(city: City, worker_id: str) -> None:
    """Seed in 2023, craftsman in 2024, then his senior certificate of 2022: the city union
    imports the worker's record from before the platform (POST /careers/import: the facts as
    they were, without today's ladder rules) and records the certificate (POST /skill-certificates)."""
    career = {
        "worker_id": worker_id,
        "tiers": [{"rank": "seed", "since": "2023-03-01"}, {"rank": "craftsman", "since": "2024-06-01"}],
    }
    answer = await city.command(
        "registry", "/careers/import", {"items": [career]}, "import his earlier career"
    )
    assert answer["accepted"] == 1, answer
    certificate = {
        "worker_id": worker_id,
        "certificate_id": f"{worker_id}-senior",
        "skill_level": "senior",
        "occupation": "toolmaker",
        "issuer_id": "weifang-hr-bureau",
        "issuer_kind": "hr_bureau",
        "certified_on": "2022-12-01",
    }
    await city.command("registry", "/skill-certificates", certificate, "his senior certificate of 2022")


async def test_a_craftsman_is_taken_through_the_county_pipeline_to_a_title(
    city: City, running_city: RunningCity, infra: Infrastructure, service_logs: None
) -> None:
    await city.command(
        "registry", "/regions", {"region_id": "weifang", "name": "潍坊市", "kind": "city"}, "city"
    )
    district = {"region_id": "kuiwen", "name": "奎文区", "kind": "district", "parent_id": "weifang"}
    await city.command("registry", "/regions", district, "district")
    await city.register_enterprise(TOOLS)
    await city.register_worker(VETERAN)
    worker_id = city.id(VETERAN.worker_id)
    await city.wait_profile(VETERAN, "registered", lambda profile: True)
    await import_earlier_career(city, worker_id)
    await city.wait_profile(VETERAN, "a craftsman", lambda profile: profile["tier"] == "craftsman")

    nomination = {"worker_id": worker_id, "nomination_id": city.id("county-nom")}
    await city.command(
        "registry",
        f"/workers/{worker_id}/nominations",
        {
            "nomination_id": nomination["nomination_id"],
            "nominated_by": "kuiwen-tools",
            "reason": "toolmaker",
            "level": "county",
        },
        "nominate to the county",
    )
    steps: list[tuple[str, dict[str, Any]]] = [
        ("/nominations/screening", {"screened_by": "kuiwen-group"}),
        *(("/nominations/expert-scores", {"expert_id": f"expert-{n}", "score": 80 + n}) for n in range(3)),
        ("/nominations/expert-review", {"reviewed_by": "kuiwen-group"}),
        (
            "/nominations/site-inspection",
            {"inspected_by": "kuiwen-group", "inspected_on": "2026-05-20", "findings": "sound work"},
        ),
        ("/nominations/publicity", {"opens_on": "2026-06-01", "closes_on": "2026-06-08"}),
        (
            "/nominations/conferral",
            {
                "title_id": city.id("county-title"),
                "conferred_by": "kuiwen-group",
                "conferred_on": "2026-06-09",
            },
        ),
    ]
    for path, fields in steps:
        await city.command("registry", path, {**nomination, **fields}, path)

    profile = await city.wait_profile(
        VETERAN, "conferred", lambda profile: ("registry", "TitleConferred") in told(profile)
    )
    pipeline = [kind for _, kind in told(profile)]
    assert pipeline[pipeline.index("WorkerNominated") :] == [
        "WorkerNominated",
        "NominationScreened",
        "ExpertScoreRecorded",
        "ExpertScoreRecorded",
        "ExpertScoreRecorded",
        "NominationReviewed",
        "SiteInspected",
        "PublicityOpened",
        "TitleConferred",
    ]
    public = await city.read("registry", f"/public/craftsmen/{worker_id}")
    assert public is not None
    assert public["titles"] == [{"level": "county", "title_name": "县级工匠", "year": 2026}]
    pyramid = await city.read("registry", "/talent/pyramid", region_id="weifang", as_of="2026-12-31")
    assert pyramid is not None and pyramid["bands"]["county"] == 1
