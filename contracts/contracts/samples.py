"""One fixed example of every event version, for golden files and documentation.

Ids and timestamps are fixed so that regenerating a sample gives identical bytes.
Demo data follows the Weifang source article.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

from contracts.catalog import PRODUCER_OF_EVENT
from contracts.envelope import Envelope, StreamRef
from contracts.events import (
    CertificateAwarded,
    CompetitionScored,
    ContestConcluded,
    ContestOpened,
    EnterpriseRegistered,
    MarkRecorded,
    MentorshipConcluded,
    NominationReviewed,
    PointsAwarded,
    ProgrammeOpened,
    RewardGranted,
    RewardRevoked,
    TierPromoted,
    TitleConferred,
    WorkerNominated,
    WorkerRegistered,
)
from contracts.events.base import Event
from contracts.events.competitions import (
    Aspect,
    AspectKind,
    ContestStarted,
    Criterion,
    EntrantRegistered,
    EntrantWithdrawn,
    EntryMarksLocked,
    JudgeAssigned,
    JudgementDiscrepancyFlagged,
    JudgementDiscrepancyResolved,
    MarkingSchemeLocked,
    MarkingStarted,
    MarksLocked,
    OrganiserKind,
    Prize,
    PromotionEntitlementGranted,
    PromotionKind,
    RegistrationOpened,
    ResultsPublicised,
    ResultsStandardised,
)
from contracts.events.legacy import (
    CompetitionScoredV1,
    CompetitionScoredV2,
    ContestOpenedV1,
    MarkRecordedV1,
    PointsAwardedV1,
    ProgrammeOpenedV1,
    SkillServiceDeliveredV1,
    TitleConferredV1,
    TrainingCompletedV1,
    WorkerRegisteredV1,
    WorkerRegisteredV2,
)
from contracts.events.registry import (
    ExpertScoreRecorded,
    NominationRejected,
    NominationScreened,
    ObjectionRaised,
    ObjectionResolved,
    PublicityOpened,
    QuotaSeatTaken,
    RegionRegistered,
    ReviewerAppointed,
    SiteInspected,
    SkillLevelCertified,
    TierExpired,
    TierReviewed,
    TierRevoked,
    TitleExpired,
    TitleReviewed,
    TitleRevoked,
    WorkerForgotten,
    WorkerLeft,
)
from contracts.events.rewards import (
    AllowanceStarted,
    AllowanceStopped,
    BudgetExhausted,
    GrantApplied,
    PointsAdjusted,
    PointsCategoryDeclared,
    PointsExpired,
)
from contracts.ids import uuid7_from_parts
from contracts.vocabulary import (
    DEFAULT_TIER_LABELS,
    CertificateIssuerKind,
    ContestLevel,
    Medal,
    MentorshipOutcome,
    RegionKind,
    ReviewDecision,
    ReviewStage,
    SkillLevel,
    SkillService,
    TierRank,
    TitleLevel,
)

SAMPLE_TIME = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)
REGION = "370700"  # Weifang's administrative division code
ENTERPRISE = "ent-qingzhou-cigarette"
WORKER = "w-000042"
APPRENTICE = "w-000107"


def fixed_uuid7(label: str) -> UUID:
    """A UUIDv7 at SAMPLE_TIME whose random bits come from `label`: stable across runs."""
    digest = int.from_bytes(hashlib.sha256(label.encode()).digest()[:10], "big")
    return uuid7_from_parts(int(SAMPLE_TIME.timestamp() * 1000), digest >> 6)


@dataclass(frozen=True)
class Sample:
    event: Event
    stream: StreamRef
    tenant: str = ENTERPRISE
    stream_version: int = 1
    caused_by: str | None = None  # label of the sample whose event caused this one

    @property
    def label(self) -> str:
        return f"{self.event.event_type}.v{self.event.schema_version}"


def _worker_stream() -> StreamRef:
    return StreamRef(type="Worker", id=WORKER)


def _contest_stream() -> StreamRef:
    return StreamRef(type="Contest", id="contest-2025-robot")


def _entry_stream() -> StreamRef:
    return StreamRef(type="ContestEntry", id=f"contest-2025-robot:{WORKER}")


SAMPLES: tuple[Sample, ...] = (
    Sample(
        EnterpriseRegistered(
            enterprise_id=ENTERPRISE,
            name="青州卷烟厂",
            region_id=REGION,
            industry="烟草制品",
            tier_labels={
                TierRank.SEED: DEFAULT_TIER_LABELS[TierRank.SEED],
                TierRank.CRAFTSMAN: "青烟工匠",
                TierRank.CHIEF: "一甲工匠",
            },
        ),
        StreamRef(type="Enterprise", id=ENTERPRISE),
        tenant=REGION,
    ),
    Sample(
        WorkerRegisteredV1(worker_id=WORKER, enterprise_id=ENTERPRISE, name="王建国", trade="卷烟设备维修"),
        _worker_stream(),
    ),
    Sample(
        WorkerRegisteredV2(
            worker_id=WORKER,
            enterprise_id=ENTERPRISE,
            full_name="王建国",
            trade="卷烟设备维修",
            skill_level=SkillLevel.SENIOR,
            hired_on=date(2012, 7, 1),
        ),
        _worker_stream(),
    ),
    Sample(
        WorkerRegistered(
            worker_id=WORKER,
            enterprise_id=ENTERPRISE,
            trade="卷烟设备维修",
            skill_level=SkillLevel.SENIOR,
            hired_on=date(2012, 7, 1),
            post="卷接包设备维修工",
            front_line=True,
        ),
        _worker_stream(),
    ),
    Sample(
        WorkerForgotten(worker_id=APPRENTICE, enterprise_id=ENTERPRISE, forgotten_on=date(2026, 3, 1)),
        StreamRef(type="Worker", id=APPRENTICE),
        stream_version=9,
    ),
    Sample(
        WorkerNominated(
            nomination_id="nom-2025-0017",
            worker_id=WORKER,
            enterprise_id=ENTERPRISE,
            level=TitleLevel.CITY,
            nominated_by="county-qingzhou-leading-group",
            reason="主持设备技改项目3项、获发明专利1项",
        ),
        StreamRef(type="Nomination", id="nom-2025-0017"),
    ),
    Sample(
        NominationReviewed(
            nomination_id="nom-2025-0017",
            worker_id=WORKER,
            enterprise_id=ENTERPRISE,
            level=TitleLevel.CITY,
            stage=ReviewStage.EXPERT_REVIEW,
            decision=ReviewDecision.PASSED,
            reviewed_by="city-task-force",
            comment="业绩突出、符合潍坊工匠条件",
        ),
        StreamRef(type="Nomination", id="nom-2025-0017"),
        tenant=REGION,
        stream_version=3,
    ),
    Sample(
        TierPromoted(
            worker_id=WORKER,
            enterprise_id=ENTERPRISE,
            from_rank=TierRank.SEED,
            to_rank=TierRank.CRAFTSMAN,
            tier_label="青烟工匠",
            effective_on=date(2025, 6, 1),
            reason="年度评审通过 (高级工, 积分82)",
        ),
        _worker_stream(),
        stream_version=4,
    ),
    Sample(
        TitleConferredV1(
            title_id="title-city-2025-031",
            nomination_id="nom-2025-0017",
            worker_id=WORKER,
            enterprise_id=ENTERPRISE,
            level=TitleLevel.CITY,
            title_name="潍坊工匠",
            conferred_by="city-task-force",
            conferred_on=date(2025, 6, 2),
            valid_until=date(2028, 6, 1),
        ),
        StreamRef(type="Nomination", id="nom-2025-0017"),
        tenant=REGION,
        stream_version=6,
    ),
    Sample(
        TitleConferred(
            title_id="title-county-2021-007",
            nomination_id="imported-title-county-2021-007",
            worker_id=WORKER,
            enterprise_id=ENTERPRISE,
            level=TitleLevel.COUNTY,
            title_name="县级工匠",
            conferred_by="city-union",
            conferred_on=date(2021, 5, 1),
            valid_until=None,
            imported=True,
        ),
        _worker_stream(),
        stream_version=5,
    ),
    Sample(
        ContestOpenedV1(
            contest_id="contest-2025-robot",
            title="潍坊市工业机器人系统操作职业技能竞赛",
            trade="工业机器人系统操作",
            level=ContestLevel.CITY,
            organiser_id="weifang-federation-of-trade-unions",
            region_id=REGION,
            starts_on=date(2025, 5, 20),
            ends_on=date(2025, 5, 22),
            theory_weight=0.3,
        ),
        _contest_stream(),
        tenant=REGION,
    ),
    Sample(
        ContestOpened(
            contest_id="contest-2025-robot",
            title="潍坊市工业机器人系统操作职业技能竞赛",
            trade="工业机器人系统操作",
            level=ContestLevel.CITY,
            organiser_id="weifang-federation-of-trade-unions",
            organiser_kind=OrganiserKind.REGION,
            region_id=REGION,
            starts_on=date(2025, 5, 20),
            ends_on=date(2025, 5, 22),
            theory_weight=0.3,
            team_entry=False,
        ),
        _contest_stream(),
        tenant=REGION,
    ),
    Sample(
        RegistrationOpened(contest_id="contest-2025-robot", opened_on=date(2025, 4, 1)),
        _contest_stream(),
        tenant=REGION,
        stream_version=3,
    ),
    Sample(
        EntrantRegistered(
            contest_id="contest-2025-robot",
            entrant_id=WORKER,
            worker_ids=[WORKER],
            enterprise_id=ENTERPRISE,
            registered_on=date(2025, 4, 10),
        ),
        _entry_stream(),
        tenant=REGION,
    ),
    Sample(
        EntrantWithdrawn(contest_id="contest-2025-robot", entrant_id=APPRENTICE, reason="因病退赛"),
        StreamRef(type="ContestEntry", id=f"contest-2025-robot:{APPRENTICE}"),
        tenant=REGION,
        stream_version=2,
    ),
    Sample(
        ContestStarted(contest_id="contest-2025-robot", entrant_count=36, started_on=date(2025, 5, 20)),
        _contest_stream(),
        tenant=REGION,
        stream_version=9,
    ),
    Sample(
        MarkingSchemeLocked(
            contest_id="contest-2025-robot",
            theory_weight=0.3,
            criteria=[
                Criterion(
                    criterion_id="A",
                    title="工作站安装与调试",
                    aspects=[
                        Aspect(
                            aspect_id="A1",
                            description="夹具定位误差",
                            kind=AspectKind.MEASUREMENT,
                            max_mark=40,
                            tolerance=0.05,
                            zero_at=0.2,
                        ),
                        Aspect(
                            aspect_id="A2",
                            description="程序结构与可读性",
                            kind=AspectKind.JUDGEMENT,
                            max_mark=30,
                            descriptors=["不合格", "基本达到", "良好", "优秀"],
                        ),
                    ],
                ),
                Criterion(
                    criterion_id="T",
                    title="理论知识",
                    aspects=[
                        Aspect(
                            aspect_id="T1",
                            description="理论笔试",
                            kind=AspectKind.MEASUREMENT,
                            max_mark=30,
                            theory=True,
                        )
                    ],
                ),
            ],
        ),
        _contest_stream(),
        tenant=REGION,
        stream_version=5,
    ),
    Sample(
        JudgeAssigned(
            contest_id="contest-2025-robot",
            judge_id="judge-li",
            enterprise_id="ent-weichai",
            aspect_ids=["A1", "A2"],
        ),
        _contest_stream(),
        tenant=REGION,
        stream_version=6,
    ),
    Sample(
        MarkingStarted(contest_id="contest-2025-robot", started_on=date(2025, 5, 22)),
        _contest_stream(),
        tenant=REGION,
        stream_version=10,
    ),
    Sample(
        MarkRecordedV1(
            contest_id="contest-2025-robot",
            worker_id=WORKER,
            enterprise_id=ENTERPRISE,
            raw_score=91.25,
            judged_by="judge-panel-a",
        ),
        _contest_stream(),
        tenant=REGION,
        stream_version=12,
    ),
    Sample(
        MarkRecorded(
            contest_id="contest-2025-robot",
            entrant_id=WORKER,
            aspect_id="A2",
            judge_id="judge-li",
            score=2,
        ),
        _entry_stream(),
        tenant=REGION,
        stream_version=5,
    ),
    Sample(
        JudgementDiscrepancyFlagged(
            contest_id="contest-2025-robot",
            entrant_id=WORKER,
            aspect_id="A2",
            scores={"judge-li": 3, "judge-wang": 1, "judge-zhao": 2},
        ),
        _entry_stream(),
        tenant=REGION,
        stream_version=7,
    ),
    Sample(
        JudgementDiscrepancyResolved(
            contest_id="contest-2025-robot",
            entrant_id=WORKER,
            aspect_id="A2",
            scores={"judge-li": 2, "judge-wang": 2, "judge-zhao": 2},
            resolved_by="chief-expert-sun",
        ),
        _entry_stream(),
        tenant=REGION,
        stream_version=8,
    ),
    Sample(
        MarksLocked(contest_id="contest-2025-robot", mark_count=3780, locked_on=date(2025, 5, 23)),
        _contest_stream(),
        tenant=REGION,
        stream_version=11,
    ),
    Sample(
        EntryMarksLocked(contest_id="contest-2025-robot", entrant_id=WORKER, mark_count=150),
        _entry_stream(),
        tenant=REGION,
        stream_version=9,
    ),
    Sample(
        ResultsStandardised(
            contest_id="contest-2025-robot",
            entrant_count=35,
            median_raw=78.5,
            median_absolute_deviation=6.25,
        ),
        _contest_stream(),
        tenant=REGION,
        stream_version=12,
    ),
    Sample(
        CompetitionScoredV1(
            contest_id="contest-2025-robot",
            worker_id=WORKER,
            enterprise_id=ENTERPRISE,
            raw_score=91.25,
            standardised_score=788,
            rank=1,
            medal=Medal.GOLD,
        ),
        _contest_stream(),
        tenant=REGION,
        stream_version=40,
    ),
    Sample(
        CompetitionScoredV2(
            contest_id="contest-2025-robot",
            level=ContestLevel.CITY,
            worker_id=WORKER,
            enterprise_id=ENTERPRISE,
            raw_score=91.25,
            standardised_score=788,
            rank=1,
            medal=Medal.GOLD,
        ),
        _contest_stream(),
        tenant=REGION,
        stream_version=40,
    ),
    Sample(
        CompetitionScored(
            contest_id="contest-2025-robot",
            level=ContestLevel.CITY,
            worker_id=WORKER,
            enterprise_id=ENTERPRISE,
            raw_score=91.25,
            standardised_score=788,
            rank=1,
            medal=Medal.GOLD,
            prize=Prize.FIRST,
            prize_money=Decimal("5000"),
        ),
        _contest_stream(),
        tenant=REGION,
        stream_version=13,
    ),
    Sample(
        ResultsPublicised(
            contest_id="contest-2025-robot",
            publicised_on=date(2025, 5, 24),
            objections_until=date(2025, 5, 31),
        ),
        _contest_stream(),
        tenant=REGION,
        stream_version=49,
    ),
    Sample(
        ContestConcluded(
            contest_id="contest-2025-robot",
            level=ContestLevel.CITY,
            entrant_count=36,
            scored_count=35,
            concluded_on=date(2025, 6, 1),
        ),
        _contest_stream(),
        tenant=REGION,
        stream_version=75,
    ),
    Sample(
        PromotionEntitlementGranted(
            contest_id="contest-2025-robot",
            level=ContestLevel.CITY,
            worker_id=WORKER,
            enterprise_id=ENTERPRISE,
            rank=1,
            kind=PromotionKind.SKILL_LEVEL,
            levels_up=1,
            cap=SkillLevel.TECHNICIAN,
        ),
        _contest_stream(),
        tenant=REGION,
        stream_version=76,
        caused_by="ContestConcluded.v1",
    ),
    Sample(
        TrainingCompletedV1(
            enrolment_id="enr-88311",
            worker_id=WORKER,
            course_id="course-plc-advanced",
            course_title="PLC高级编程与故障诊断",
            hours=48,
            completed_on=date(2025, 4, 30),
            provider="潍坊市劳模工匠学院",
        ),
        StreamRef(type="Enrolment", id="enr-88311"),
        stream_version=3,
    ),
    Sample(
        CertificateAwarded(
            certificate_id="cert-2025-11873",
            worker_id=WORKER,
            occupation="设备点检员",
            skill_level=SkillLevel.TECHNICIAN,
            issuer_id=ENTERPRISE,
            issuer_kind=CertificateIssuerKind.ENTERPRISE,
            issued_on=date(2025, 5, 15),
        ),
        StreamRef(type="Certificate", id="cert-2025-11873"),
    ),
    Sample(
        MentorshipConcluded(
            mentorship_id="ment-0451",
            worker_id=WORKER,
            apprentice_id=APPRENTICE,
            enterprise_id=ENTERPRISE,
            started_on=date(2023, 3, 1),
            ended_on=date(2025, 3, 1),
            outcome=MentorshipOutcome.COMPLETED,
        ),
        StreamRef(type="Mentorship", id="ment-0451"),
        stream_version=2,
    ),
    Sample(
        SkillServiceDeliveredV1(
            visit_id="visit-2025-0186",
            worker_id=WORKER,
            host_enterprise_id="ent-weichai-power",
            service=SkillService.PROBLEM_SOLVING,
            delivered_on=date(2025, 4, 12),
            workers_reached=60,
            problems_solved=2,
            summary="解决装配线拧紧设备扭矩漂移问题",
        ),
        StreamRef(type="Visit", id="visit-2025-0186"),
        tenant="ent-weichai-power",
    ),
    Sample(
        ProgrammeOpenedV1(
            programme_id="prog-tier-allowance",
            name="种子工匠晋级奖励",
            sponsor_id="weifang-federation",
            budget=Decimal("300000"),
            grant_amount=Decimal("8000"),
            trigger="tier:seed",
            opened_on=date(2025, 1, 1),
        ),
        StreamRef(type="Programme", id="prog-tier-allowance"),
        stream_version=1,
    ),
    Sample(
        ProgrammeOpened(
            programme_id="prog-city-contest-prizes",
            name="市职业技能大赛奖金",
            sponsor_id="weifang-federation",
            budget=Decimal("200000"),
            grant_amount=Decimal("5000"),
            trigger="contest:city",
            opened_on=date(2026, 1, 1),
            closes_on=date(2026, 12, 31),
            amounts_by_place={1: Decimal("20000"), 2: Decimal("10000"), 3: Decimal("5000")},
            eligible_enterprises=[ENTERPRISE],
        ),
        StreamRef(type="Programme", id="prog-city-contest-prizes"),
        tenant="weifang-federation",
    ),
    Sample(
        BudgetExhausted(
            programme_id="prog-tier-allowance",
            budget=Decimal("300000"),
            granted_total=Decimal("296000"),
            refused_amount=Decimal("8000"),
            refused_cause=fixed_uuid7("TierPromoted.v1"),
        ),
        StreamRef(type="Programme", id="prog-tier-allowance"),
        stream_version=38,
        caused_by="TierPromoted.v1",
    ),
    Sample(
        GrantApplied(
            programme_id="prog-studio-awards",
            application_id="app-2026-0007",
            worker_id=WORKER,
            enterprise_id=ENTERPRISE,
            reason="劳模创新工作室 申请资助",
            applied_on=date(2026, 4, 2),
        ),
        StreamRef(type="Programme", id="prog-studio-awards"),
        stream_version=3,
    ),
    Sample(
        AllowanceStarted(
            programme_id="prog-city-title-allowance",
            worker_id=WORKER,
            enterprise_id=ENTERPRISE,
            held="title:city",
            started_on=date(2026, 5, 1),
            caused_by=fixed_uuid7("TitleConferred.v1"),
        ),
        StreamRef(type="Programme", id="prog-city-title-allowance"),
        stream_version=2,
        caused_by="TitleConferred.v1",
    ),
    Sample(
        AllowanceStopped(
            programme_id="prog-city-title-allowance",
            worker_id=WORKER,
            stopped_on=date(2027, 5, 1),
            reason="title revoked: 违反劳动纪律",
        ),
        StreamRef(type="Programme", id="prog-city-title-allowance"),
        stream_version=9,
    ),
    Sample(
        PointsCategoryDeclared(enterprise_id=ENTERPRISE, category="patents", name="专利", cap=Decimal("10")),
        StreamRef(type="PointsCategories", id=ENTERPRISE),
    ),
    Sample(
        PointsAwardedV1(
            worker_id=WORKER,
            category="activities",
            points=Decimal("15"),
            source_event_id=fixed_uuid7("CompetitionScored.v1"),
        ),
        StreamRef(type="PointsAccount", id=WORKER),
        stream_version=12,
        caused_by="CompetitionScored.v1",
    ),
    Sample(
        PointsAwarded(
            worker_id=WORKER,
            category="honours_awards",
            rule="competition",
            group="competition",
            points=Decimal("15"),
            earned_on=date(2025, 5, 23),
            source_event_id=fixed_uuid7("CompetitionScored.v2"),
        ),
        StreamRef(type="PointsAccount", id=WORKER),
        stream_version=12,
        caused_by="CompetitionScored.v2",
    ),
    Sample(
        PointsExpired(
            worker_id=WORKER,
            category="honours_awards",
            rule="competition",
            points=Decimal("15"),
            source_event_id=fixed_uuid7("CompetitionScored.v2"),
            expired_on=date(2028, 5, 23),
        ),
        StreamRef(type="PointsAccount", id=WORKER),
        stream_version=31,
    ),
    Sample(
        PointsAdjusted(
            worker_id=WORKER,
            category="work_results",
            delta=Decimal("-2.50"),
            reason="重复登记的技改项目予以扣除",
            approved_by="qz-leading-group",
            adjusted_on=date(2025, 7, 1),
        ),
        StreamRef(type="PointsAccount", id=WORKER),
        stream_version=14,
    ),
    Sample(
        RewardGranted(
            grant_id="grant-2025-0042",
            programme_id="prog-tier-allowance",
            worker_id=WORKER,
            enterprise_id=ENTERPRISE,
            amount=Decimal("8000"),
            reason="青烟工匠年度津贴",
            caused_by=fixed_uuid7("TierPromoted.v1"),
        ),
        StreamRef(type="Programme", id="prog-tier-allowance"),
        stream_version=7,
        caused_by="TierPromoted.v1",
    ),
    Sample(
        RewardRevoked(
            grant_id="grant-2025-0042",
            programme_id="prog-tier-allowance",
            worker_id=WORKER,
            enterprise_id=ENTERPRISE,
            amount=Decimal("8000"),
            reason="重复发放 予以撤销",
            revoked_by="rewards-auditor-01",
        ),
        StreamRef(type="Programme", id="prog-tier-allowance"),
        stream_version=8,
    ),
    Sample(
        RegionRegistered(region_id="370781", name="青州市", kind=RegionKind.COUNTY, parent_id=REGION),
        StreamRef(type="Region", id="370781"),
        tenant="370781",
    ),
    Sample(
        ReviewerAppointed(
            group_id=REGION, reviewer_id="reviewer-city-007", level=TitleLevel.CITY, role="市工匠评选专班成员"
        ),
        StreamRef(type="Region", id=REGION),
        tenant=REGION,
        stream_version=2,
    ),
    Sample(
        SkillLevelCertified(
            worker_id=WORKER,
            enterprise_id=ENTERPRISE,
            skill_level=SkillLevel.TECHNICIAN,
            occupation="设备点检员",
            certificate_id="cert-2025-11873",
            issuer_id=ENTERPRISE,
            issuer_kind=CertificateIssuerKind.ENTERPRISE,
            certified_on=date(2025, 5, 15),
        ),
        _worker_stream(),
        stream_version=3,
        caused_by="CertificateAwarded.v1",
    ),
    Sample(
        WorkerLeft(
            worker_id=APPRENTICE, enterprise_id=ENTERPRISE, left_on=date(2025, 9, 30), reason="合同到期"
        ),
        StreamRef(type="Worker", id=APPRENTICE),
        stream_version=2,
    ),
    Sample(
        NominationScreened(
            nomination_id="nom-2025-0017",
            worker_id=WORKER,
            enterprise_id=ENTERPRISE,
            level=TitleLevel.CITY,
            screened_by="reviewer-city-007",
            note="材料齐全",
        ),
        _worker_stream(),
        stream_version=6,
    ),
    Sample(
        ExpertScoreRecorded(
            nomination_id="nom-2025-0017",
            worker_id=WORKER,
            enterprise_id=ENTERPRISE,
            level=TitleLevel.CITY,
            expert_id="expert-041",
            score=86.5,
            comment="技改成果突出",
        ),
        _worker_stream(),
        stream_version=7,
    ),
    Sample(
        SiteInspected(
            nomination_id="nom-2025-0017",
            worker_id=WORKER,
            enterprise_id=ENTERPRISE,
            level=TitleLevel.CITY,
            inspected_by="reviewer-city-007",
            inspected_on=date(2025, 5, 26),
            findings="现场核实技改项目运行良好",
        ),
        _worker_stream(),
        stream_version=11,
    ),
    Sample(
        PublicityOpened(
            nomination_id="nom-2025-0017",
            worker_id=WORKER,
            enterprise_id=ENTERPRISE,
            level=TitleLevel.CITY,
            opens_on=date(2025, 5, 27),
            closes_on=date(2025, 6, 3),
        ),
        _worker_stream(),
        stream_version=12,
    ),
    Sample(
        ObjectionRaised(
            nomination_id="nom-2025-0017",
            worker_id=WORKER,
            objection_id="obj-2025-0003",
            raised_on=date(2025, 5, 29),
            summary="对专利归属提出疑问",
        ),
        _worker_stream(),
        stream_version=13,
    ),
    Sample(
        ObjectionResolved(
            nomination_id="nom-2025-0017",
            worker_id=WORKER,
            objection_id="obj-2025-0003",
            upheld=False,
            resolution="经核实专利为本人职务发明",
            resolved_by="reviewer-city-007",
        ),
        _worker_stream(),
        stream_version=14,
    ),
    Sample(
        NominationRejected(
            nomination_id="nom-2025-0021",
            worker_id=APPRENTICE,
            enterprise_id=ENTERPRISE,
            level=TitleLevel.COUNTY,
            stage=ReviewStage.EXPERT_REVIEW,
            reason="专家评审均分 54.5, 低于 60",
            rejected_by="county-qingzhou-leading-group",
        ),
        StreamRef(type="Worker", id=APPRENTICE),
        stream_version=5,
    ),
    Sample(
        QuotaSeatTaken(
            level=TitleLevel.CITY,
            region_id=REGION,
            year=2025,
            nomination_id="nom-2025-0017",
            worker_id=WORKER,
        ),
        StreamRef(type="TitleQuota", id=f"city.{REGION}.2025"),
        tenant=REGION,
        stream_version=31,
    ),
    Sample(
        TitleReviewed(
            title_id="title-city-2025-031",
            worker_id=WORKER,
            level=TitleLevel.CITY,
            year=2026,
            reviewed_by=REGION,
        ),
        _worker_stream(),
        stream_version=20,
    ),
    Sample(
        TitleRevoked(
            title_id="title-city-2025-031",
            worker_id=WORKER,
            level=TitleLevel.CITY,
            revoked_on=date(2027, 3, 1),
            reason="年度复核不合格",
            revoked_by=REGION,
        ),
        _worker_stream(),
        stream_version=24,
    ),
    Sample(
        TitleExpired(
            title_id="title-city-2025-031",
            worker_id=WORKER,
            level=TitleLevel.CITY,
            expired_on=date(2030, 6, 2),
        ),
        _worker_stream(),
        stream_version=30,
    ),
    Sample(
        TierReviewed(
            worker_id=WORKER,
            enterprise_id=ENTERPRISE,
            rank=TierRank.CRAFTSMAN,
            year=2026,
            reviewed_on=date(2026, 6, 1),
        ),
        _worker_stream(),
        stream_version=21,
    ),
    Sample(
        TierExpired(
            worker_id=WORKER,
            enterprise_id=ENTERPRISE,
            rank=TierRank.CRAFTSMAN,
            expired_on=date(2028, 6, 1),
            reason="三年任期届满",
        ),
        _worker_stream(),
        stream_version=28,
    ),
    Sample(
        TierRevoked(
            worker_id=APPRENTICE,
            enterprise_id=ENTERPRISE,
            rank=TierRank.SEED,
            revoked_on=date(2025, 9, 1),
            reason="严重违反操作规程",
            revoked_by="ent-qingzhou-leading-group",
        ),
        StreamRef(type="Worker", id=APPRENTICE),
        stream_version=4,
    ),
)


from contracts.training_samples import TRAINING_SAMPLES  # noqa: E402  (built on Sample above)

SAMPLES += TRAINING_SAMPLES


def sample_envelope(sample: Sample) -> Envelope:
    """The sample in a fully fixed envelope (ids derived from its label)."""
    causation_id = fixed_uuid7(sample.caused_by) if sample.caused_by else None
    return Envelope.wrap(
        sample.event,
        producer=PRODUCER_OF_EVENT[sample.event.event_type],
        stream=sample.stream,
        stream_version=sample.stream_version,
        tenant=sample.tenant,
        event_id=fixed_uuid7(sample.label),
        occurred_at=SAMPLE_TIME,
        # A reaction joins the flow of the event that caused it.
        correlation_id=fixed_uuid7(f"flow:{sample.caused_by or sample.label}"),
        causation_id=causation_id,
    )


def golden_envelopes() -> dict[str, Envelope]:
    """Every sample's envelope by golden file name, e.g. "WorkerRegistered.v2.json"."""
    return {f"{sample.label}.json": sample_envelope(sample) for sample in SAMPLES}
