"""The service image's Dockerfile, checked offline (no Docker engine here): parsed with
dockerfile-parse, then held to the rules ops teams rely on."""

from __future__ import annotations

import io
import re
import shlex
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


def test_everything_copied_exists_and_passes_the_dockerignore() -> None:
    ignore = [line for line in (ROOT / ".dockerignore").read_text().splitlines() if line and line[0] != "#"]
    assert ignore[0] == "**", "the build context starts empty and lists what it takes"
    # "!dir/" lets in the folder and all below it; "*" stays within one path segment
    allowed = [
        re.escape(line[1:]).replace(r"\*", "[^/]*") + (".*" if line.endswith("/") else "")
        for line in ignore
        if line.startswith("!")
    ]
    for copy in values(stages()[-2], "COPY"):
        *sources, _target = copy.split()
        for source in sources:
            matches = list(ROOT.glob(source.rstrip("/")))
            assert matches, f"{source} is not in the repository"
            for match in matches:
                relative = match.relative_to(ROOT).as_posix() + ("/" if match.is_dir() else "")
                assert any(re.fullmatch(pattern, relative) for pattern in allowed), relative
