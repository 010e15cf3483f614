"""Training's classes, certificates, mentoring, innovation and visits; what the rules need of
a known worker (level since, tier, city titles); a completion's class and score.

Revision ID: training_0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "training_0003"
down_revision = "training_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("training_known_workers") as table:
        table.add_column(sa.Column("level_since", sa.Date, nullable=True))
        table.add_column(sa.Column("tier", sa.String(16), nullable=False, server_default="none"))
        table.add_column(sa.Column("city_titles", sa.Integer, nullable=False, server_default="0"))
    with op.batch_alter_table("training_learning_records") as table:
        table.add_column(sa.Column("class_id", sa.String(128), nullable=True))
        table.add_column(sa.Column("score", sa.Float, nullable=True))
    op.create_table(
        "training_schools",
        sa.Column("school_id", sa.String(128), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("region_id", sa.String(128), nullable=False),
        sa.Column("enterprise_id", sa.String(128), nullable=True),
    )
    op.create_table(
        "training_courses",
        sa.Column("course_id", sa.String(128), primary_key=True),
        sa.Column("school_id", sa.String(128), nullable=False, index=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("major", sa.String(200), nullable=False),
        sa.Column("target_level", sa.String(32), nullable=False),
        sa.Column("capacity", sa.Integer, nullable=False),
    )
    op.create_table(
        "training_classes",
        sa.Column("class_id", sa.String(128), primary_key=True),
        sa.Column("course_id", sa.String(128), nullable=False, index=True),
        sa.Column("school_id", sa.String(128), nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("session_count", sa.Integer, nullable=False),
    )
    op.create_table(
        "training_rosters",
        sa.Column("enrolment_id", sa.String(128), primary_key=True),
        sa.Column("class_id", sa.String(128), nullable=False, index=True),
        sa.Column("course_id", sa.String(128), nullable=False),
        sa.Column("worker_id", sa.String(128), nullable=False, index=True),
        sa.Column("enrolled_on", sa.Date, nullable=False),
        sa.Column("sessions_attended", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("score", sa.Float, nullable=True),
        sa.Column("event_id", sa.String(36), nullable=False),
    )
    op.create_table(
        "training_attendances",
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("enrolment_id", sa.String(128), nullable=False),
        sa.Column("class_id", sa.String(128), nullable=False),
        sa.Column("worker_id", sa.String(128), nullable=False, index=True),
        sa.Column("session_no", sa.Integer, nullable=False),
        sa.Column("attended_on", sa.Date, nullable=False),
    )
    op.create_table(
        "training_failures",
        sa.Column("enrolment_id", sa.String(128), primary_key=True),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("worker_id", sa.String(128), nullable=False, index=True),
        sa.Column("course_id", sa.String(128), nullable=False),
        sa.Column("class_id", sa.String(128), nullable=False),
        sa.Column("assessed_on", sa.Date, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
    )
    op.create_table(
        "training_certificates",
        sa.Column("certificate_id", sa.String(128), primary_key=True),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("worker_id", sa.String(128), nullable=False, index=True),
        sa.Column("occupation", sa.String(200), nullable=False),
        sa.Column("skill_level", sa.String(32), nullable=False),
        sa.Column("issuer_id", sa.String(128), nullable=False),
        sa.Column("issuer_kind", sa.String(32), nullable=False),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("revoked_on", sa.Date, nullable=True),
        sa.Column("revocation_reason", sa.String(2000), nullable=True),
    )
    op.create_table(
        "training_mentorships",
        sa.Column("mentorship_id", sa.String(128), primary_key=True),
        sa.Column("master_id", sa.String(128), nullable=False, index=True),
        sa.Column("apprentice_id", sa.String(128), nullable=False),
        sa.Column("enterprise_id", sa.String(128), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("started_on", sa.Date, nullable=True),
        sa.Column("ended_on", sa.Date, nullable=True),
    )
    op.create_table(
        "training_apprentice_outcomes",
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("mentorship_id", sa.String(128), nullable=False),
        sa.Column("master_id", sa.String(128), nullable=False, index=True),
        sa.Column("apprentice_id", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("skill_level", sa.String(32), nullable=True),
        sa.Column("honour", sa.String(200), nullable=True),
        sa.Column("advanced_on", sa.Date, nullable=False),
    )
    op.create_table(
        "training_achievements",
        sa.Column("achievement_id", sa.String(128), primary_key=True),
        sa.Column("worker_id", sa.String(128), nullable=False),
        sa.Column("region_id", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("economic_benefit", sa.Numeric(16, 2), nullable=True),
    )
    op.create_table(
        "training_visits",
        sa.Column("visit_id", sa.String(128), primary_key=True),
        sa.Column("worker_id", sa.String(128), nullable=False),
        sa.Column("host_enterprise_id", sa.String(128), nullable=False, index=True),
        sa.Column("delivered_on", sa.Date, nullable=False),
        sa.Column("services", sa.String(200), nullable=False),
        sa.Column("workers_reached", sa.Integer, nullable=False),
        sa.Column("problems_solved", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("training_visits")
    op.drop_table("training_achievements")
    op.drop_table("training_apprentice_outcomes")
    op.drop_table("training_mentorships")
    op.drop_table("training_certificates")
    op.drop_table("training_failures")
    op.drop_table("training_attendances")
    op.drop_table("training_rosters")
    op.drop_table("training_classes")
    op.drop_table("training_courses")
    op.drop_table("training_schools")
    with op.batch_alter_table("training_learning_records") as table:
        table.drop_column("score")
        table.drop_column("class_id")
    with op.batch_alter_table("training_known_workers") as table:
        table.drop_column("city_titles")
        table.drop_column("tier")
        table.drop_column("level_since")
