"""Drives one worker's story through the four services over HTTP (demo and e2e tests).

Nothing here reads another service's database: it only sends commands and reads the
services' own read models, waiting where the system is eventually consistent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from demo.city import COURSE, DemoEnterprise, DemoWorker
from demo.contest import contest_of_trade, hold


class Narrator(Protocol):
    def sent(self, service: str, what: str, answer: httpx.Response) -> None: ...
    def waited(self, what: str, seconds: float) -> None: ...


class Silent:
    def sent(self, service: str, what: str, answer: httpx.Response) -> None:
        pass

    def waited(self, what: str, seconds: float) -> None:
        pass


class CommandRefused(Exception):
    def __init__(self, service: str, what: str, answer: httpx.Response) -> None:
        super().__init__(f"{service} refused {what}: {answer.status_code} {answer.text}")
        self.answer = answer


@dataclass
class City:
    """HTTP clients for the four services."""

    clients: Mapping[str, httpx.AsyncClient]
    narrator: Narrator
    run: str  # suffix that keeps this run's ids apart from earlier runs'
    contests: dict[str, tuple[Mapping[str, Any], list[DemoWorker]]] = field(default_factory=dict)

    def id(self, base: str) -> str:
        return f"{base}-{self.run}"

    async def command(self, service: str, path: str, body: dict[str, Any], what: str) -> dict[str, Any]:
        answer = await self.clients[service].post(path, json=body)
        self.narrator.sent(service, what, answer)
        if answer.status_code >= 400:
            raise CommandRefused(service, what, answer)
        result: dict[str, Any] = answer.json()
        return result

    async def read(self, service: str, path: str, **params: str) -> dict[str, Any] | None:
        answer = await self.clients[service].get(path, params=params)
        if answer.status_code == 404:
            return None
        answer.raise_for_status()
        result: dict[str, Any] = answer.json()
        return result

    async def wait_for(self, what: str, check: Callable[[], Awaitable[Any]], *, timeout: float = 60.0) -> Any:
        started = asyncio.get_running_loop().time()
        async with asyncio.timeout(timeout):
            while not (found := await check()):
                await asyncio.sleep(0.1)
        self.narrator.waited(what, asyncio.get_running_loop().time() - started)
        return found

    # --- the steps -------------------------------------------------------------

    async def open_programme(self, programme: Mapping[str, Any]) -> str:
        programme_id = self.id("seed-award")
        await self.command(
            "rewards",
            "/programmes",
            {"programme_id": programme_id, **programme},
            f"open programme {programme_id}",
        )
        return programme_id

    async def register_enterprise(self, enterprise: DemoEnterprise) -> None:
        body = {
            "enterprise_id": self.id(enterprise.enterprise_id),
            "name": enterprise.name,
            "region_id": enterprise.region_id,
            "industry": enterprise.industry,
            "tier_labels": enterprise.tier_labels,
        }
        await self.command("registry", "/enterprises", body, f"register enterprise {enterprise.name}")

    async def register_worker(self, worker: DemoWorker) -> None:
        body = {
            "worker_id": self.id(worker.worker_id),
            "enterprise_id": self.id(worker.enterprise_id),
            "full_name": worker.full_name,
            "trade": worker.trade,
            "skill_level": worker.skill_level,
        }
        await self.command("registry", "/workers", body, f"register worker {worker.full_name}")

    async def nominate(self, worker: DemoWorker) -> None:
        body = {
            "nomination_id": self.id(f"nom-{worker.worker_id}"),
            "nominated_by": "enterprise-leading-group",
            "reason": f"front-line {worker.trade}, put forward by the enterprise leading group",
        }
        path = f"/workers/{self.id(worker.worker_id)}/nominations"
        await self.command("registry", path, body, f"nominate {worker.full_name}")

    async def wait_known(
        self, worker: DemoWorker, services: tuple[str, ...] = ("training", "competitions")
    ) -> None:
        for service in services:
            await self.wait_for(
                f"{service} knows {worker.full_name}",
                lambda service=service: self.read(service, f"/workers/{self.id(worker.worker_id)}"),  # type: ignore[misc]
            )

    async def complete_training(self, worker: DemoWorker) -> None:
        body = {
            "enrolment_id": self.id(f"enr-{worker.worker_id}"),
            "worker_id": self.id(worker.worker_id),
            **COURSE,
        }
        await self.command("training", "/completions", body, f"record course completed by {worker.full_name}")

    async def qualify_issuer(self, enterprise_id: str) -> None:
        body = {
            "issuer_id": self.id(enterprise_id),
            "issuer_kind": "enterprise",
            "qualified_on": "2026-01-01",
        }
        await self.command(
            "training", "/issuers", body, f"qualify {enterprise_id} to self-evaluate skill levels"
        )

    async def certify(self, worker: DemoWorker, skill_level: str, issuer_id: str) -> None:
        body = {
            "certificate_id": self.id(f"cert-{worker.worker_id}-{skill_level}"),
            "worker_id": self.id(worker.worker_id),
            "occupation": worker.trade,
            "skill_level": skill_level,
            "issuer_id": self.id(issuer_id),
            "issuer_kind": "enterprise",
            "issued_on": "2026-10-01",
        }
        await self.command("training", "/certificates", body, f"certify {worker.full_name} {skill_level}")

    async def open_contest(self, contest: Mapping[str, Any]) -> str:
        """The contest is held when it concludes (demo/contest.py): one per trade of its entrants."""
        contest_id = self.id("robot-contest")
        self.contests[contest_id] = (contest, [])
        return contest_id

    async def record_mark(self, contest_id: str, worker: DemoWorker) -> None:
        self.contests[contest_id][1].append(worker)

    async def conclude_contest(self, contest_id: str) -> None:
        contest, workers = self.contests.pop(contest_id)

        async def send(path: str, body: dict[str, Any], what: str) -> dict[str, Any]:
            return await self.command("competitions", path, body, what)

        for trade in sorted({worker.trade for worker in workers}):
            entrants = [(self.id(w.worker_id), w) for w in workers if w.trade == trade]
            await hold(send, contest_of_trade(contest_id, trade), {**contest, "trade": trade}, entrants)

    async def profile(self, worker: DemoWorker) -> dict[str, Any] | None:
        return await self.read("registry", f"/workers/{self.id(worker.worker_id)}/profile")

    async def wait_profile(
        self, worker: DemoWorker, what: str, holds: Callable[[dict[str, Any]], bool], *, timeout: float = 60.0
    ) -> dict[str, Any]:
        async def check() -> dict[str, Any] | None:
            profile = await self.profile(worker)
            return profile if profile is not None and holds(profile) else None

        found: dict[str, Any] = await self.wait_for(f"{worker.full_name}: {what}", check, timeout=timeout)
        return found


def promoted(profile: Mapping[str, Any]) -> bool:
    return profile.get("tier") == "seed"


def rewarded(profile: Mapping[str, Any]) -> bool:
    return promoted(profile) and int(profile.get("grants", 0)) >= 1
