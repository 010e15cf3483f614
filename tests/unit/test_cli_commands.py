"""The `craftsman` command's pure parts: merge patches, which groups are a service's, the
commands it offers, and `craftsman demo` playing what `make demo` plays."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

import demo.__main__
from ops.cli import app
from ops.dlq import DeadLetterError, merge_patch, patched
from ops.lag import service_of

SERVICES = ("registry", "training", "competitions", "rewards")


@pytest.mark.parametrize(
    ("target", "patch", "merged"),
    [  # RFC 7386, appendix A
        ({"a": "b"}, {"a": "c"}, {"a": "c"}),
        ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
        ({"a": "b"}, {"a": None}, {}),
        ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
        ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
        ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
        ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
        (["a", "b"], ["c", "d"], ["c", "d"]),
        ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
        ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
    ],
)
def test_merge_patch(target: Any, patch: Any, merged: Any) -> None:
    assert merge_patch(target, patch) == merged


def test_a_patch_of_a_value_that_is_not_json_is_refused() -> None:
    with pytest.raises(DeadLetterError, match="not JSON"):
        patched(b'{"event_id": "cut he', {"payload": {}})


@pytest.mark.parametrize(
    ("group", "prefix", "service"),
    [
        ("training.workers", "", "training"),
        ("demo-0102.rewards.ledger", "demo-0102.", "rewards"),
        ("demo-0102.rewards.ledger", "", None),  # another run's group
        ("bench.x.projection", "", None),
        ("ent-acme.reader", "", None),
    ],
)
def test_which_groups_are_a_services(group: str, prefix: str, service: str | None) -> None:
    assert service_of(group, prefix, SERVICES) == service


def test_the_command_offers_every_operation() -> None:
    shown = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0
    for command in ("rebuild", "dlq", "lag", "schema", "demo"):
        assert command in shown.output
    dlq = CliRunner().invoke(app, ["dlq", "--help"], env={"COLUMNS": "200"})
    for command in ("list", "show", "replay", "discard"):
        assert command in dlq.output


@pytest.mark.parametrize("exit_code", [0, 1])
def test_demo_plays_what_make_demo_plays(monkeypatch: pytest.MonkeyPatch, exit_code: int) -> None:
    played: list[bool] = []

    def play() -> int:
        played.append(True)
        return exit_code

    monkeypatch.setattr(demo.__main__, "main", play)
    ran = CliRunner().invoke(app, ["demo"])
    assert played == [True]
    assert ran.exit_code == exit_code
