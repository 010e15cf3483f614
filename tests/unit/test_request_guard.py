"""Where the guard finds a NUL character (pure: a scope and a body in, a field out)."""

from __future__ import annotations

from typing import Any

import pytest

from chassis.boundary import nul_in_request


def scope(path: str = "/x", query: bytes = b"", headers: list[tuple[bytes, bytes]] | None = None) -> Any:
    return {"type": "http", "path": path, "query_string": query, "headers": headers or []}


@pytest.mark.parametrize(
    ("request_scope", "body", "where"),
    [
        (scope(), b'{"a": "ok", "b": ["x", {"c": "n\\u0000"}]}', "body.b.1.c"),
        (scope(), b'{"k\\u0000": 1}', "body.k"),
        (scope(), b"\x00not json", "body"),
        (scope("/w\x00"), b"", "path"),
        (scope(query=b"q=a%00b&r=1"), b"", "query.q"),
        (scope(headers=[(b"x-note", b"a\x00")]), b"", "header.x-note"),
        # an escaped backslash followed by "u0000" is six ordinary characters, not a NUL
        (scope(), b'{"a": "\\\\u0000"}', None),
        (scope(query=b"q=%2500"), b"", None),
        (scope(), b'{"a": "fine"}', None),
    ],
)
def test_nul_is_found_where_it_is(request_scope: Any, body: bytes, where: str | None) -> None:
    assert nul_in_request(request_scope, body) == where
