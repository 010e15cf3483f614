"""Command handlers: plain functions over a unit of work.

Every step of a contest loads the contest, lets the caller's scope check see whose contest it
is (`allowed`, the HTTP guard: the aggregate is the truth, a read model may lag behind it),
decides, and commits. Marks go to the entrant's own ContestEntry stream.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from typing import Protocol, TypeVar
from uuid import UUID

from chassis.auth import Tenant
from chassis.errors import DomainRuleViolated
from chassis.unit_of_work import UnitOfWork
from contracts.envelope import Envelope
from contracts.events.competitions import OrganiserKind
from services.competitions.awards import DEFAULT_AWARD_RULES, AwardRules
from services.competitions.commands import (
    AssignJudge,
    LockMarks,
    LockScheme,
    OpenContest,
    OpenRegistration,
    Publicise,
    Ratify,
    RecordMark,
    RegisterEntrant,
    ResolveDiscrepancy,
    Standardise,
    StartContest,
    StartMarking,
    WithdrawEntrant,
)
from services.competitions.domain import Competitor, Contest, ContestEntry, entry_id
from services.competitions.queries import KnownWorker, find_known_workers, unknown_worker
from services.competitions.scoring import WORLDSKILLS

Allowed = Callable[[Tenant], None]
C = TypeVar("C")
Handler = Callable[[UnitOfWork, C, UUID | None], Awaitable[list[Envelope]]]


def allow_all(_: Tenant) -> None:
    """The scope check of internal callers (tests, bench): everything is in scope."""


def contest_scope(contest: Contest) -> Tenant:
    """Whose contest: its region's; an enterprise-level contest also its organising enterprise's."""
    enterprise = contest.organiser_id if contest.organiser_kind is OrganiserKind.ENTERPRISE else None
    return Tenant(region_id=contest.tenant, enterprise_id=enterprise)


def opening_scope(command: OpenContest) -> Tenant:
    enterprise = command.organiser_id if command.organiser_kind is OrganiserKind.ENTERPRISE else None
    return Tenant(region_id=command.region_id, enterprise_id=enterprise)


async def load_contest(uow: UnitOfWork, contest_id: str, allowed: Allowed) -> Contest:
    contest = await uow.require(Contest, contest_id, f"contest {contest_id} does not exist")
    allowed(contest_scope(contest))
    return contest


async def open_contest(
    uow: UnitOfWork, command: OpenContest, command_id: UUID | None = None
) -> list[Envelope]:
    async with uow:
        await uow.ensure_new(Contest, command.contest_id, f"contest {command.contest_id} exists already")
        uow.track(
            Contest.open(
                command.contest_id,
                title=command.title,
                trade=command.trade,
                level=command.level,
                organiser_id=command.organiser_id,
                organiser_kind=command.organiser_kind,
                region_id=command.region_id,
                starts_on=command.starts_on,
                ends_on=command.ends_on,
                theory_weight=command.theory_weight,
                team_entry=command.team_entry,
            )
        )
        return await uow.commit(command_id=command_id)


StepHandler = Callable[[str, Allowed], Handler[C]]
"""A contest step's handler, given the contest (from the path) and the caller's scope check."""


def contest_step(kind: type[C], decide: Callable[[Contest, C], None]) -> StepHandler[C]:
    """The handler of a step decided by the contest alone."""

    def bound(contest_id: str, allowed: Allowed) -> Handler[C]:
        async def handle(uow: UnitOfWork, command: C, command_id: UUID | None = None) -> list[Envelope]:
            async with uow:
                decide(await load_contest(uow, contest_id, allowed), command)
                return await uow.commit(command_id=command_id)

        return handle

    return bound


open_registration = contest_step(
    OpenRegistration, lambda contest, command: contest.open_registration(command.on)
)
start_contest = contest_step(StartContest, lambda contest, command: contest.start(command.on))
start_marking = contest_step(StartMarking, lambda contest, command: contest.start_marking(command.on))
ratify = contest_step(Ratify, lambda contest, command: contest.ratify(command.on))
withdraw_entrant = contest_step(
    WithdrawEntrant, lambda contest, command: contest.withdraw(command.entrant_id, command.reason)
)
lock_scheme = contest_step(LockScheme, lambda contest, command: contest.lock_scheme(command.criteria))
assign_judge = contest_step(
    AssignJudge,
    lambda contest, command: contest.assign_judge(
        command.judge_id, enterprise_id=command.enterprise_id, aspect_ids=command.aspect_ids
    ),
)
publicise = contest_step(
    Publicise, lambda contest, command: contest.publicise(command.publicised_on, command.objections_until)
)


def enter(contest: Contest, command: RegisterEntrant, known: Mapping[str, KnownWorker]) -> None:
    """Register one entrant of the command, its workers as competitions knows them: the rule of
    the single command and of each item of an entrants import (`known`: read for all at once)."""
    missing = [worker for worker in command.worker_ids if worker not in known]
    if missing:
        raise DomainRuleViolated(unknown_worker(missing[0]))
    workers = [
        Competitor(worker, known[worker].enterprise_id, known[worker].trade) for worker in command.worker_ids
    ]
    contest.register(command.entrant_id or command.worker_ids[0], workers, command.registered_on)


def register_entrant(contest_id: str, allowed: Allowed) -> Handler[RegisterEntrant]:
    async def handle(
        uow: UnitOfWork, command: RegisterEntrant, command_id: UUID | None = None
    ) -> list[Envelope]:
        async with uow:
            contest = await load_contest(uow, contest_id, allowed)
            enter(contest, command, await find_known_workers(uow.active, command.worker_ids))
            return await uow.commit(command_id=command_id)

    return handle


async def entries(uow: UnitOfWork, contest: Contest, entrant_ids: Sequence[str]) -> dict[str, ContestEntry]:
    """The entrants' entries, new ones for entrants without marks yet (tracked: they append).

    All loaded together (two statements, not two per entrant): a batch of marks or the lock
    reads every entry it touches."""
    streams = {entrant: entry_id(contest.id, entrant) for entrant in entrant_ids}
    loaded = await uow.load_many(ContestEntry, streams.values())
    found: dict[str, ContestEntry] = {}
    for entrant, stream in streams.items():
        entry = loaded.get(stream)
        if entry is None:
            entry = ContestEntry.of(contest, entrant)
            uow.track(entry)
        found[entrant] = entry
    return found


class ForAnEntrant(Protocol):
    @property
    def entrant_id(self) -> str: ...


E = TypeVar("E", bound=ForAnEntrant)


def entry_step(kind: type[E], decide: Callable[[ContestEntry, Contest, E], None]) -> StepHandler[E]:
    """The handler of a step on one entrant's marks, decided with the contest's state."""

    def bound(contest_id: str, allowed: Allowed) -> Handler[E]:
        async def handle(uow: UnitOfWork, command: E, command_id: UUID | None = None) -> list[Envelope]:
            async with uow:
                contest = await load_contest(uow, contest_id, allowed)
                (entry,) = (await entries(uow, contest, [command.entrant_id])).values()
                decide(entry, contest, command)
                return await uow.commit(command_id=command_id)

        return handle

    return bound


record_mark = entry_step(
    RecordMark,
    lambda entry, contest, command: entry.record_mark(
        contest, command.aspect_id, command.judge_id, command.score
    ),
)
resolve_discrepancy = entry_step(
    ResolveDiscrepancy,
    lambda entry, contest, command: entry.resolve(
        contest, command.aspect_id, command.scores, command.resolved_by
    ),
)


def lock_marks(contest_id: str, allowed: Allowed) -> Handler[LockMarks]:
    async def handle(uow: UnitOfWork, command: LockMarks, command_id: UUID | None = None) -> list[Envelope]:
        async with uow:
            contest = await load_contest(uow, contest_id, allowed)
            every = (await entries(uow, contest, list(contest.entrants))).values()
            contest.lock_marks(
                command.on,
                mark_count=sum(entry.mark_count for entry in every),
                open_discrepancies=sum(len(entry.flagged) for entry in every),
            )
            for entry in every:  # each entry's stream too: a racing mark collides (domain.ContestEntry.lock)
                entry.lock()
            return await uow.commit(command_id=command_id)

    return handle


def standardise(
    contest_id: str, allowed: Allowed, awards: AwardRules = DEFAULT_AWARD_RULES
) -> Handler[Standardise]:
    async def handle(uow: UnitOfWork, command: Standardise, command_id: UUID | None = None) -> list[Envelope]:
        async with uow:
            contest = await load_contest(uow, contest_id, allowed)
            every = await entries(uow, contest, list(contest.entrants))
            rules = AwardRules(
                entitlements=awards.entitlements,
                prize_classes=command.prize_classes,
                prize_money=dict(command.prize_money),
            )
            scheme = replace(WORLDSKILLS, tie_margin=command.tie_margin)
            contest.standardise(
                {entrant: entry.raw_total(contest) for entrant, entry in every.items()},
                open_discrepancies=sum(len(entry.flagged) for entry in every.values()),
                scheme=scheme,
                awards=rules,
            )
            return await uow.commit(command_id=command_id)

    return handle
