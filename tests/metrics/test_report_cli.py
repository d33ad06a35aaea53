"""`firebreak report` as a user runs it: a real subprocess against a real store (SQLite, PostgreSQL).

The store is filled through its tables, with times chosen so every figure can be worked by hand.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from firebreak.store.db import Store
from firebreak.store.tables import DrillRun, Incident, RoleAssignment, StepProgress, TimelineEntry

PERIOD = ["--since", "2026-10-01", "--until", "2026-11-20"]
SNAPSHOT = {
    "title": "Chat API inference outage",
    "steps": [
        {"key": "diagnosis.1", "text": "Break the errors down by provider and model."},
        {"key": "mitigation.1", "text": "Fail over to the secondary provider."},
        {"key": "mitigation.2", "text": "Post a status update."},
    ],
}


def at(day: int, hour: int, minutes: float = 0) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC) + timedelta(minutes=minutes)


def add_incident(
    store: Store,
    opened: datetime,
    ack: float | None,
    resolve: float | None,
    resolution: str | None = None,
    *,
    fault: float | None = None,
    runbook: str | None = None,
    trigger: str | None = None,
    drill: bool = False,
    steps: dict[str, str] | None = None,
) -> int:
    """One incident; ack/resolve/fault in minutes from opening."""

    def plus(minutes: float | None) -> datetime | None:
        return None if minutes is None else opened + timedelta(minutes=minutes)

    status = "resolved" if resolve is not None else ("acknowledged" if ack else "triggered")
    with store.unit_of_work() as uow:
        row = Incident(
            title=f"chat-api trouble at {opened:%d %H:%M}",
            status=status,
            resolution=resolution,
            severity="sev1",
            service="chat-api",
            scenario="inference_outage",
            group_key="service=chat-api,scenario=inference_outage",
            runbook_id=runbook,
            runbook=SNAPSHOT if runbook else None,
            opened_at=opened,
            last_alert_at=opened,
            acknowledged_at=plus(ack),
            resolved_at=plus(resolve),
            fault_started_at=plus(fault),
            drill=drill,
            labels={"service": "chat-api"},
            services=["chat-api"],
            trigger=trigger,
        )
        uow.session.add(row)
        uow.session.flush()
        for key, state in (steps or {}).items():
            uow.session.add(
                StepProgress(
                    incident_id=row.id,
                    step_key=key,
                    status=state,
                    by="lee",
                    at=opened + timedelta(minutes=10),
                )
            )
        uow.session.add(
            TimelineEntry(
                incident_id=row.id,
                at=opened,
                actor="firebreak",
                kind="opened",
                text=f"Opened by {trigger}",
                data={},
            )
        )
        uow.session.add(
            RoleAssignment(
                incident_id=row.id,
                role="commander",
                person_id="dana",
                reached_via="schedule:ml-platform-primary",
                assigned_at=opened,
            )
        )
        return row.id


def add_drill(store: Store, day: int, scenario: str, passed: bool, team: str) -> None:
    with store.unit_of_work() as uow:
        uow.session.add(
            DrillRun(
                name=f"{scenario}-{day}",
                scenario=scenario,
                team=team,
                passed=passed,
                objectives=[],
                started_at=at(day, 8),
                finished_at=at(day, 9),
            )
        )


def seed(store: Store) -> int:
    first = add_incident(
        store,
        at(2, 9),
        2,
        30,
        "fixed",
        fault=-5,
        runbook="rb-a",
        trigger="rb-a#0",
        steps={"diagnosis.1": "done", "mitigation.1": "done"},
    )
    add_incident(store, at(3, 10), 4, 60, "false_alarm", runbook="rb-a", trigger="rb-a#0")
    add_incident(
        store,
        at(4, 11),
        6,
        90,
        "fixed",
        runbook="rb-a",
        trigger="rb-a#1",
        steps={"diagnosis.1": "done", "mitigation.2": "skipped"},
    )
    add_incident(store, at(5, 12), 1, None, trigger="HighLatency")
    add_incident(store, at(6, 9), 50, 500, "drill", runbook="rb-a", drill=True)
    add_incident(store, at(25, 9), 1, 1000, "fixed")  # after --until
    add_drill(store, 6, "inference_outage", True, "ml-platform")
    add_drill(store, 7, "cost_spike", False, "apps")
    add_drill(store, 8, "inference_outage", True, "ml-platform")
    return first


def run(cwd: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "firebreak", "report", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Traceback" not in done.stderr, done.stderr
    if ok:
        assert done.returncode == 0, done.stderr
    return done


def report_json(cwd: Path, url: str, *extra: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(
        run(cwd, "--db", url, *PERIOD, "--format", "json", *extra).stdout
    )
    return result


@pytest.mark.slow
def test_figures_worked_by_hand(store: Store, db_url: str, tmp_path: Path) -> None:
    seed(store)
    got = report_json(tmp_path, db_url)
    assert got["period"] == {
        "since": "2026-10-01T00:00:00+00:00",
        "until": "2026-11-20T00:00:00+00:00",
    }
    assert (got["incidents"], got["resolved"], got["open"], got["drill_incidents"]) == (4, 3, 1, 1)
    # MTTA over 2, 4, 6, 1 minutes: sorted 60 120 240 360 s; p90 at rank 2.7 = 240 + 0.7 * 120
    assert got["mtta_s"] == {
        "mean": 195.0,
        "median": 180.0,
        "p90": pytest.approx(324.0),
        "count": 4,
    }
    # MTTR over 30, 60, 90 minutes; p90 at rank 1.8 = 3600 + 0.8 * 1800
    assert got["mttr_s"] == {
        "mean": 3600.0,
        "median": 3600.0,
        "p90": pytest.approx(5040.0),
        "count": 3,
    }
    assert got["mttd_s"] == {"mean": 300.0, "median": 300.0, "p90": 300.0, "count": 1}
    assert got["false_alarm_rate"] == pytest.approx(1 / 3)
    assert got["false_alarm_rate_per_trigger"]["rb-a#0"] == {
        "rate": 0.5,
        "false_alarms": 1,
        "resolved": 2,
    }
    assert got["false_alarm_rate_per_runbook"]["rb-a"]["resolved"] == 3
    assert got["drill_pass_rate"] == pytest.approx(2 / 3)
    assert got["drill_pass_rate_per_team"]["apps"] == {"rate": 0.0, "passed": 0, "run": 1}
    skipped = [(s["step"], s["skipped"], s["marked_skipped"]) for s in got["skipped_steps"]]
    assert skipped == [("mitigation.2", 2, 1), ("mitigation.1", 1, 0)]


@pytest.mark.slow
def test_text_and_csv(store: Store, db_url: str, tmp_path: Path) -> None:
    seed(store)
    text = run(tmp_path, "--db", db_url, *PERIOD).stdout
    assert "MTTR (to resolve)" in text
    assert "1h30m" not in text.split("MTTR")[0]  # times are in their own rows
    assert "False alarm rate: 33.3% (1 of 3 resolved)" in text
    assert "Drill pass rate: 66.7% (2 of 3 passed)" in text
    assert "Post a status update." in text
    rows = list(
        csv.reader(io.StringIO(run(tmp_path, "--db", db_url, *PERIOD, "--format", "csv").stdout))
    )
    assert rows[0] == ["figure", "scope", "statistic", "value", "count"]
    assert ["mttr_s", "all", "median", "3600.0", "3"] in rows
    assert ["false_alarm_rate", "trigger:HighLatency", "rate", "", "0"] not in rows
    assert ["drill_pass_rate", "scenario:cost_spike", "rate", "0.0", "1"] in rows


@pytest.mark.slow
def test_baseline_round_trip(store: Store, db_url: str, tmp_path: Path) -> None:
    seed(store)
    saved = run(tmp_path, "baseline", "save", "before", "--db", db_url, *PERIOD)
    assert "saved baseline 'before'" in saved.stderr
    again = run(tmp_path, "baseline", "save", "before", "--db", db_url, *PERIOD, ok=False)
    assert again.returncode == 2 and "already exists" in again.stderr
    # a quick fix and no new false alarm: MTTR and the false alarm rate improve
    add_incident(store, at(10, 9), 1, 10, "fixed", runbook="rb-a", trigger="rb-a#0")
    got = report_json(tmp_path, db_url, "--compare", "before")
    rows = {row["figure"]: row for row in got["comparison"]["figures"]}
    assert got["comparison"]["baseline"] == "before"
    assert rows["mttr_s.mean"]["baseline"] == 3600.0
    assert rows["mttr_s.mean"]["current"] == 2850.0  # (10 + 30 + 60 + 90) / 4 minutes
    assert rows["mttr_s.mean"]["change"] == -750.0
    assert rows["mttr_s.mean"]["change_pct"] == pytest.approx(-750 / 36)
    assert rows["mttr_s.mean"]["verdict"] == "better"
    assert rows["false_alarm_rate"]["current"] == 0.25
    assert rows["false_alarm_rate"]["verdict"] == "better"
    assert rows["drill_pass_rate"]["verdict"] == "same"
    # MTTA p90 over 60 60 120 240 360 s: rank 3.6 = 240 + 0.6 * 120 = 312, down from 324
    assert rows["mtta_s.p90"]["current"] == pytest.approx(312.0)
    assert rows["mtta_s.p90"]["verdict"] == "better"
    listed = run(tmp_path, "baseline", "list", "--db", db_url).stdout
    assert listed.startswith("before\t")
    text = run(tmp_path, "--db", db_url, *PERIOD, "--compare", "before").stdout
    assert "Against baseline 'before'" in text and "better" in text
    missing = run(tmp_path, "--db", db_url, "--compare", "nope", ok=False)
    assert missing.returncode == 2
    assert "no baseline named 'nope'; saved baselines: before" in missing.stderr


@pytest.mark.slow
def test_postmortem_command(store: Store, db_url: str, tmp_path: Path) -> None:
    first = seed(store)
    out = tmp_path / "pm.md"
    run(tmp_path, "postmortem", str(first), "--db", db_url, "--out", str(out))
    text = out.read_text()
    assert text.startswith("# Postmortem: chat-api trouble at 02 09:00")
    assert "| commander | dana | schedule:ml-platform-primary |" in text
    assert "| mitigation.2 | Post a status update. | not done |" in text
    assert "- Time to detect: 5m" in text
    missing = run(tmp_path, "postmortem", "9999", "--db", db_url, ok=False)
    assert missing.returncode == 2 and "incident 9999 does not exist" in missing.stderr


@pytest.mark.slow
def test_empty_store_and_missing_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'never.db'}"
    done = run(tmp_path, "--db", url)
    assert "No incidents in the period" in done.stdout
    assert not (tmp_path / "never.db").exists()  # reading creates nothing
    empty = json.loads(run(tmp_path, "--db", url, "--format", "json").stdout)
    assert empty["mttr_s"]["mean"] is None and empty["false_alarm_rate"] is None


@pytest.mark.slow
def test_workspace_default_and_broken_settings(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    done = run(tmp_path, "--workspace", str(ws), "--since", "30d")
    assert "No incidents in the period" in done.stdout
    (ws / "firebreak.toml").write_text("[store\nurl = 3\n")
    broken = run(tmp_path, "--workspace", str(ws), ok=False)
    assert broken.returncode == 2
    assert "firebreak.toml" in broken.stderr and "line 1" in broken.stderr
    assert "pass --db URL" in broken.stderr
    bad_when = run(
        tmp_path, "--workspace", str(ws), "--db", "sqlite://", "--since", "soon", ok=False
    )
    assert "--since: expected an ISO date" in bad_when.stderr
    backwards = run(
        tmp_path, "--db", "sqlite://", "--since", "2026-11-02", "--until", "2026-11-01", ok=False
    )
    assert "must come before --until" in backwards.stderr


def test_figures_and_series_from_session(store: Store) -> None:
    """The functions the web UI calls give the same figures as the command."""
    from firebreak.metrics import Period
    from firebreak.metrics.load import figures_from_session, series_from_session

    seed(store)
    period = Period(datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 20, tzinfo=UTC))
    with store.unit_of_work(readonly=True) as uow:
        figures = figures_from_session(uow.session, period)
        weeks = series_from_session(uow.session, Period(at(2, 0), at(16, 0)))
    assert figures["mttr_s"]["median"] == 3600.0
    assert figures["skipped_steps"][0]["step"] == "mitigation.2"
    # Monday 2 Nov to Monday 16 Nov: two whole weeks
    assert [w["start"][:10] for w in weeks] == ["2026-11-02", "2026-11-09"]
    assert weeks[0]["incidents"] == 4 and weeks[0]["false_alarm_rate"] == pytest.approx(1 / 3)
    assert weeks[0]["drill_pass_rate"] == pytest.approx(2 / 3)
    assert weeks[1]["incidents"] == 0 and weeks[1]["mttr_median_s"] is None


@pytest.mark.slow
def test_unreachable_store_is_a_clear_error(tmp_path: Path) -> None:
    done = run(tmp_path, "--db", "postgresql://postgres@127.0.0.1:9/none", ok=False)
    assert done.returncode == 2
    assert done.stderr.startswith("error: cannot reach the store:")
    typo = run(tmp_path, "--db", f"sqlite:///{tmp_path / 'typo.db'}")
    assert "note: no store file at" in typo.stderr
