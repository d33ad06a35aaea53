"""The anomaly core: causal (a prefix scores as the whole), chunk-invariant, quiet on what
repeats, and `firebreak detect` on what real exports contain."""

from __future__ import annotations

import csv
import io
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from firebreak.detect.anomaly import AnomalyCore
from firebreak.detect.series import Options, Series, score_series


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "firebreak", *args], capture_output=True, text=True, timeout=120
    )


def noisy_week(seed: int) -> np.ndarray:  # type: ignore[type-arg]
    """A week at 5 minutes: daily cycle, noise, a spike, a level shift and a dip."""
    rng = np.random.default_rng(seed)
    t = np.arange(7 * 288)
    x = 100 + 30 * np.sin(2 * np.pi * t / 288) + rng.normal(0, 3, t.shape[0])
    x[900:906] += 80
    x[1400:] += 25
    x[1800:1830] -= 90
    return x


def test_a_prefix_scores_the_same_rows_as_the_whole() -> None:
    x = noisy_week(1)
    whole = AnomalyCore(3000, 5.0).extend(x[None, :])
    for cut in (151, 905, 1401, 1815):
        part = AnomalyCore(3000, 5.0).extend(x[None, :cut])
        for got, want in zip(part, whole, strict=True):
            np.testing.assert_array_equal(got[0], want[0, :cut])
    assert whole[1][0].any()  # the test means something: the week does alarm


def test_ticks_of_any_size_give_the_batch_result() -> None:
    rng = np.random.default_rng(4)
    x = np.stack([noisy_week(2), noisy_week(3) * 0.01, np.full(7 * 288, 3.0)])
    x[1, 50:70] = np.nan
    batch = AnomalyCore(2000, 4.0, "up", need_on=2, need_off=10).extend(x)
    core = AnomalyCore(2000, 4.0, "up", need_on=2, need_off=10)
    parts, col = [], 0
    while col < x.shape[1]:
        take = int(rng.integers(1, 40))
        parts.append(core.extend(x[:, col : col + take]))
        col += take
    for i, want in enumerate(batch):
        np.testing.assert_array_equal(np.concatenate([p[i] for p in parts], axis=1), want)


@pytest.mark.parametrize(
    "shape",
    [
        lambda t: 50 + 20 * np.sin(2 * np.pi * t / 288),  # a daily cycle at 5 minutes
        lambda t: 50 + 3 * np.sin(t / 7),  # a period that is no whole number of rows
        lambda t: np.where((t // 144) % 2 == 0, 10.0, 80.0),  # a square wave
        lambda t: 5 + (t % 60) * 0.5,  # a saw tooth
    ],
)
def test_a_noise_free_periodic_series_raises_no_alarm(shape) -> None:  # type: ignore[no-untyped-def]
    x = shape(np.arange(6000).astype(float))
    score, firing, _ = AnomalyCore(3000, 5.0, need_on=1).extend(x[None, :])
    # once one period has been seen nothing is new; before that, the warm-up and the first
    # period may hold new ground, so only the rows after the first 300 are checked
    assert not firing[0, 300:].any() and score[0, 300:].max() == 0


def test_a_constant_or_all_zero_series_is_quiet_until_it_moves() -> None:
    for level in (0.0, 7.5):
        x = np.full(1000, level)
        score, firing, _ = AnomalyCore(3000, 5.0).extend(x[None, :])
        assert not firing.any() and score.max() == 0
        x[800] = level + 1.0
        _, firing, _ = AnomalyCore(3000, 5.0).extend(x[None, :])
        assert firing[0, 800] and not firing[0, :800].any()


def test_nothing_alarms_during_the_warm_up() -> None:
    x = np.r_[np.zeros(100), np.full(100, 1e6)]
    _, firing, _ = AnomalyCore(3000, 5.0, warmup=150).extend(x[None, :])
    assert not firing[0, :151].any()


def test_a_row_without_a_value_scores_zero_and_never_alarms() -> None:
    x = noisy_week(5)
    x[901:904] = np.nan  # inside the spike, while the alarm holds
    series = Series([str(i) for i in range(x.shape[0])], [], np.arange(x.shape[0]) * 300.0, x)
    score, alarm = score_series(series, Options())
    assert alarm[900] and not alarm[901:904].any() and (score[901:904] == 0).all()


@pytest.mark.slow
def test_detect_takes_a_real_export(tmp_path: Path) -> None:
    """Repeated timestamps (counted, scored in input order), gaps, irregular steps, empty and
    NaN values: one output row per input row, in input order."""
    rng = np.random.default_rng(6)
    t0 = 1_762_041_600  # 2025-11-02T00:00Z
    rows = []
    t = t0
    for i in range(800):
        t += int(rng.choice([60, 60, 60, 45, 90])) + (3600 if i == 300 else 0)  # a gap
        value = f"{50 + rng.normal(0, 1):.3f}" if i != 600 else "400"
        rows.append((t, value))
    rows.insert(200, rows[199])  # an export row written twice
    rows.insert(400, (rows[399][0], "51"))  # a repeated hour (daylight saving)
    rows[250] = (rows[250][0], "")
    rows[260] = (rows[260][0], "NaN")
    path = tmp_path / "export.csv"
    path.write_text("timestamp,value\n" + "".join(f"{a},{b}\n" for a, b in rows))
    out = run("detect", "--input", str(path), "--output", str(tmp_path / "out.csv"))
    assert out.returncode == 0, out.stderr
    assert "2 rows repeat an earlier timestamp" in out.stderr
    got = list(csv.DictReader(io.StringIO((tmp_path / "out.csv").read_text())))
    assert [(int(r["timestamp"]), r["value"]) for r in got] == rows
    for i in (250, 260):
        assert got[i]["score"] == "0" and got[i]["alarm"] == "0"
    onsets = [i for i in range(1, len(got)) if got[i]["alarm"] == "1" != got[i - 1]["alarm"]]
    assert onsets == [602]  # the 400 (row 600, moved by the two inserted rows)
    assert all(math.isfinite(float(r["score"])) for r in got)
