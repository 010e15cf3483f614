"""The service image's Dockerfile, checked offline (no Docker engine here): parsed with
dockerfile-parse, then held to the rules ops teams rely on."""

from __future__ import annotations

import io
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

from dockerfile_parse import DockerfileParser

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
SERVICES = ("registry", "competitions", "training", "rewards")

Instruction = dict[str, Any]


def stages() -> list[list[Instruction]]:
    parser = DockerfileParser(fileobj=io.BytesIO(DOCKERFILE.read_bytes()))
    found: list[list[Instruction]] = []
    for instruction in parser.structure:
        if instruction["instruction"] == "FROM":
            found.append([])
        if found:
            found[-1].append(instruction)
    return found


def values(stage: list[Instruction], name: str) -> list[str]:
    return [str(instruction["value"]) for instruction in stage if instruction["instruction"] == name]


def test_the_image_is_built_in_stages_and_the_last_takes_only_the_build_result() -> None:
    build, runtime = stages()[-2:]
    assert len(stages()) >= 2
    assert values(build, "FROM")[0].endswith(" AS build")
    assert values(runtime, "FROM")[0].endswith(" AS runtime")
    copies = values(runtime, "COPY")
    assert copies and all(copy.startswith("--from=build") for copy in copies), copies
    assert not any("uv" in run.split() for run in values(runtime, "RUN")), (
        "no build tool in the runtime stage"
    )


def test_the_service_runs_as_a_user_who_is_not_root() -> None:
    users = values(stages()[-1], "USER")
    assert users, "the runtime stage sets no USER: it would run as root"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}
    assert not user.isdigit() or int(user) >= 1000


def test_dependencies_come_from_the_lock_file_without_dev_tools() -> None:
    build = stages()[-2]
    syncs = [run for run in values(build, "RUN") if "uv sync" in run]
    assert syncs
    for sync in syncs:
        arguments = shlex.split(sync[sync.index("uv sync") :])
        assert "--frozen" in arguments, "a build must install exactly what uv.lock says"
        assert "--no-dev" in arguments and "--no-group" in arguments and "bench" in arguments
    lock_copied = next(i for i, copy in enumerate(values(build, "COPY")) if "uv.lock" in copy)
    first_sync = next(i for i, ins in enumerate(build) if "uv sync" in str(ins["value"]))
    copy_of_lock = [i for i, ins in enumerate(build) if ins["instruction"] == "COPY"][lock_copied]
    assert copy_of_lock < first_sync


def test_the_service_is_chosen_by_build_argument_or_at_run_time() -> None:
    runtime = stages()[-1]
    assert any(arg.startswith("SERVICE=") for arg in values(runtime, "ARG"))
    assert any("CRAFTSMAN_SERVICE=${SERVICE}" in env for env in values(runtime, "ENV"))
    entrypoint = values(runtime, "ENTRYPOINT")[-1]
    assert 'python -m \\"services.${CRAFTSMAN_SERVICE}\\"' in entrypoint
    assert values(runtime, "CMD")[-1] == '["serve"]'
    for service in SERVICES:
        assert (ROOT / "services" / service / "__main__.py").is_file()


def test_a_health_check_probes_the_health_endpoint() -> None:
    healthchecks = values(stages()[-1], "HEALTHCHECK")
    assert healthchecks and "/health" in healthchecks[-1]
    exposed = values(stages()[-1], "EXPOSE")
    assert exposed == ["8000"]
    assert any("CRAFTSMAN_HTTP_PORT=8000" in env for env in values(stages()[-1], "ENV"))


def dockerignore_admits(relative: str) -> bool:
    """Whether the build context holds `relative` (the last matching line decides, as Docker does)."""
    admitted = False
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        negated, pattern = line.startswith("!"), line.lstrip("!")
        regex = re.escape(pattern.rstrip("/")).replace(r"\*\*", ".*").replace(r"\*", "[^/]*")
        if re.fullmatch(regex + ("(/.*)?" if pattern.endswith("/") or "**" in pattern else ""), relative):
            admitted = negated
    return admitted


def test_the_build_context_holds_the_code_the_image_needs_and_no_state() -> None:
    assert [copy for copy in values(stages()[-2], "COPY") if copy.startswith(". ")] == [". ."]
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    members = pyproject["tool"]["uv"]["workspace"]["members"]
    needed = ["pyproject.toml", "uv.lock", "deploy/__init__.py", "deploy/kafka_access.py"]
    needed += [f"{package}/__init__.py" for package in [*packages, *members]]
    assert all(dockerignore_admits(path) for path in needed), [
        p for p in needed if not dockerignore_admits(p)
    ]
    for kept_out in (
        ".local/infra.env",
        ".venv/bin/python",
        "chassis/__pycache__/x.pyc",
        "tests/conftest.py",
    ):
        assert not dockerignore_admits(kept_out), kept_out
    for copy in values(stages()[-2], "COPY"):
        *sources, _target = copy.split()
        assert all(
            list(ROOT.glob(source)) if "*" in source else (ROOT / source).exists() for source in sources
        )
