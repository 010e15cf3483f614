"""The career import's rules, without I/O: yesterday's facts as they were, refused only where
they contradict the worker's own stream or themselves."""

from __future__ import annotations

from datetime import date
from typing import Any

from contracts.events.registry import TierPromoted, TitleConferred
from contracts.vocabulary import SkillLevel, TierRank, TitleLevel
from services.registry.careers import IMPORTED, ImportCareer, career_refusal, record_career
from services.registry.domain import Enterprise, Worker

TODAY = date(2026, 1, 10)


def enterprise() -> Enterprise:
    return Enterprise.register(
        "qz",
        name="Qingzhou",
        region_id="qingzhou",
        industry="tobacco",
        tier_labels={TierRank.CRAFTSMAN: "青烟工匠"},
    )


def junior() -> Worker:
    """A junior with no points: today's ladder would never make him a craftsman."""
    worker = Worker.register(
        "w-1", enterprise=enterprise(), trade="fitter", skill_level=SkillLevel.JUNIOR, hired_on=None
    )
    worker.pending.clear()
    return worker


def career(**fields: Any) -> ImportCareer:
    return ImportCareer.model_validate({"worker_id": "w-1", **fields})


PYRAMID = {
    "tiers": [{"rank": "craftsman", "since": "2021-06-01"}, {"rank": "seed", "since": "2019-03-01"}],
    "titles": [
        {"title_id": "t-city", "level": "city", "year": 2024},
        {"title_id": "t-county", "level": "county", "year": 2022, "conferred_on": "2022-05-04"},
    ],
}


def test_a_whole_career_is_recorded_in_its_historical_order_without_todays_ladder_rules() -> None:
    worker, imported = junior(), career(**PYRAMID)
    assert career_refusal(worker, imported, TODAY) is None
    record_career(worker, enterprise(), imported)
    kinds = [
        (type(e).__name__, getattr(e, "to_rank", None) or getattr(e, "level", None)) for e in worker.pending
    ]
    assert kinds == [
        ("TierPromoted", "seed"),
        ("TierPromoted", "craftsman"),
        ("TitleConferred", "county"),
        ("TitleConferred", "city"),
    ]
    seed, craftsman, county, city = worker.pending
    assert isinstance(seed, TierPromoted) and isinstance(craftsman, TierPromoted)
    assert (seed.from_rank, seed.effective_on, seed.reason) == (TierRank.NONE, date(2019, 3, 1), IMPORTED)
    assert (craftsman.from_rank, craftsman.tier_label) == (TierRank.SEED, "青烟工匠")
    assert isinstance(county, TitleConferred) and isinstance(city, TitleConferred)
    assert county.imported and city.imported
    assert (county.conferred_on, city.conferred_on) == (date(2022, 5, 4), date(2024, 1, 1))
    assert city.title_name == "潍坊工匠" and city.nomination_id == "imported-t-city"
    # The stream now says it: a craftsman holding the county and city titles.
    assert worker.tier is TierRank.CRAFTSMAN and worker.tier_since == date(2021, 6, 1)
    assert worker.career.held_levels() == {TitleLevel.COUNTY, TitleLevel.CITY}


def test_what_contradicts_the_stream_or_itself_is_refused() -> None:
    worker = junior()
    record_career(worker, enterprise(), career(tiers=[{"rank": "seed", "since": "2020-01-01"}]))
    refusals = {
        "held": career(tiers=[{"rank": "seed", "since": "2021-01-01"}]),
        "earlier": career(tiers=[{"rank": "craftsman", "since": "2019-01-01"}]),
        "county without craftsman": career(titles=[{"title_id": "t", "level": "county", "year": 2023}]),
        "city without county": career(
            tiers=[{"rank": "craftsman", "since": "2021-01-01"}],
            titles=[{"title_id": "t", "level": "city", "year": 2023}],
        ),
        "future": career(tiers=[{"rank": "craftsman", "since": "2027-01-01"}]),
        "enterprise title": career(titles=[{"title_id": "t", "level": "enterprise", "year": 2023}]),
        "empty": career(),
        "valid before conferred": career(
            tiers=[{"rank": "craftsman", "since": "2021-01-01"}],
            titles=[{"title_id": "t", "level": "county", "year": 2023, "valid_until": "2022-01-01"}],
        ),
    }
    said = {name: career_refusal(worker, imported, TODAY) for name, imported in refusals.items()}
    assert said["held"] == "worker w-1 holds the seed tier already (since 2020-01-01); seed is not above it"
    assert said["earlier"] == "craftsman since 2019-01-01 is before the seed tier held since 2020-01-01"
    assert (
        said["county without craftsman"] is not None
        and "needs the enterprise tier craftsman" in said["county without craftsman"]
    )
    assert (
        said["city without county"] is not None
        and "needs the 县级工匠 (county) title" in said["city without county"]
    )
    assert said["future"] == "an imported record cannot be dated after today (2027-01-01)"
    assert all(said.values()), said


def test_the_level_below_may_come_from_the_stream_and_a_held_title_is_not_imported_twice() -> None:
    worker = junior()
    record_career(
        worker,
        enterprise(),
        career(
            tiers=[{"rank": "craftsman", "since": "2020-01-01"}],
            titles=[{"title_id": "t-county", "level": "county", "year": 2021}],
        ),
    )
    city = career(titles=[{"title_id": "t-city", "level": "city", "year": 2023}])
    assert career_refusal(worker, city, TODAY) is None  # the county title is on the stream
    again = career(titles=[{"title_id": "t-county-2", "level": "county", "year": 2023}])
    assert career_refusal(worker, again, TODAY) == (
        "title t-county-2 (county, 2023-01-01): the worker holds the 县级工匠 title already"
    )
    same_id = career(titles=[{"title_id": "t-county", "level": "city", "year": 2023}])
    assert career_refusal(worker, same_id, TODAY) == "title t-county exists already"
