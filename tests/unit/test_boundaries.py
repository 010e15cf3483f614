"""The layers stay apart: the chassis knows no service, services talk only through
`contracts` and `chassis` (never to each other, never to the chassis tables), and test
infrastructure stays out of what the services install and import."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from importlib.metadata import requires
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RUNTIME_PACKAGES = ("chassis", "services", "contracts/contracts")
# Events that belong to one producing service; the chassis may know the base only.
SERVICE_EVENT_MODULES = ("registry", "competitions", "training", "rewards", "legacy")
TEST_ONLY = ("testcontainers", "docker", "deploy", "tests", "pytest")


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at its top or inside a function (lazy imports count)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def runtime_files() -> list[Path]:
    files = [path for package in RUNTIME_PACKAGES for path in (REPO / package).rglob("*.py")]
    assert len(files) > 50, "the runtime packages were found"
    return files


def test_the_chassis_imports_no_service_and_no_service_event() -> None:
    forbidden = ("services", *(f"contracts.events.{module}" for module in SERVICE_EVENT_MODULES))
    offenders = {
        f"{path.relative_to(REPO)}: {name}"
        for path in (REPO / "chassis").rglob("*.py")
        for name in imported_modules(path)
        if any(name == prefix or name.startswith(prefix + ".") for prefix in forbidden)
    }
    assert not offenders, offenders


def test_no_runtime_module_imports_test_infrastructure_even_lazily() -> None:
    offenders = {
        f"{path.relative_to(REPO)}: {name}"
        for path in runtime_files()
        for name in imported_modules(path)
        if name.split(".")[0] in TEST_ONLY
    }
    assert not offenders, offenders


def test_importing_every_runtime_module_loads_no_test_infrastructure() -> None:
    program = """
import importlib, json, pkgutil, sys
import chassis, contracts, services
names = []
for package in (chassis, contracts, services):
    for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if module.name.endswith("__main__") or ".migrations" in module.name:
            continue  # a command line runs rather than imports; Alembic runs migration scripts
        importlib.import_module(module.name)
        names.append(module.name)
print(json.dumps({"imported": names, "loaded": sorted(sys.modules)}))
"""
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=False, cwd=REPO
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert "chassis.service" in report["imported"] and "services.rewards.projections" in report["imported"]
    loaded_test_only = [name for name in report["loaded"] if name.split(".")[0] in TEST_ONLY]
    assert not loaded_test_only, loaded_test_only


def test_testcontainers_is_not_a_dependency_of_the_installed_services() -> None:
    runtime = [
        requirement for requirement in requires("craftsman-platform") or [] if "extra ==" not in requirement
    ]
    assert runtime, "the platform's requirements were read"
    assert not [requirement for requirement in runtime if requirement.startswith("testcontainers")]


SERVICES = sorted(path.name for path in (REPO / "services").iterdir() if (path / "__init__.py").exists())


def service_imports(service: str) -> set[tuple[str, str]]:
    return {
        (str(path.relative_to(REPO)), name)
        for path in (REPO / "services" / service).rglob("*.py")
        for name in imported_modules(path)
    }


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_imports_no_other_service(service: str) -> None:
    foreign = {
        (path, name)
        for path, name in service_imports(service)
        if name.startswith("services.") and not name.startswith(f"services.{service}")
    }
    assert not foreign, foreign


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_reads_the_event_store_through_its_api_only(service: str) -> None:
    direct = {
        (path, name)
        for path, name in service_imports(service)
        if name.startswith("chassis.eventstore.schema")
    }
    assert not direct, direct
