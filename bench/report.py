"""Turning measurements into the results document and the printed table (pure, no I/O but writing).

Every figure is a `Measurement`; ratios pair a figure with the baseline measured in
the same run. Nothing here measures anything.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from rich.table import Table


@dataclass(frozen=True)
class Measurement:
    """One raw figure: its value and unit, how it was obtained, and its parameters."""

    key: str
    label: str
    value: float
    unit: str
    method: str
    params: Mapping[str, Any] = field(default_factory=dict)
    detail: Mapping[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "value": self.value,
            "unit": self.unit,
            "method": self.method,
            "params": dict(self.params),
            **dict(self.detail),
        }


@dataclass(frozen=True)
class Ratio:
    """A headline ratio: figure / baseline, both measured in this run."""

    key: str
    label: str
    figure: str
    baseline: str


@dataclass(frozen=True)
class Goal:
    """A target (not a gate): the headline `key` compared with `threshold`."""

    key: str
    op: Literal[">=", "<"]
    threshold: float
    unit: str = ""

    def met(self, value: float | None) -> bool | None:
        if value is None:
            return None
        return value >= self.threshold if self.op == ">=" else value < self.threshold

    def describe(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        return f"{self.op} {self.threshold:g}{unit}"


RATIOS: tuple[Ratio, ...] = (
    Ratio("api_append_vs_eventsourcing", "API append / eventsourcing", "api_append", "eventsourcing_append"),
    Ratio(
        "store_append_vs_eventsourcing",
        "store append / eventsourcing",
        "store_append",
        "eventsourcing_append",
    ),
    Ratio(
        "sqlite_bulk_append_vs_eventsourcing",
        "bulk append on SQLite / eventsourcing on SQLite",
        "sqlite_bulk_append",
        "eventsourcing_sqlite_bulk",
    ),
    Ratio("relay_vs_raw_produce", "relay / raw produce", "relay", "raw_produce"),
    Ratio("relay_vs_chassis_produce", "relay / its own producer alone", "relay", "chassis_produce"),
    Ratio("projection_vs_raw_consume", "projection / raw consume", "projection", "raw_consume"),
    Ratio(
        "projection_per_event_vs_raw_consume",
        "per-event projection / raw consume",
        "projection_per_event",
        "raw_consume",
    ),
    Ratio(
        "projection_rounds_vs_raw_consume",
        "per-event writes in rounds / raw consume",
        "projection_rounds",
        "raw_consume",
    ),
    Ratio(
        "projection_rounds_vs_per_event",
        "per-event writes in rounds / one at a time",
        "projection_rounds",
        "projection_per_event",
    ),
    Ratio(
        "grant_policy_cached_vs_uncached",
        "grant policy with / without the aggregate cache",
        "grant_policy_cached",
        "grant_policy_uncached",
    ),
)

# Headline keys that copy one figure's value as it is.
HEADLINE_VALUES: Mapping[str, str] = {
    "projection_events_per_s": "projection",
    "projection_per_event_events_per_s": "projection_per_event",
    "projection_rounds_events_per_s": "projection_rounds",
    "bulk_append_events_per_s": "bulk_append",
    "batch_import_1000_workers_s": "batch_import",
    "e2e_p50_ms": "e2e_p50",
    "e2e_p99_ms": "e2e_p99",
    "e2e_rate_per_s": "e2e_rate",
    "replay_1m_events_s": "replay",
    "demo_city_year_s": "demo_city_year_s",
    "demo_city_year_events_per_s": "demo_city_year_events_per_s",
    "dashboard_page_p99_sqlite_ms": "dashboard_page_p99_sqlite",
    "dashboard_page_p99_postgres_ms": "dashboard_page_p99_postgres",
}

# Headlines whose goal speaks of the full city: a scaled-down run (`--events` below the full
# count) measures them with fewer workers, which says nothing of the goal, so they stay empty.
FULL_CITY_WORKERS = 12_000
AT_CITY_SCALE = frozenset(
    {
        "demo_city_year_s",
        "demo_city_year_events_per_s",
        "dashboard_page_p99_sqlite_ms",
        "dashboard_page_p99_postgres_ms",
    }
)

GOALS: tuple[Goal, ...] = (
    Goal("api_append_vs_eventsourcing", ">=", 1.5, "x"),
    Goal("store_append_vs_eventsourcing", ">=", 3.0, "x"),
    Goal("relay_vs_raw_produce", ">=", 0.85, "x"),
    Goal("projection_events_per_s", ">=", 50_000, "events/s"),
    Goal("projection_per_event_events_per_s", ">=", 5_000, "events/s"),
    Goal("bulk_append_events_per_s", ">=", 50_000, "events/s"),
    Goal("batch_import_1000_workers_s", "<", 1.0, "s"),
    Goal("e2e_p99_ms", "<", 50, "ms"),
    # The achieved rate counts to the last command's arrival, so 200/s offered shows as ~199/s.
    Goal("e2e_rate_per_s", ">=", 195, "commands/s"),
    Goal("replay_1m_events_s", "<", 20, "s"),
    Goal("demo_city_year_s", "<", 600, "s"),
    Goal("dashboard_page_p99_sqlite_ms", "<", 200, "ms"),
    Goal("dashboard_page_p99_postgres_ms", "<", 200, "ms"),
)


def ratio(value: float | None, baseline: float | None) -> float | None:
    """value / baseline, or None when either is missing or the baseline is not positive."""
    if value is None or baseline is None or not math.isfinite(value) or not math.isfinite(baseline):
        return None
    if baseline <= 0:
        return None
    return value / baseline


def rate(count: int, seconds: float) -> float:
    """Events per second; 0 for an empty or instantaneous run rather than a division error."""
    if count <= 0 or seconds <= 0:
        return 0.0
    return count / seconds


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) with linear interpolation between closest ranks (numpy's default)."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0..100, not {q}")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    fraction = position - below
    return ordered[below] + (ordered[above] - ordered[below]) * fraction


def headlines(figures: Mapping[str, Measurement]) -> dict[str, float | None]:
    """The headline numbers of the results document (None where a figure was not measured)."""
    out: dict[str, float | None] = {}
    for r in RATIOS:
        figure, baseline = figures.get(r.figure), figures.get(r.baseline)
        value = ratio(figure.value if figure else None, baseline.value if baseline else None)
        out[r.key] = None if value is None else round(value, 4)
    for key, source in HEADLINE_VALUES.items():
        found = figures.get(source)
        scaled_down = (
            found is not None and key in AT_CITY_SCALE and found.params.get("workers") != FULL_CITY_WORKERS
        )
        out[key] = None if found is None or scaled_down else round(found.value, 3)
    return out


def goals_report(values: Mapping[str, float | None]) -> dict[str, dict[str, Any]]:
    return {
        goal.key: {
            "goal": goal.describe(),
            "value": values.get(goal.key),
            "met": goal.met(values.get(goal.key)),
        }
        for goal in GOALS
    }


def build_results(
    *,
    machine: Mapping[str, Any],
    figures: Sequence[Measurement],
    run: Mapping[str, Any],
    peak_rss_mb: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """The results document: machine, every raw figure, then the headline numbers."""
    by_key = {m.key: m for m in figures}
    if len(by_key) != len(figures):
        shared = sorted({m.key for m in figures if sum(other.key == m.key for other in figures) > 1})
        raise ValueError(f"two measurements share a key: {shared}")
    values = headlines(by_key)
    return {
        "machine": dict(machine),
        "run": dict(run),
        "figures": {key: m.as_json() for key, m in by_key.items()},
        **values,
        "peak_rss_mb": dict(peak_rss_mb or {}),
        "goals": goals_report(values),
    }


def result_file_name(moment: datetime) -> str:
    """`20261124T041500Z.json`: sortable, UTC, no characters a file system dislikes."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ") + ".json"


def write_results(results: Mapping[str, Any], folder: Path, moment: datetime) -> tuple[Path, Path]:
    """Write `latest.json` and the dated copy (atomically: a reader never sees half a file)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n"
    dated = folder / result_file_name(moment)
    latest = folder / "latest.json"
    for path in (dated, latest):
        scratch = path.with_name(path.name + ".tmp")
        scratch.write_text(text, encoding="utf-8")
        scratch.replace(path)
    return latest, dated


def format_value(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    if unit == "x":
        return f"{value:.2f}x"
    magnitude = abs(value)
    text = f"{value:,.0f}" if magnitude >= 100 else f"{value:,.1f}" if magnitude >= 10 else f"{value:,.2f}"
    return f"{text} {unit}".rstrip()


TABLE_PARAMS = (
    "relay_batch_size",
    "batch_size",
    "max_records",
    "writers",
    "concurrency",
    "target_rate_per_s",
)


def figures_table(figures: Sequence[Measurement]) -> Table:
    table = Table(title="Figures (this run, this machine)", title_justify="left")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_column("n", justify="right")
    table.add_column("seconds", justify="right")
    table.add_column("key parameters")
    for m in figures:
        count, elapsed = m.detail.get("count"), m.detail.get("elapsed_s")
        params = ", ".join(f"{k}={m.params[k]}" for k in TABLE_PARAMS if k in m.params)
        table.add_row(
            m.label,
            format_value(m.value, m.unit),
            "" if count is None else f"{count:,}",
            "" if elapsed is None else f"{elapsed:.1f}",
            params,
        )
    return table


def headline_table(results: Mapping[str, Any]) -> Table:
    table = Table(title="Headline numbers against their goals", title_justify="left")
    table.add_column("headline")
    table.add_column("value", justify="right")
    table.add_column("goal", justify="right")
    table.add_column("met", justify="center")
    goals = {goal.key: goal for goal in GOALS}
    labels = {r.key: r.label for r in RATIOS}
    for key in [*labels, *HEADLINE_VALUES]:
        value = results.get(key)
        goal = goals.get(key)
        unit = "x" if key in labels else goal.unit if goal else ("ms" if key.endswith("_ms") else "")
        met = goal.met(value) if goal else None
        mark = "" if goal is None else "—" if met is None else "[green]met[/]" if met else "[red]not met[/]"
        table.add_row(labels.get(key, key), format_value(value, unit), goal.describe() if goal else "", mark)
    for service, megabytes in (results.get("peak_rss_mb") or {}).items():
        table.add_row(f"peak RSS {service}", format_value(megabytes, "MB"), "", "")
    return table
