"""python -m deploy.k8s generate | build OVERLAY (see deploy/k8s/__init__.py)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import yaml

from deploy.k8s import kustomize, manifests


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.k8s", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("generate", help="rewrite the generated per-service manifests")
    build = commands.add_parser("build", help="render an overlay (local, production) to stdout")
    build.add_argument("overlay")
    args = parser.parse_args(argv)
    if args.command == "generate":
        for path in manifests.generate():
            print(f"wrote {path.relative_to(manifests.K8S.parent.parent)}")
        return 0
    objects = kustomize.build(manifests.K8S / "overlays" / args.overlay)
    sys.stdout.write(yaml.safe_dump_all(objects, sort_keys=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
