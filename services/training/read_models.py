"""The training service's read models: the workers it knows, and their learning records."""

from __future__ import annotations

from sqlalchemy import Column, Date, Float, MetaData, String, Table

from chassis.known_workers import known_workers_table

metadata = MetaData()

# Projected from the registry's WorkerRegistered: who may complete a course here.
known_workers = known_workers_table("training_known_workers", metadata, skill_level=True)

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
