"""The training service's samples: one fixed example of each of its current event versions.

Kept apart from `samples.py` so the services' samples grow without touching one list;
`samples.py` appends these to SAMPLES.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from contracts.envelope import StreamRef
from contracts.events.training import (
    AchievementKind,
    AchievementRecorded,
    AdvanceKind,
    ApprenticeAdvanced,
    CertificateRevoked,
    ClassScheduled,
    CourseOpened,
    IssuerQualified,
    MentorshipAssessed,
    MentorshipCompleted,
    MentorshipProposed,
    MentorshipStarted,
    MentorshipTerminated,
    SchoolKind,
    SchoolRegistered,
    SessionAttended,
    SkillServiceDelivered,
    StudioApplied,
    StudioFunded,
    StudioNamed,
    StudioReviewed,
    StudioRevoked,
    TrainingCompleted,
    TrainingEnrolled,
    TrainingFailed,
)
from contracts.samples import APPRENTICE, ENTERPRISE, REGION, WORKER, Sample
from contracts.vocabulary import CertificateIssuerKind, SkillLevel, SkillService

ACADEMY = "school-weifang-academy"
CLASS = "class-plc-2025-03"
COURSE = "course-plc-advanced"
MENTORSHIP = "ment-0452"
STUDIO = "studio-wang-jianguo"


def _stream(kind: str, stream_id: str) -> StreamRef:
    return StreamRef(type=kind, id=stream_id)


TRAINING_SAMPLES: tuple[Sample, ...] = (
    Sample(
        SchoolRegistered(
            school_id=ACADEMY,
            name="潍坊市劳模工匠学院",
            kind=SchoolKind.ACADEMY,
            region_id=REGION,
            majors=["智能制造", "机电一体化"],
            registered_on=date(2024, 3, 1),
        ),
        _stream("School", ACADEMY),
        tenant=REGION,
    ),
    Sample(
        IssuerQualified(
            issuer_id=ENTERPRISE, issuer_kind=CertificateIssuerKind.ENTERPRISE, qualified_on=date(2023, 7, 1)
        ),
        _stream("Issuer", ENTERPRISE),
    ),
    Sample(
        CourseOpened(
            course_id=COURSE,
            school_id=ACADEMY,
            title="PLC高级编程与故障诊断",
            major="智能制造",
            hours=48,
            target_level=SkillLevel.TECHNICIAN,
            capacity=40,
            opened_on=date(2025, 2, 20),
        ),
        _stream("Course", COURSE),
        tenant=REGION,
    ),
    Sample(
        ClassScheduled(
            class_id=CLASS, course_id=COURSE, school_id=ACADEMY, starts_on=date(2025, 3, 3), session_count=12
        ),
        _stream("Class", CLASS),
        tenant=REGION,
    ),
    Sample(
        TrainingEnrolled(
            enrolment_id="enr-88311",
            class_id=CLASS,
            course_id=COURSE,
            worker_id=WORKER,
            enterprise_id=ENTERPRISE,
            enrolled_on=date(2025, 2, 25),
        ),
        _stream("Class", CLASS),
        tenant=REGION,
        stream_version=2,
    ),
    Sample(
        SessionAttended(
            enrolment_id="enr-88311",
            class_id=CLASS,
            worker_id=WORKER,
            session_no=1,
            attended_on=date(2025, 3, 3),
        ),
        _stream("Class", CLASS),
        tenant=REGION,
        stream_version=3,
    ),
    Sample(
        TrainingCompleted(
            enrolment_id="enr-88311",
            worker_id=WORKER,
            course_id=COURSE,
            course_title="PLC高级编程与故障诊断",
            hours=48,
            completed_on=date(2025, 4, 30),
            provider="潍坊市劳模工匠学院",
            class_id=CLASS,
            score=88.5,
        ),
        _stream("Class", CLASS),
        tenant=REGION,
        stream_version=4,
    ),
    Sample(
        TrainingFailed(
            enrolment_id="enr-88312",
            worker_id=APPRENTICE,
            course_id=COURSE,
            class_id=CLASS,
            assessed_on=date(2025, 4, 30),
            score=52.0,
        ),
        _stream("Class", CLASS),
        tenant=REGION,
        stream_version=5,
    ),
    Sample(
        CertificateRevoked(
            certificate_id="cert-2025-11873",
            worker_id=WORKER,
            revoked_on=date(2025, 10, 9),
            reason="考核材料弄虚作假",
            revoked_by="hr-bureau-weifang",
        ),
        _stream("Certificate", "cert-2025-11873"),
        stream_version=2,
    ),
    Sample(
        MentorshipProposed(
            mentorship_id=MENTORSHIP,
            worker_id=WORKER,
            apprentice_id=APPRENTICE,
            enterprise_id=ENTERPRISE,
            proposed_on=date(2025, 2, 20),
        ),
        _stream("Mentorship", MENTORSHIP),
    ),
    Sample(
        MentorshipStarted(
            mentorship_id=MENTORSHIP,
            worker_id=WORKER,
            apprentice_id=APPRENTICE,
            enterprise_id=ENTERPRISE,
            started_on=date(2025, 3, 1),
        ),
        _stream("Mentorship", MENTORSHIP),
        stream_version=2,
    ),
    Sample(
        MentorshipAssessed(
            mentorship_id=MENTORSHIP,
            worker_id=WORKER,
            apprentice_id=APPRENTICE,
            assessed_on=date(2026, 2, 27),
            passed=True,
            comment="徒弟独立完成设备点检",
        ),
        _stream("Mentorship", MENTORSHIP),
        stream_version=3,
    ),
    Sample(
        ApprenticeAdvanced(
            mentorship_id=MENTORSHIP,
            worker_id=WORKER,
            apprentice_id=APPRENTICE,
            kind=AdvanceKind.SKILL_LEVEL,
            skill_level=SkillLevel.SENIOR,
            advanced_on=date(2026, 1, 15),
        ),
        _stream("Mentorship", MENTORSHIP),
        stream_version=4,
    ),
    Sample(
        MentorshipCompleted(
            mentorship_id=MENTORSHIP,
            worker_id=WORKER,
            apprentice_id=APPRENTICE,
            enterprise_id=ENTERPRISE,
            started_on=date(2025, 3, 1),
            completed_on=date(2026, 3, 1),
        ),
        _stream("Mentorship", MENTORSHIP),
        stream_version=5,
    ),
    Sample(
        MentorshipTerminated(
            mentorship_id="ment-0453",
            worker_id=WORKER,
            apprentice_id="w-000108",
            enterprise_id=ENTERPRISE,
            terminated_on=date(2025, 9, 30),
            reason="徒弟调岗",
        ),
        _stream("Mentorship", "ment-0453"),
        stream_version=2,
    ),
    Sample(
        StudioApplied(
            studio_id=STUDIO,
            worker_id=WORKER,
            enterprise_id=ENTERPRISE,
            region_id=REGION,
            name="王建国工匠创新工作室",
            applied_on=date(2025, 6, 1),
        ),
        _stream("Studio", STUDIO),
    ),
    Sample(
        StudioNamed(
            studio_id=STUDIO,
            worker_id=WORKER,
            enterprise_id=ENTERPRISE,
            name="王建国工匠创新工作室",
            named_on=date(2025, 7, 1),
        ),
        _stream("Studio", STUDIO),
        stream_version=2,
    ),
    Sample(
        StudioFunded(
            studio_id=STUDIO,
            worker_id=WORKER,
            amount=Decimal("50000"),
            funded_by="weifang-federation",
            funded_on=date(2025, 7, 15),
        ),
        _stream("Studio", STUDIO),
        stream_version=3,
    ),
    Sample(
        StudioReviewed(
            studio_id=STUDIO,
            worker_id=WORKER,
            year=2026,
            reconfirmed=True,
            reviewed_by="weifang-federation",
            reviewed_on=date(2026, 7, 1),
        ),
        _stream("Studio", STUDIO),
        stream_version=4,
    ),
    Sample(
        StudioRevoked(
            studio_id=STUDIO,
            worker_id=WORKER,
            revoked_on=date(2027, 7, 1),
            reason="年度复核不合格",
            revoked_by="weifang-federation",
        ),
        _stream("Studio", STUDIO),
        stream_version=5,
    ),
    Sample(
        AchievementRecorded(
            achievement_id="ach-2025-0311",
            worker_id=WORKER,
            enterprise_id=ENTERPRISE,
            region_id=REGION,
            kind=AchievementKind.INVENTION_PATENT,
            title="卷接机组烟支空头检测装置",
            year=2025,
            recorded_on=date(2025, 8, 20),
            economic_benefit=Decimal("1200000"),
            studio_id=STUDIO,
        ),
        _stream("Achievement", "ach-2025-0311"),
    ),
    Sample(
        SkillServiceDelivered(
            visit_id="visit-2025-0187",
            worker_id=WORKER,
            team_ids=[APPRENTICE],
            host_enterprise_id="ent-weichai-power",
            services=[SkillService.TRAINING, SkillService.PROBLEM_SOLVING],
            delivered_on=date(2025, 4, 12),
            workers_reached=60,
            problems_solved=2,
            summary="解决装配线拧紧设备扭矩漂移问题",
        ),
        _stream("Visit", "visit-2025-0187"),
        tenant="ent-weichai-power",
    ),
)
