"""Errors the HTTP boundary turns into clear 4xx answers, and the one shape they take.

Every 4xx (and the rare 5xx) a service answers is `{"error": {"code", "message", "rule"?,
"field"?}}`, whether it comes from the domain, FastAPI's request validation, routing,
the body limit or the caller check: an integrator parses one shape.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

MAX_MESSAGE_CHARS = 300
"""An error never echoes more than this much of what it describes (a 50 MB body is not
repeated back)."""


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(description="Stable machine-readable reason, e.g. not_found, rule_violated")
    message: str = Field(description="What went wrong, for people; at most a short excerpt of the input")
    rule: str | None = Field(default=None, description="The business rule that refused the command")
    field: str | None = Field(default=None, description="Where in the request, e.g. body.worker_id")


class ErrorAnswer(BaseModel):
    """The one error shape of every service."""

    model_config = ConfigDict(extra="forbid")

    error: ErrorDetail


def short(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def error_body(
    code: str, message: str, *, rule: str | None = None, field: str | None = None
) -> dict[str, Any]:
    detail = ErrorDetail(code=code, message=short(message), rule=rule, field=field)
    return ErrorAnswer(error=detail).model_dump(exclude_none=True)


class DomainRuleViolated(Exception):
    """A command breaks a business rule (answered 422 with the rule's words)."""

    def __init__(self, message: str, *, rule: str | None = None) -> None:
        super().__init__(message)
        self.rule = rule


class NotFound(Exception):
    """The addressed aggregate or read model row does not exist (answered 404)."""


class AlreadyExists(Exception):
    """The command would create what exists already (answered 409)."""


class IdempotencyKeyReused(Exception):
    """The Idempotency-Key was used before for a different request (answered 422)."""


class Unauthenticated(Exception):
    """No principal, or one whose credentials do not verify (answered 401)."""


class Forbidden(Exception):
    """The principal may not do this here (answered 403)."""
