"""The results export as CSV: the same rows as the JSON answer, in the ceremony's columns."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from fastapi import Response

from services.competitions.queries import ExportRow

COLUMNS = tuple(ExportRow.model_fields)


def as_csv(rows: Sequence[ExportRow], filename: str) -> Response:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(row.model_dump() for row in rows)
    return Response(
        content=buffer.getvalue().encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
