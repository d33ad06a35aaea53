"""The commands as a user runs them: `python -m firebreak detect|backtest|signals …`."""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # starts firebreak or a server


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "firebreak", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def series(path: Path, values: list[float], shuffle: bool = False) -> Path:
    start = datetime(2026, 11, 2, tzinfo=UTC)
    rows = [
        ((start + timedelta(minutes=i)).isoformat().replace("+00:00", "Z"), v)
        for i, v in enumerate(values)
    ]
    if shuffle:
        rows = rows[1::2] + rows[0::2]
    path.write_text("timestamp,value\n" + "".join(f"{t},{v}\n" for t, v in rows))
    return path


def read(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_detect_threshold_with_for(tmp_path: Path) -> None:
    values = [0.0, 0.1, 0.1, 0.1, 0.0, 0.1, 0.1, 0.1, 0.1]
    out = run(
        "detect",
        "--input",
        str(series(tmp_path / "s.csv", values)),
        "--kind",
        "threshold",
        "--above",
        "0.05",
        "--for",
        "2m",
    )
    assert out.returncode == 0, out.stderr
    rows = read(out.stdout)
    assert list(rows[0]) == ["timestamp", "value", "score", "alarm"]
    assert [r["alarm"] for r in rows] == ["0", "0", "0", "1", "0", "0", "0", "1", "1"]
    assert all(float(r["score"]) >= 0 for r in rows)


def test_detect_anomaly_keeps_input_order_and_flags_one_incident(tmp_path: Path) -> None:
    values = [50 + 3 * math.sin(i / 7) + (i % 5) * 0.4 for i in range(600)]
    for i in range(400, 420):
        values[i] += 40
    path = series(tmp_path / "s.csv", values, shuffle=True)
    result = tmp_path / "out.csv"
    out = run("detect", "--input", str(path), "--output", str(result))
    assert out.returncode == 0, out.stderr
    given = read(path.read_text())
    rows = read(result.read_text())
    assert [r["timestamp"] for r in rows] == [r["timestamp"] for r in given]  # input order
    alarmed = sorted(r["timestamp"] for r in rows if r["alarm"] == "1")
    # the alarm starts with the spike and holds until its 12-row mean has settled and 12 quiet
    # rows have passed: one page, ended within the hour
    assert alarmed and alarmed[0] >= "2026-11-02T06:40" and alarmed[-1] < "2026-11-02T07:40"
    stamps = [datetime.fromisoformat(t) for t in alarmed]
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert all(g == timedelta(minutes=1) for g in gaps)  # one run of alarms, not a burst


def test_detect_change_on_a_step(tmp_path: Path) -> None:
    values = [0.85 + 0.003 * ((i * 7) % 5) for i in range(300)] + [0.7] * 60
    out = run("detect", "--input", str(series(tmp_path / "s.csv", values)), "--kind", "change")
    assert out.returncode == 0, out.stderr
    alarms = [int(r["alarm"]) for r in read(out.stdout)]
    assert sum(alarms[:300]) == 0 and sum(alarms[300:]) > 30


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty file"),
        ("time,value\n1,2\n", "expected columns timestamp,value"),
        ("timestamp,value\n2026-11-02T00:00:00Z,abc\n", "'abc' is not a number"),
    ],
)
def test_detect_bad_input(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text)
    out = run("detect", "--input", str(path))
    assert out.returncode == 2
    assert message in out.stderr and str(path) in out.stderr
    assert "Traceback" not in out.stderr


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    out = run("init", str(tmp_path / "demo"))
    assert out.returncode == 0, out.stderr
    return tmp_path / "demo"


def test_backtest_json_with_labels(tmp_path: Path, demo: Path) -> None:
    calls = tmp_path / "calls.jsonl"
    gen = run(
        "signals",
        "generate",
        "--out",
        str(calls),
        "--hours",
        "4",
        "--start",
        "2026-11-02T00:00:00Z",
        "--scale",
        "0.5",
        "--fault",
        "outage@2h:30m/service=chat-api",
    )
    assert gen.returncode == 0, gen.stderr
    labels = tmp_path / "labels.csv"
    labels.write_text(
        "start,end,service,scenario\n"
        "2026-11-02T02:00:00Z,2026-11-02T02:30:00Z,chat-api,inference_outage\n"
    )
    out = run(
        "backtest",
        "--workspace",
        str(demo),
        "--telemetry",
        str(calls),
        "--labels",
        str(labels),
        "--format",
        "json",
    )
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    by_key = {(t["runbook"], t["signal"], t["kind"]): t for t in report["triggers"]}
    outage = by_key[("chat-api-inference-outage", "error_ratio", "threshold")]
    assert set(outage) >= {
        "runbook",
        "signal",
        "firings",
        "precision",
        "recall",
        "false_alarms_per_week",
        "detection_delay_s",
        "suggested_threshold",
    }
    assert outage["recall"] == 1.0 and outage["precision"] == 1.0
    assert 0 < outage["detection_delay_s"]["median"] <= 300
    assert outage["firings"][0]["start"].startswith("2026-11-02T02:0")
    quiet = by_key[("agent-quality-anomaly", "quality_mean", "change")]
    assert quiet["firings"] == [] and quiet["recall"] is None

    plain = run("backtest", "--workspace", str(demo), "--telemetry", str(calls), "--format", "json")
    unlabelled = json.loads(plain.stdout)["triggers"][0]
    assert unlabelled["precision"] is None and unlabelled["detection_delay_s"]["p90"] is None


def test_backtest_text_and_bad_telemetry(tmp_path: Path, demo: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("time,service\n")
    out = run("backtest", "--workspace", str(demo), "--telemetry", str(bad))
    assert out.returncode == 2 and "missing required column" in out.stderr


def test_signals_top_json(tmp_path: Path) -> None:
    calls = tmp_path / "calls.parquet"
    gen = run(
        "signals",
        "generate",
        "--out",
        str(calls),
        "--hours",
        "1",
        "--start",
        "2026-11-02T00:00:00Z",
        "--fault",
        "provider_errors@30m:30m/provider=openai,error_type=429,strength=0.5",
    )
    assert gen.returncode == 0, gen.stderr
    out = run(
        "signals",
        "top",
        "throttle_ratio",
        "--telemetry",
        str(calls),
        "--service",
        "chat-api",
        "--by",
        "provider",
        "--last",
        "15m",
        "--format",
        "json",
    )
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)["rows"]
    assert rows[0]["labels"] == {"provider": "openai"} and 0.4 < rows[0]["value"] < 0.6
    assert rows[1]["labels"] == {"provider": "anthropic"} and rows[1]["value"] < 0.05
