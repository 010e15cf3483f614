"""Every way a record can break the contract, each with a machine-readable reason."""

from __future__ import annotations

from typing import ClassVar


class ContractError(Exception):
    """A record that this reader cannot turn into a current event.

    `reason` is a short stable code (for dead-letter headers and metrics);
    `message` is for people.
    """

    reason: ClassVar[str] = "contract_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def as_dict(self) -> dict[str, str]:
        return {"reason": self.reason, "message": self.message}


class MalformedEvent(ContractError):
    """The bytes are not JSON, or the JSON is not a valid envelope."""

    reason: ClassVar[str] = "malformed"


class UnknownEventType(ContractError):
    reason: ClassVar[str] = "unknown_event_type"

    def __init__(self, event_type: str) -> None:
        super().__init__(f"unknown event type {event_type!r}")
        self.event_type = event_type


class FutureSchemaVersion(ContractError):
    """The record was written by a newer producer; upgrade this reader's contracts."""

    reason: ClassVar[str] = "future_schema_version"

    def __init__(self, event_type: str, schema_version: int, known_version: int) -> None:
        super().__init__(
            f"{event_type} v{schema_version} is newer than the v{known_version} this reader knows"
        )
        self.event_type = event_type
        self.schema_version = schema_version
        self.known_version = known_version


class InvalidPayload(ContractError):
    reason: ClassVar[str] = "invalid_payload"

    def __init__(self, event_type: str, schema_version: int, detail: str) -> None:
        super().__init__(f"invalid {event_type} v{schema_version} payload: {detail}")
        self.event_type = event_type
        self.schema_version = schema_version
        self.detail = detail


class MissingUpcaster(ContractError):
    reason: ClassVar[str] = "missing_upcaster"

    def __init__(self, event_type: str, from_version: int) -> None:
        super().__init__(f"no upcaster lifts {event_type} from v{from_version}")
        self.event_type = event_type
        self.from_version = from_version
