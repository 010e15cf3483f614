"""What the image runs must be installed in the image: the image installs the project's
runtime dependencies only (deploy/Dockerfile, no dev group), and compose's topic-init job
runs deploy/topics.py and deploy/kafka_access.py in it."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUN_IN_THE_IMAGE = ("deploy/topics.py", "deploy/kafka_access.py")


def imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    found |= {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0
    }
    return found


def normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@pytest.mark.parametrize("module", RUN_IN_THE_IMAGE)
def test_third_party_imports_of_the_image_jobs_are_runtime_dependencies(module: str) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = {
        normalised(re.split(r"[<>=!~\[ ;]", dependency, maxsplit=1)[0])
        for dependency in project["dependencies"]
    }
    distributions = packages_distributions()
    ours = {"chassis", "contracts", "services", "deploy", "ops", "demo", "bench", "tests"}
    third_party = {
        name for name in imported(ROOT / module) if name not in ours and name not in sys.stdlib_module_names
    }
    missing = {
        name: distributions.get(name, [name])
        for name in third_party
        if not any(normalised(dist) in runtime for dist in distributions.get(name, [name]))
    }
    assert not missing, f"{module} imports these, which the image does not install: {missing}"
