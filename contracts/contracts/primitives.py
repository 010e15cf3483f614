"""Constrained field types shared by the event payloads."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StringConstraints

IDENTIFIER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$"
"""One explicit character class, so that every validator agrees (`^\\S+$` let U+001C to U+001F
through in pydantic and ECMA regexes but not in Python's jsonschema)."""

# Python's `re.search` (the `jsonschema` package) lets `$` match before a final newline
# (python-jsonschema/jsonschema#576); "no newline anywhere" says it to every validator
# without a lookahead (which RE2-based validators lack).
_NO_NEWLINE: dict[str, Any] = {"not": {"pattern": "\n"}}

Identifier = Annotated[
    str,
    StringConstraints(min_length=1, max_length=128, pattern=IDENTIFIER_PATTERN),
    Field(json_schema_extra=_NO_NEWLINE),
]
"""An id from the owning system: ASCII letters and digits, then also . _ : @ -; at most 128."""

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
"""A short human label (a person, a course, a trade)."""

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
"""A free-text reason, comment or summary."""

Slug = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_.-]*$")]
"""A lower-case code such as a points category."""

RawScore = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
"""A contest mark out of 100."""

StandardisedScore = Annotated[int, Field(ge=0, le=1000)]
"""The WorldSkills 700-scale score."""

Count = Annotated[int, Field(ge=0)]

Hours = Annotated[float, Field(gt=0, le=10_000, allow_inf_nan=False)]

_CENT = Decimal("0.01")


def _to_cents(value: Decimal) -> Decimal:
    # One canonical spelling per amount ("30000.00", never "3E+4"), so a payload
    # re-serialised by any reader stays byte-identical.
    return value.quantize(_CENT)


Money = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2), AfterValidator(_to_cents)]
"""A positive amount in yuan with fen precision; serialised as a JSON string."""

Points = Annotated[Decimal, Field(gt=0, max_digits=8, decimal_places=2), AfterValidator(_to_cents)]
"""A positive number of 4+X points (half points exist, e.g. per extra apprentice)."""

Currency = Literal["CNY"]
