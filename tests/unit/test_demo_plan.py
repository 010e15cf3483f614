"""The city plan is deterministic from its seed, sized like the source city, and internally sound."""

from __future__ import annotations

from demo.plan import ACHIEVEMENT_SHARES, plan_city


def test_the_same_seed_gives_the_same_city_and_another_seed_another() -> None:
    assert plan_city(seed=7) == plan_city(seed=7)
    assert plan_city(seed=7).workers != plan_city(seed=8).workers


def test_a_city_has_the_source_sizes() -> None:
    counts = plan_city().counts()
    assert (counts["enterprises"], counts["workers"]) == (300, 12_000)
    assert len([r for r in plan_city().regions if r.kind == "county"]) == 12
    assert all(counts[kind] == per_city for kind, per_city in ACHIEVEMENT_SHARES.items())
    assert counts["visits"] == 186


def test_every_reference_points_at_something_planned() -> None:
    plan = plan_city(seed=3)
    workers = {w.worker_id for w in plan.workers}
    enterprises = {e.enterprise_id for e in plan.enterprises}
    assert {w.enterprise_id for w in plan.workers} <= enterprises
    assert {e.worker_id for e in plan.enrolments} <= workers
    for contest in plan.contests:
        assert set(contest.entrants) <= workers and not set(contest.judges) & set(contest.entrants)
        assert round(sum(a.max_mark for a in contest.aspects), 6) == 100
    assert all(m.master_id != m.apprentice_id for m in plan.mentorships)
