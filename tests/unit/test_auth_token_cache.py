"""Verified bearer tokens are kept (a client sends the same one with every request), but
never past their expiry, and a token that does not verify is never kept."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from chassis.auth_tokens import CITY_UNION, Authenticator
from chassis.errors import Unauthenticated
from chassis.settings import ServiceSettings


def test_a_kept_token_still_expires() -> None:
    authenticator = Authenticator(ServiceSettings())
    token = authenticator.mint(CITY_UNION, lifetime=timedelta(seconds=1))
    assert authenticator.from_bearer(token) == CITY_UNION
    assert authenticator.from_bearer(token) == CITY_UNION  # kept
    time.sleep(2.1)  # exp has whole seconds
    with pytest.raises(Unauthenticated):
        authenticator.from_bearer(token)


def test_a_token_of_another_key_is_refused_every_time() -> None:
    ours, theirs = Authenticator(ServiceSettings()), Authenticator(ServiceSettings(auth_jwt_secret="x" * 40))
    token = theirs.mint(CITY_UNION)
    for _ in range(2):
        with pytest.raises(Unauthenticated):
            ours.from_bearer(token)
