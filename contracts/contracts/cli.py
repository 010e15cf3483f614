"""`craftsman-contracts`: write schema documents and golden samples, check records."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from contracts.catalog import parse_record
from contracts.errors import ContractError
from contracts.samples import golden_envelopes
from contracts.schemas import ASYNCAPI_FILE, asyncapi_document, schema_files


def _dump(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write_schemas(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    documents = {**schema_files(), ASYNCAPI_FILE: asyncapi_document()}
    written = []
    for name, document in documents.items():
        path = out / name
        path.write_text(_dump(document), encoding="utf-8")
        written.append(path)
    return written


def write_golden(out: Path, *, overwrite: bool) -> tuple[list[Path], list[Path]]:
    """Write missing golden samples; existing ones are kept unless `overwrite`.

    A committed golden file records what a version looked like when it shipped,
    so regenerating must not silently rewrite it.
    """
    out.mkdir(parents=True, exist_ok=True)
    written, kept = [], []
    for name, envelope in golden_envelopes().items():
        path = out / name
        if path.exists() and not overwrite:
            kept.append(path)
            continue
        path.write_text(_dump(envelope.model_dump(mode="json")), encoding="utf-8")
        written.append(path)
    return written, kept


def check_files(paths: Sequence[Path]) -> int:
    """Decode each file as one record value; report each, fail if any is broken."""
    failures = 0
    for path in paths:
        try:
            envelope, _ = parse_record(path.read_bytes())
        except ContractError as error:
            failures += 1
            print(f"FAIL {path}: [{error.reason}] {error.message}")
        else:
            print(f"ok   {path}: {envelope.event_type} v{envelope.schema_version}")
    return 1 if failures else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="craftsman-contracts", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    schemas = commands.add_parser("schemas", help="write JSON Schemas and asyncapi.json")
    schemas.add_argument("--out", type=Path, required=True, help="output directory")

    golden = commands.add_parser("golden", help="write a golden envelope per event version")
    golden.add_argument("--out", type=Path, required=True, help="output directory")
    golden.add_argument("--overwrite", action="store_true", help="rewrite existing files")

    check = commands.add_parser("check", help="decode record values stored as JSON files")
    check.add_argument("files", type=Path, nargs="+")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "schemas":
        written = write_schemas(args.out)
        print(f"wrote {len(written)} documents to {args.out}")
        return 0
    if args.command == "golden":
        written, kept = write_golden(args.out, overwrite=args.overwrite)
        print(f"wrote {len(written)} golden samples to {args.out}, kept {len(kept)} existing")
        return 0
    return check_files(args.files)


if __name__ == "__main__":
    sys.exit(main())
