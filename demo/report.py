"""The year's report: what the services' read models say (over HTTP), beside what the plan
expects and the source city's picture (DESIGN.md section 1).

`observed` reads only the services; `expected` counts only the plan. The e2e test compares the
two number by number, so a rule that refused something the plan assumed shows as a difference.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Mapping
from typing import Any

from prometheus_client.parser import text_string_to_metric_families
from rich.table import Table

from contracts.vocabulary import ContestLevel, TitleLevel
from demo.marking import raw_total
from demo.phases import (
    GRANT_AMOUNT,
    PROGRAMME_ID,
    conferred,
    programme_budget,
    promoted_this_year,
    seed_tier_workers,
)
from demo.plan import ACHIEVEMENT_SHARES, YEAR, CityPlan
from demo.traffic import Traffic

TOP = 3  # the top results shown of each city contest
SOURCE = {  # the source city's picture in one year (DESIGN.md section 1)
    "pyramid enterprise": "10,000+",
    "pyramid county": "1,200",
    "pyramid city_and_above": "532",
    **{f"innovation {kind}": f"{count:,}" for kind, count in ACHIEVEMENT_SHARES.items()},
    "visits": "186",
    "problems_solved": "200+",
    "workers_reached": "15,000+",
}


def pyramid_bands(plan: CityPlan) -> dict[str, int]:
    """Every tier holder in the highest band held: the imported careers' titles and the year's
    conferrals; the enterprise band is the rest of the seed tier and above (a title holder holds
    a tier: the imported careers are craftsmen)."""
    held = {c.worker_id: c.levels() for c in plan.careers}
    for worker_id, level in conferred(plan):
        held.setdefault(worker_id, set()).add(level)
    city = sum(1 for levels in held.values() if levels - {TitleLevel.COUNTY})
    county = sum(1 for levels in held.values() if levels == {TitleLevel.COUNTY})
    return {"enterprise": seed_tier_workers(plan) - county - city, "county": county, "city_and_above": city}


def expected(plan: CityPlan) -> dict[str, float]:
    """The numbers the plan promises once the services' rules have decided (see phases.py)."""
    counts = plan.counts()
    workers = {w.worker_id: w for w in plan.workers}
    seeds = seed_tier_workers(plan)
    grants = min(promoted_this_year(plan), programme_budget(plan) // GRANT_AMOUNT)
    bands = pyramid_bands(plan)
    found: dict[str, float] = {
        "workers": counts["workers"],
        "enrolments": counts["enrolments"],
        "attendances": counts["attendances"],
        "completions_passed": counts["completions_passed"],
        "tier seed or above": seeds,
        **{f"pyramid {band}": count for band, count in bands.items()},
        **{f"innovation {kind}": counts.get(kind, 0) for kind in ACHIEVEMENT_SHARES},
        "visits": counts["visits"],
        "problems_solved": counts["problems_solved"],
        "workers_reached": counts["workers_reached"],
        "grants": grants,
        "granted_total": grants * GRANT_AMOUNT,
        "budget": programme_budget(plan),
        "contests": counts["contests"],
        "entries": counts["entries"],
    }
    for contest in plan.contests:
        if contest.level is ContestLevel.CITY:
            best = sorted((raw_total(contest, workers[w]) for w in contest.entrants), reverse=True)[:TOP]
            for place, score in enumerate(best, start=1):
                found[f"{contest.contest_id} #{place} raw"] = round(score, 2)
    return found


async def observed(traffic: Traffic, plan: CityPlan) -> dict[str, float]:
    """The same numbers from the services' read models; the plan only names what to ask for."""
    rosters = await asyncio.gather(
        *(traffic.get("registry", f"/enterprises/{e.enterprise_id}/roster") for e in plan.enterprises)
    )
    people = [worker for roster in rosters if roster for worker in roster["workers"]]
    pyramid = await traffic.get("registry", "/talent/pyramid")
    innovation = Counter[str]()
    for row in await traffic.get("training", "/innovation-counters", year=YEAR):
        innovation[row["kind"]] += int(row["count"])
    visits = await traffic.get("training", "/visit-statistics")
    classes = await traffic.get("training", "/fill-rates")
    programme = await traffic.get("rewards", f"/programmes/{PROGRAMME_ID}") or {}
    boards = await asyncio.gather(
        *(traffic.get("competitions", f"/contests/{c.contest_id}/leaderboard") for c in plan.contests)
    )
    found: dict[str, float] = {
        "workers": len(people),
        "enrolments": sum(int(row["enrolled"]) for row in classes),
        "attendances": sum(int(row["attendances"]) for row in classes),
        "completions_passed": sum(int(p["trainings"]) for p in people),
        "tier seed or above": sum(p["tier"] in ("seed", "craftsman", "chief") for p in people),
        **{f"pyramid {band}": count for band, count in pyramid["bands"].items()},
        **{f"innovation {kind}": innovation[kind] for kind in ACHIEVEMENT_SHARES},
        "visits": visits["visits"],
        "problems_solved": visits["problems_solved"],
        "workers_reached": visits["workers_reached"],
        "grants": int(programme.get("grants", 0)),
        "granted_total": float(programme.get("granted_total", 0)),
        "budget": float(programme.get("budget", 0)),
        "contests": sum(1 for board in boards if board and board["phase"] != "open"),
        "entries": sum(len(board["results"]) for board in boards if board),
    }
    for contest, board in zip(plan.contests, boards, strict=True):
        if contest.level is ContestLevel.CITY and board:
            best = sorted((float(r["raw_score"]) for r in board["results"]), reverse=True)[:TOP]
            for place, score in enumerate(best, start=1):
                found[f"{contest.contest_id} #{place} raw"] = round(score, 2)
    return found


def differences(
    plan_says: Mapping[str, float], services_say: Mapping[str, float]
) -> dict[str, tuple[Any, Any]]:
    return {
        key: (plan_says.get(key), services_say.get(key))
        for key in sorted(set(plan_says) | set(services_say))
        if plan_says.get(key) != services_say.get(key)
    }


def report_table(plan_says: Mapping[str, float], services_say: Mapping[str, float]) -> Table:
    table = Table("", "services' read models", "the plan", "the source city", title=f"The city's year {YEAR}")
    for key in plan_says:
        got, want = services_say.get(key), plan_says[key]
        mark = "" if got == want else " [red]≠[/]"
        table.add_row(key, f"{_number(got)}{mark}", _number(want), SOURCE.get(key, ""))
    return table


def refusals_table(traffic: Traffic) -> Table:
    table = Table("what", "refused by the services' rules", "times", title="What the services refused")
    for (what, rule), times in sorted(traffic.refused.items()):
        table.add_row(what, rule, str(times))
    return table


async def version_conflicts(traffic: Traffic) -> dict[str, int]:
    """Appends each service refused because another writer had appended to the same stream
    since it was read (each a command the service ran again, or answered 409), by
    `service/stream type`, from the services' /metrics."""
    found: dict[str, int] = {}
    for service, client in traffic.clients.items():
        answer = await client.get("/metrics")
        answer.raise_for_status()
        for family in text_string_to_metric_families(answer.text):
            for sample in family.samples:
                if sample.name == "craftsman_version_conflicts_total" and sample.value:
                    found[f"{service}/{sample.labels['stream_type']}"] = int(sample.value)
    return found


def conflicts_table(conflicts: Mapping[str, int], requests: int) -> Table:
    table = Table(
        "service/stream type",
        "appends met by another writer",
        title=f"Version conflicts (from /metrics; {requests:,} requests sent)",
    )
    for key, times in sorted(conflicts.items()):
        table.add_row(key, f"{times:,}")
    return table


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.2f}" if value != int(value) else f"{int(value):,}"
