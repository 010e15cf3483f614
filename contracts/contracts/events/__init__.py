"""Every current event payload, one module per bounded context."""

from contracts.events.base import Event
from contracts.events.competitions import CompetitionScored, ContestConcluded, ContestOpened, MarkRecorded
from contracts.events.registry import (
    EnterpriseRegistered,
    NominationReviewed,
    TierPromoted,
    TitleConferred,
    WorkerNominated,
    WorkerRegistered,
)
from contracts.events.rewards import PointsAwarded, ProgrammeOpened, RewardGranted, RewardRevoked
from contracts.events.training import (
    CertificateAwarded,
    MentorshipConcluded,
    SkillServiceDelivered,
    TrainingCompleted,
)

__all__ = [
    "CertificateAwarded",
    "CompetitionScored",
    "ContestConcluded",
    "ContestOpened",
    "EnterpriseRegistered",
    "Event",
    "MarkRecorded",
    "MentorshipConcluded",
    "NominationReviewed",
    "PointsAwarded",
    "ProgrammeOpened",
    "RewardGranted",
    "RewardRevoked",
    "SkillServiceDelivered",
    "TierPromoted",
    "TitleConferred",
    "TrainingCompleted",
    "WorkerNominated",
    "WorkerRegistered",
]
