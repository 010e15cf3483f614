"""The base of every event payload."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict


class Event(BaseModel):
    """A fact in the past tense, immutable and versioned.

    A subclass names its type and version in its class statement; the type
    defaults to the class name and the version to 1:

        class WorkerRegistered(Event, schema_version=2): ...
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str]
    schema_version: ClassVar[int]

    def __init_subclass__(
        cls, *, event_type: str | None = None, schema_version: int = 1, **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        if schema_version < 1:
            raise ValueError(f"{cls.__name__}: schema_version must be >= 1")
        cls.event_type = event_type or cls.__name__
        cls.schema_version = schema_version

    def partition_key(self) -> str | None:
        """The worker this fact is about, so all of one worker's facts share a partition."""
        if "worker_id" not in type(self).model_fields:
            return None
        worker_id = getattr(self, "worker_id", None)
        return None if worker_id is None else str(worker_id)
