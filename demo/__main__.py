"""`make demo`: a demo city played through the four services on the real Kafka.

Starts the services as separate processes (SQLite databases unless CRAFTSMAN_DB=postgres),
plays the story, prints what was sent, what each service published and the final
profiles, stops the services and exits 0 (non-zero when the story did not complete).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from chassis.auth_tokens import bearer_headers
from demo import without_level_history
from demo.city import CONTEST, ENTERPRISES, PROGRAMME, WORKERS
from demo.story import City, promoted
from demo.tap import event_tap
from deploy.kafka_access import provision_run
from deploy.local_services import REPO_ROOT, configured

console = Console(width=max(Console().width, 130))

# The story column in a few words: what each fact is, seen from the worker.
STORY_WORDS = {
    "WorkerRegistered": "registered",
    "WorkerNominated": "nominated",
    "TrainingCompleted": "trained",
    "CompetitionScored": "scored",
    "TierPromoted": "promoted",
    "SkillLevelCertified": "certified",
    "RewardGranted": "rewarded",
}


class Narrate:
    def sent(self, service: str, what: str, answer: httpx.Response) -> None:
        colour = "green" if answer.status_code < 400 else "red"
        console.print(f"  [bold]→ {service:<12}[/] {what} [{colour}]{answer.status_code}[/]")

    def waited(self, what: str, seconds: float) -> None:
        console.print(f"  [dim]… {what} (after {seconds:.2f}s)[/]")


def show_event(envelope: dict[str, Any]) -> None:
    payload = envelope["payload"]
    about = payload.get("worker_id") or envelope["stream"]["id"]
    console.print(f"    [cyan]⇢ {envelope['producer']:<12} published {envelope['event_type']:<22}[/] {about}")


async def play(run: str, bootstrap: str) -> bool:
    services = {
        service.name: service for service in configured(["registry", "training", "competitions", "rewards"])
    }
    clients = {
        name: httpx.AsyncClient(base_url=service.base_url, timeout=10, headers=bearer_headers())
        for name, service in services.items()
    }
    city = City(clients, Narrate(), run)
    try:
        async with event_tap(bootstrap, os.environ["CRAFTSMAN_TOPIC_PREFIX"], show_event) as seen:
            console.rule("1. The federation opens a reward programme; enterprises and workers register")
            programme_id = await city.open_programme(PROGRAMME)
            for enterprise in ENTERPRISES:
                await city.register_enterprise(enterprise)
            for worker in WORKERS:
                await city.register_worker(worker)
            console.rule("2. Enterprise leading groups nominate front-line workers")
            for worker in WORKERS:
                if worker.nominated:
                    await city.nominate(worker)
            console.rule("3. Training and competitions learn of the workers from registry's events")
            for worker in WORKERS:
                await city.wait_known(worker)
            console.rule(
                "4. The academy records completed courses; the city contest marks the entrants and publishes the results"
            )
            for worker in WORKERS:
                await city.complete_training(worker)
            for enterprise_id in sorted(
                {worker.enterprise_id for worker in WORKERS if worker.skill_level == "junior"}
            ):
                await city.qualify_issuer(enterprise_id)  # a certificate needs a qualified issuer
            for worker in WORKERS:
                if worker.skill_level == "junior":  # the academy's assessment lifts them to 中级工
                    await city.certify(worker, "intermediate", issuer_id=worker.enterprise_id)
            contest_id = await city.open_contest(CONTEST)
            for worker in WORKERS:
                await city.record_mark(contest_id, worker)
            await city.conclude_contest(contest_id)
            console.rule(
                "5. Registry promotes everyone over the seed floor (中级工 or above); rewards grants within budget"
            )
            for worker in WORKERS:
                await city.wait_profile(worker, "promoted to seed craftsman", promoted)
            programme = await city.wait_for(
                "the programme's budget is spent", lambda: _spent(city, programme_id), timeout=60
            )
            await asyncio.sleep(1.0)  # let the last RewardGranted reach the profiles
            profiles = [await city.profile(worker) for worker in WORKERS]
            console.rule("6. Worker profiles (registry's read model, fed by all four services)")
            console.print(profile_table(profiles))
            console.print(
                f"programme {programme_id}: budget {programme['budget']}, granted {programme['granted_total']} "
                f"in {programme['grants']} grants, remaining {programme['remaining']}"
            )
            console.print(f"{len(seen)} events flowed over Kafka during the story.")
            return sum(int(p["grants"]) for p in profiles if p) == int(programme["grants"])
    finally:
        for client in clients.values():
            await client.aclose()


async def _spent(city: City, programme_id: str) -> dict[str, Any] | None:
    programme = await city.read("rewards", f"/programmes/{programme_id}")
    if programme and float(programme["remaining"]) < float(PROGRAMME["grant_amount"]):
        return programme
    return None


def profile_table(profiles: list[dict[str, Any] | None]) -> Table:
    table = Table("worker", "tier", "courses", "best score", "grants", "rewards (CNY)", "story")
    for profile in profiles:
        if profile is None:
            continue
        table.add_row(
            profile["full_name"],
            profile["tier_label"] or profile["tier"],
            str(profile["trainings"]),
            f"{profile['best_raw_score']} / WS {profile['best_standardised_score']}",
            str(profile["grants"]),
            profile["rewards_total"],
            " → ".join(
                STORY_WORDS.get(entry["event_type"], entry["event_type"]) for entry in profile["story"]
            ),
        )
    return table


def main() -> int:
    run = time.strftime("%H%M%S")
    state = Path(os.environ.get("CRAFTSMAN_DEMO_STATE", REPO_ROOT / ".local" / "demo"))
    shutil.rmtree(state, ignore_errors=True)
    os.environ["CRAFTSMAN_STATE"] = str(state)
    # Topics and groups of this run's own: a replay of earlier runs' history (an earlier
    # demo's promotions) would otherwise spend this run's programme budget.
    os.environ["CRAFTSMAN_CONSUMER_GROUP_PREFIX"] = f"demo-{run}."
    os.environ["CRAFTSMAN_TOPIC_PREFIX"] = f"demo-{run}."
    os.environ.setdefault("CRAFTSMAN_LOG_LEVEL", "WARNING")
    without_level_history()
    bootstrap = os.environ.setdefault("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")
    provision_run(bootstrap, topic_prefix=f"demo-{run}.")  # the run's topics and ACLs
    services = configured(["registry", "training", "competitions", "rewards"])
    console.rule("[bold]Craftsman talent platform — a demo city")
    database = "PostgreSQL" if services[0].database_url else "SQLite (embedded default)"
    console.print(f"Kafka at {bootstrap}; each service has its own {database} database under {state}")
    try:
        for service in services:
            service.start()
        for service in services:
            service.wait_ready(timeout=90)
            console.print(f"  {service.name} ready on {service.base_url}")
        ok = asyncio.run(play(run, bootstrap))
    finally:
        for service in services:
            service.stop()
    console.rule("[bold green]demo complete" if ok else "[bold red]demo incomplete")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
