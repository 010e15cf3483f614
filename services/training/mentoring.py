"""Mentoring (帮带): a master and an apprentice, proposed → active → assessed → completed or
terminated, with the apprentice's advances on the way. Pure: no I/O."""

from __future__ import annotations

from datetime import date
from typing import Self

from chassis.aggregate import Aggregate
from contracts.events.base import Event
from contracts.events.training import (
    AdvanceKind,
    ApprenticeAdvanced,
    MentorshipAssessed,
    MentorshipCompleted,
    MentorshipProposed,
    MentorshipStarted,
    MentorshipTerminated,
)
from contracts.vocabulary import SkillLevel, TierRank
from services.training.rules import MENTORSHIP_LIFECYCLE, check_master, check_step, refuse

PROPOSED, ACTIVE, ASSESSED, COMPLETED, TERMINATED = (
    "proposed",
    "active",
    "assessed",
    "completed",
    "terminated",
)


class Mentorship(Aggregate):
    """One pairing; `worker_id` is the master. The tenant is their enterprise."""

    stream_type = "Mentorship"

    def __init__(self, aggregate_id: str, tenant: str = "") -> None:
        super().__init__(aggregate_id, tenant)
        self.state = ""
        self.master_id = ""
        self.apprentice_id = ""
        self.started_on: date | None = None
        self.passed = False

    @classmethod
    def propose(
        cls,
        mentorship_id: str,
        *,
        master_id: str,
        master_tier: TierRank,
        apprentice_id: str,
        enterprise_id: str,
        on: date,
    ) -> Self:
        check_master(master_id, master_tier)
        if master_id == apprentice_id:
            raise refuse(MENTORSHIP_LIFECYCLE, "a worker cannot be their own apprentice")
        pairing = cls(mentorship_id, tenant=enterprise_id)
        pairing.record(
            MentorshipProposed(
                mentorship_id=mentorship_id,
                worker_id=master_id,
                apprentice_id=apprentice_id,
                enterprise_id=enterprise_id,
                proposed_on=on,
            )
        )
        return pairing

    def _step(self, allowed: tuple[str, ...], step: str) -> None:
        check_step(MENTORSHIP_LIFECYCLE, f"mentorship {self.id}", self.state, allowed, step)

    def start(self, on: date) -> None:
        self._step((PROPOSED,), "starting")
        self.record(
            MentorshipStarted(
                mentorship_id=self.id,
                worker_id=self.master_id,
                apprentice_id=self.apprentice_id,
                enterprise_id=self.tenant,
                started_on=on,
            )
        )

    def assess(self, on: date, *, passed: bool, comment: str | None) -> None:
        """An active pairing is assessed; a failed assessment may be taken again."""
        self._step((ACTIVE, ASSESSED), "an assessment")
        if self.state == ASSESSED and self.passed:
            raise refuse(MENTORSHIP_LIFECYCLE, f"mentorship {self.id} passed its assessment already")
        self.record(
            MentorshipAssessed(
                mentorship_id=self.id,
                worker_id=self.master_id,
                apprentice_id=self.apprentice_id,
                assessed_on=on,
                passed=passed,
                comment=comment,
            )
        )

    def advance(self, on: date, *, skill_level: SkillLevel | None, honour: str | None) -> None:
        """An outcome: the apprentice rose a skill level, or won an honour (exactly one)."""
        self._step((ACTIVE, ASSESSED, COMPLETED), "recording an outcome")
        if (skill_level is None) == (honour is None):
            raise refuse(MENTORSHIP_LIFECYCLE, "an outcome is either a new skill level or an honour")
        self.record(
            ApprenticeAdvanced(
                mentorship_id=self.id,
                worker_id=self.master_id,
                apprentice_id=self.apprentice_id,
                kind=AdvanceKind.SKILL_LEVEL if skill_level is not None else AdvanceKind.HONOUR,
                skill_level=skill_level,
                honour=honour,
                advanced_on=on,
            )
        )

    def complete(self, on: date) -> None:
        self._step((ASSESSED,), "completion")
        if not self.passed:
            raise refuse(MENTORSHIP_LIFECYCLE, f"mentorship {self.id} did not pass its assessment")
        assert self.started_on is not None
        self.record(
            MentorshipCompleted(
                mentorship_id=self.id,
                worker_id=self.master_id,
                apprentice_id=self.apprentice_id,
                enterprise_id=self.tenant,
                started_on=self.started_on,
                completed_on=on,
            )
        )

    def terminate(self, on: date, *, reason: str) -> None:
        self._step((PROPOSED, ACTIVE, ASSESSED), "termination")
        self.record(
            MentorshipTerminated(
                mentorship_id=self.id,
                worker_id=self.master_id,
                apprentice_id=self.apprentice_id,
                enterprise_id=self.tenant,
                terminated_on=on,
                reason=reason,
            )
        )

    def apply(self, event: Event) -> None:
        if isinstance(event, MentorshipProposed):
            self.state, self.master_id, self.apprentice_id = PROPOSED, event.worker_id, event.apprentice_id
        elif isinstance(event, MentorshipStarted):
            self.state, self.started_on = ACTIVE, event.started_on
        elif isinstance(event, MentorshipAssessed):
            self.state, self.passed = ASSESSED, event.passed
        elif isinstance(event, MentorshipCompleted):
            self.state = COMPLETED
        elif isinstance(event, MentorshipTerminated):
            self.state = TERMINATED
