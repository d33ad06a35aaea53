"""Readers: every format reads, and every kind of bad input gets a clear error naming the file."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from firebreak.errors import InputError
from firebreak.signals.readers import read_telemetry
from firebreak.signals.schema import Events

FIXTURES = Path(__file__).parent / "fixtures"
T0 = 1793610000.0  # 2026-11-02T09:00:00Z


def label(events: Events, name: str) -> list[str | None]:
    return [events.labels[name].value(i) for i in range(len(events))]


def test_jsonl_reads_events_sorted_and_a_status_page() -> None:
    data = read_telemetry(FIXTURES / "calls.jsonl")
    ev = data.events
    assert ev.time.tolist() == [T0 + 1, T0 + 2, T0 + 3]  # unsorted input is sorted
    assert label(ev, "provider") == ["openai", "anthropic", "openai"]
    assert ev.error.tolist() == [False, False, True]
    assert label(ev, "error_type") == [None, None, "429"]  # a JSON number reads as the code
    assert math.isnan(ev.numbers["cost_usd"][0]) and ev.numbers["cost_usd"][1] == 0.01
    assert ev.refusal[0] == 0.0 and math.isnan(ev.refusal[1])
    assert data.status.rows() == [(T0, "openai", 2.0)]  # worst component: partial_outage


def test_prices_fill_absent_costs_only() -> None:
    ev = read_telemetry(FIXTURES / "calls.jsonl", FIXTURES / "prices.yaml").events
    assert ev.numbers["cost_usd"][0] == pytest.approx((500 * 2.0 + 200 * 8.0) / 1e6)
    assert ev.numbers["cost_usd"][1] == 0.01  # given: kept
    assert ev.numbers["cost_usd"][2] == pytest.approx(500 * 2.0 / 1e6)  # no output tokens


def test_csv_reads_with_empty_cells_as_absent() -> None:
    ev = read_telemetry(FIXTURES / "calls.csv").events
    assert len(ev) == 3
    assert label(ev, "error_type") == [None, "timeout", None]
    assert ev.refusal.tolist()[0] == 0.0 and ev.refusal.tolist()[2] == 1.0
    assert math.isnan(ev.numbers["quality"][1])
    assert ev.time[1] == ev.time[2]  # equal timestamps are kept: two calls may end together


def test_parquet_roundtrip(tmp_path: Path) -> None:
    from firebreak.signals.writers import write_parquet

    ev = read_telemetry(FIXTURES / "calls.csv").events
    write_parquet(tmp_path / "calls.parquet", ev)
    back = read_telemetry(tmp_path / "calls.parquet").events
    assert back.time.tolist() == ev.time.tolist()
    assert label(back, "session") == label(ev, "session")
    assert np.array_equal(back.numbers["latency_s"], ev.numbers["latency_s"], equal_nan=True)


def test_otlp_spans_accept_both_provider_attributes() -> None:
    ev = read_telemetry(FIXTURES / "otlp_traces.json").events
    assert len(ev) == 2  # the HTTP span without gen_ai attributes is not a model call
    assert label(ev, "provider") == ["openai", "anthropic"]
    assert label(ev, "service") == ["chat-api", "chat-api"]
    assert ev.numbers["latency_s"].tolist() == pytest.approx([1.5, 30.0])
    assert ev.error.tolist() == [False, True] and label(ev, "error_type")[1] == "timeout"
    assert ev.numbers["input_tokens"][0] == 120


def test_otlp_metrics_become_calls_with_bucket_latencies() -> None:
    ev = read_telemetry(FIXTURES / "otlp_metrics.json").events
    assert len(ev) == 3
    assert sorted(ev.numbers["latency_s"].tolist()) == [1.25, 1.25, 2.0]
    assert ev.numbers["input_tokens"].tolist() == [100.0, 100.0, 100.0]


def test_statuspage_summary_json() -> None:
    data = read_telemetry(FIXTURES / "summary.json")
    assert data.status.rows() == [(T0 + 300, "anthropic", 3.0)]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


HEADER = "time,service,provider,model,status"


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("a.csv", "", "empty file"),
        ("a.jsonl", "\n\n", "no events"),
        ("a.csv", f"{HEADER}\n", "no rows"),
        (
            "a.csv",
            "timestamp,service,provider,model,status\nx,a,b,c,ok\n",
            "missing required column 'time'",
        ),
        (
            "a.csv",
            f"{HEADER},latncy_s\n2026-11-02T09:00:00Z,a,b,c,ok,1\n",
            "did you mean 'latency_s'",
        ),
        (
            "a.csv",
            f"{HEADER},latency_s\n2026-11-02T09:00:00Z,a,b,c,ok,fast\n",
            "'latency_s': 'fast' is not a number",
        ),
        ("a.csv", f"{HEADER}\nyesterday,a,b,c,ok\n", "'yesterday' is not a timestamp"),
        ("a.csv", f"{HEADER}\nNaN,a,b,c,ok\n", "is not a timestamp"),
        ("a.csv", f"{HEADER}\n2026-11-02T09:00:00Z,a,b,c,maybe\n", "not 'ok' or 'error'"),
        ("a.csv", f"{HEADER},quality\n2026-11-02T09:00:00Z,a,b,c,ok,1.5\n", "out of range"),
        ("a.jsonl", '{"time": 1, "service": "a"\n', "not valid JSON"),
        ("a.txt", "hello", "unknown telemetry format"),
        ("a.json", '{"hello": 1}', "unrecognised JSON"),
    ],
)
def test_bad_input_is_a_clear_error(tmp_path: Path, name: str, text: str, expected: str) -> None:
    path = write(tmp_path, name, text)
    with pytest.raises(InputError) as info:
        read_telemetry(path)
    assert expected in str(info.value)
    assert str(path) in str(info.value)


def test_bad_row_is_located_by_line(tmp_path: Path) -> None:
    text = f"{HEADER},latency_s\n2026-11-02T09:00:00Z,a,b,c,ok,1\n2026-11-02T09:00:01Z,a,b,c,ok,x\n"
    with pytest.raises(InputError) as info:
        read_telemetry(write(tmp_path, "a.csv", text))
    assert info.value.location is not None and info.value.location.line == 3


def test_nan_in_an_optional_number_means_absent(tmp_path: Path) -> None:
    text = f"{HEADER},latency_s\n2026-11-02T09:00:00Z,a,b,c,ok,NaN\n"
    ev = read_telemetry(write(tmp_path, "a.csv", text)).events
    assert math.isnan(ev.numbers["latency_s"][0])


def test_truncated_parquet(tmp_path: Path) -> None:
    from firebreak.signals.writers import write_parquet

    ev = read_telemetry(FIXTURES / "calls.csv").events
    whole = tmp_path / "whole.parquet"
    write_parquet(whole, ev)
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(InputError, match="not a readable Parquet file"):
        read_telemetry(cut)


def test_bad_prices_file(tmp_path: Path) -> None:
    prices = write(tmp_path, "prices.yaml", "openai:\n  gpt-4.1: {input: cheap, output: 1}\n")
    with pytest.raises(InputError, match=r"gpt-4\.1\.input: expected a number"):
        read_telemetry(FIXTURES / "calls.jsonl", prices)


def test_fast_and_row_by_row_jsonl_paths_agree(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from firebreak.signals import readers
    from firebreak.signals.generate import Fault, TrafficGenerator
    from firebreak.signals.writers import write_jsonl

    start = datetime(2026, 11, 2, 9, tzinfo=UTC)
    gen = TrafficGenerator(seed=3, faults=[Fault("provider_errors", start, provider="openai")])
    path = tmp_path / "calls.jsonl"
    end = start + timedelta(minutes=20)
    write_jsonl(path, gen.events(start, end), [s for _, s in gen.status(start, end)])
    fast = readers._fast_jsonl(path, "calls.jsonl")
    slow = readers._slow_jsonl(path, "calls.jsonl")
    assert fast is not None
    a, b = fast.events, slow.events
    assert np.array_equal(a.time, b.time) and np.array_equal(a.error, b.error)
    for name in a.labels:
        assert label(a, name) == label(b, name), name
    for name in a.numbers:
        assert np.array_equal(a.numbers[name], b.numbers[name], equal_nan=True), name
    assert np.array_equal(a.refusal, b.refusal, equal_nan=True)
    assert fast.status.rows() == slow.status.rows() and len(fast.status) > 0
