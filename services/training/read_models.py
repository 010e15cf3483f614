"""The training service's read models: the workers it knows, and their learning records."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, Float, MetaData, String, Table

metadata = MetaData()

# Projected from the registry's WorkerRegistered: who may complete a course here.
known_workers = Table(
    "training_known_workers",
    metadata,
    Column("worker_id", String(128), primary_key=True),
    Column("enterprise_id", String(128), nullable=False),
    Column("erased", Boolean, nullable=False, default=False),  # WorkerForgotten: no person to show
    Column("skill_level", String(32), nullable=False),
)

# One row per completed enrolment, projected from training's own TrainingCompleted.
learning_records = Table(
    "training_learning_records",
    metadata,
    Column("enrolment_id", String(128), primary_key=True),
    Column("event_id", String(36), nullable=False),
    Column("worker_id", String(128), nullable=False, index=True),
    Column("course_id", String(128), nullable=False),
    Column("course_title", String(200), nullable=False),
    Column("hours", Float, nullable=False),
    Column("completed_on", Date, nullable=False),
    Column("provider", String(200), nullable=False),
)
