"""Errors the HTTP boundary turns into clear 4xx answers."""

from __future__ import annotations


class DomainRuleViolated(Exception):
    """A command breaks a business rule (answered 422 with the rule's words)."""


class NotFound(Exception):
    """The addressed aggregate or read model row does not exist (answered 404)."""


class AlreadyExists(Exception):
    """The command would create what exists already (answered 409)."""
