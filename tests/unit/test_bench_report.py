"""The bench's pure parts: ratios, percentiles, the results document and its files (no timings)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bench.machine import cpu_model, memory_bytes
from bench.report import (
    GOALS,
    Goal,
    Measurement,
    build_results,
    format_value,
    goals_report,
    headlines,
    percentile,
    rate,
    ratio,
    result_file_name,
    write_results,
)
from bench.workload import shape_for, transaction_plan


def figure(key: str, value: float, unit: str = "events/s") -> Measurement:
    return Measurement(key=key, label=key, value=value, unit=unit, method="test", params={"n": 1})


# --- ratio, rate, percentile -------------------------------------------------------


def test_ratio_divides_figure_by_baseline() -> None:
    assert ratio(7_000.0, 10_000.0) == pytest.approx(0.7)


@pytest.mark.parametrize(
    ("value", "baseline"),
    [(None, 1.0), (1.0, None), (1.0, 0.0), (1.0, -5.0), (float("nan"), 1.0), (1.0, float("inf"))],
)
def test_ratio_is_none_without_a_usable_pair(value: float | None, baseline: float | None) -> None:
    assert ratio(value, baseline) is None


def test_rate_is_count_per_second_and_zero_for_empty_runs() -> None:
    assert rate(1_000, 0.5) == 2_000
    assert rate(0, 3.0) == 0.0
    assert rate(10, 0.0) == 0.0


def test_percentile_interpolates_like_numpy_linear() -> None:
    values = [15.0, 20.0, 35.0, 40.0, 50.0]
    assert percentile(values, 0) == 15.0
    assert percentile(values, 100) == 50.0
    assert percentile(values, 50) == 35.0
    assert percentile(values, 40) == pytest.approx(29.0)  # between 20 and 35
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0  # order of the input does not matter


def test_percentile_of_one_value_and_p99_of_a_hundred() -> None:
    assert percentile([42.0], 99) == 42.0
    assert percentile([float(v) for v in range(1, 101)], 99) == pytest.approx(99.01)


@pytest.mark.parametrize("q", [-1.0, 100.5])
def test_percentile_rejects_out_of_range(q: float) -> None:
    with pytest.raises(ValueError, match="within"):
        percentile([1.0], q)


def test_percentile_rejects_no_values() -> None:
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)


# --- goals and headlines -------------------------------------------------------------


def test_goals_compare_in_their_direction() -> None:
    at_least = Goal("x", ">=", 0.7)
    below = Goal("y", "<", 50)
    assert at_least.met(0.7) is True
    assert at_least.met(0.69) is False
    assert below.met(49.9) is True
    assert below.met(50) is False
    assert below.met(None) is None


def test_headlines_pair_each_figure_with_its_baseline() -> None:
    figures = {
        m.key: m
        for m in [
            figure("raw_produce", 100_000),
            figure("relay", 80_000),
            figure("raw_consume", 200_000),
            figure("projection", 50_000),
            figure("api_append", 3_000),
            figure("store_append", 4_000),
            figure("eventsourcing_append", 1_000),
            figure("projection_per_event", 5_000),
            figure("batch_import", 0.4, "s"),
            figure("replay", 18.0, "s"),
            figure("bulk_append", 60_000),
            figure("e2e_p50", 12.5, "ms"),
            figure("e2e_p99", 40.0, "ms"),
            figure("e2e_rate", 199.0, "commands/s"),
        ]
    }
    values = headlines(figures)
    assert values["relay_vs_raw_produce"] == pytest.approx(0.8)
    assert values["projection_vs_raw_consume"] == pytest.approx(0.25)
    assert values["api_append_vs_eventsourcing"] == pytest.approx(3.0)
    assert values["store_append_vs_eventsourcing"] == pytest.approx(4.0)
    assert values["projection_per_event_vs_raw_consume"] == pytest.approx(0.025)
    assert values["projection_events_per_s"] == 50_000
    assert values["projection_per_event_events_per_s"] == 5_000
    assert values["batch_import_1000_workers_s"] == 0.4
    assert values["replay_1m_events_s"] == 18.0
    assert values["bulk_append_events_per_s"] == 60_000
    assert values["e2e_p50_ms"] == 12.5
    assert values["e2e_p99_ms"] == 40.0
    assert values["e2e_rate_per_s"] == 199.0


def test_a_figure_without_its_baseline_has_no_ratio() -> None:
    values = headlines({"relay": figure("relay", 80_000)})
    assert values["relay_vs_raw_produce"] is None
    assert values["e2e_p99_ms"] is None


# --- the results document and its files ----------------------------------------------


def test_results_document_has_machine_figures_headlines_and_goals() -> None:
    results = build_results(
        machine={"cpu_count": 2},
        figures=[figure("raw_produce", 100_000), figure("relay", 65_000)],
        run={"events": 1},
    )
    assert results["machine"] == {"cpu_count": 2}
    assert results["figures"]["relay"]["value"] == 65_000
    assert results["figures"]["relay"]["unit"] == "events/s"
    assert results["figures"]["relay"]["params"] == {"n": 1}
    assert results["relay_vs_raw_produce"] == pytest.approx(0.65)
    assert results["goals"]["relay_vs_raw_produce"] == {"goal": ">= 0.85 x", "value": 0.65, "met": False}
    assert results["peak_rss_mb"] == {}
    assert set(results["goals"]) == {goal.key for goal in GOALS}
    json.dumps(results)  # serialisable as it is


def test_two_figures_with_one_key_are_refused() -> None:
    with pytest.raises(ValueError, match="share a key"):
        build_results(machine={}, figures=[figure("relay", 1), figure("relay", 2)], run={})


def test_result_file_name_is_utc_and_sortable() -> None:
    moment = datetime(2026, 11, 24, 12, 5, 9, tzinfo=timezone(timedelta(hours=8)))
    assert result_file_name(moment) == "20261124T040509Z.json"


def test_write_results_writes_latest_and_a_dated_copy(tmp_path: Path) -> None:
    results = build_results(machine={"python": "3.11"}, figures=[figure("bulk_append", 1234.5)], run={})
    moment = datetime(2026, 11, 24, 4, 5, 6, tzinfo=UTC)
    latest, dated = write_results(results, tmp_path / "results", moment)
    assert latest == tmp_path / "results" / "latest.json"
    assert dated == tmp_path / "results" / "20261124T040506Z.json"
    assert json.loads(latest.read_text()) == json.loads(dated.read_text()) == results
    assert not list((tmp_path / "results").glob("*.tmp"))


def test_write_results_replaces_latest(tmp_path: Path) -> None:
    first = build_results(machine={}, figures=[figure("bulk_append", 1)], run={})
    second = build_results(machine={}, figures=[figure("bulk_append", 2)], run={})
    write_results(first, tmp_path, datetime(2026, 1, 1, tzinfo=UTC))
    latest, _ = write_results(second, tmp_path, datetime(2026, 1, 2, tzinfo=UTC))
    assert json.loads(latest.read_text())["bulk_append_events_per_s"] == 2
    assert len(list(tmp_path.glob("2026*.json"))) == 2


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        (None, "ms", "—"),
        (0.4512, "x", "0.45x"),
        (12_345.6, "events/s", "12,346 events/s"),
        (12.34, "ms", "12.3 ms"),
    ],
)
def test_format_value(value: float | None, unit: str, shown: str) -> None:
    assert format_value(value, unit) == shown


# --- small pure helpers of the harness -----------------------------------------------


def test_machine_facts_parse_proc_files() -> None:
    assert cpu_model("processor\t: 0\nmodel name\t: AMD EPYC 7B13\n") == "AMD EPYC 7B13"
    assert memory_bytes("MemTotal:       24684116 kB\nMemFree: 1 kB\n") == 24684116 * 1024
    assert memory_bytes("nothing here") is None


def test_workload_shape_and_plan_cover_every_event_once_in_version_order() -> None:
    shape = shape_for(20_000)
    assert shape.total == 20_000
    assert shape.events_per_txn == 1_000
    plan = transaction_plan(shape)
    assert sum(s.count for txn in plan for s in txn.slices) == shape.total
    seen: dict[int, int] = {}
    for txn in plan:
        for s in txn.slices:
            assert s.first_version == seen.get(s.worker, 0) + 1  # contiguous, in order, per stream
            seen[s.worker] = s.first_version + s.count - 1
    assert set(seen.values()) == {shape.events_per_worker}


def test_workload_shape_rounds_small_counts_down_to_whole_slices() -> None:
    shape = shape_for(1_234)
    assert 0 < shape.total <= 1_234
    assert shape.total % shape.events_per_txn == 0


def test_a_city_scale_goal_is_judged_only_on_the_full_city() -> None:
    full = {"workers": 12_000, "database": "sqlite"}
    small = {"workers": 600, "database": "sqlite"}
    at_full = headlines({"demo_city_year_s": replace(figure("demo_city_year_s", 512.0, "s"), params=full)})
    scaled = headlines({"demo_city_year_s": replace(figure("demo_city_year_s", 40.0, "s"), params=small)})
    assert at_full["demo_city_year_s"] == 512.0
    assert scaled["demo_city_year_s"] is None  # 600 workers say nothing of the city's 10 minutes
    assert goals_report(at_full)["demo_city_year_s"]["met"] is True
    assert goals_report(scaled)["demo_city_year_s"]["met"] is None
