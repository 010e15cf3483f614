"""The boundaries the design sets, checked on the source: services talk only through
`contracts` and `chassis`, never to each other, and never read the chassis tables themselves."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted(path.name for path in (ROOT / "services").iterdir() if (path / "__init__.py").exists())


def imports_of(package: Path) -> Iterator[tuple[Path, str]]:
    for source in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                yield from ((source, alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                yield source, node.module


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_imports_no_other_service(service: str) -> None:
    foreign = [
        f"{source.relative_to(ROOT)}: {module}"
        for source, module in imports_of(ROOT / "services" / service)
        if module.startswith("services.") and not module.startswith(f"services.{service}")
    ]
    assert foreign == []


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_reads_the_event_store_through_its_api_only(service: str) -> None:
    direct = [
        f"{source.relative_to(ROOT)}: {module}"
        for source, module in imports_of(ROOT / "services" / service)
        if module == "chassis.eventstore.schema"
    ]
    assert direct == []


def test_the_chassis_imports_no_service() -> None:
    assert [module for _, module in imports_of(ROOT / "chassis") if module.startswith("services")] == []
