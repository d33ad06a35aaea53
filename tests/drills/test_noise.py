"""The noise objective: graded on hand-written records, and on real drills of the example with
and without its inhibit rules."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from firebreak.drills.noise import noise
from firebreak.drills.readback import distinct_faults
from firebreak.drills.record import AlertSeen, DrillRecord, IncidentSeen, PageSeen

from .test_runs import drill, verdict

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
FAULT = T0 + timedelta(hours=2)


def record(*incidents: IncidentSeen, pages: tuple[PageSeen, ...] = ()) -> DrillRecord:
    rec = DrillRecord(
        "d", "inference_outage", T0, T0 + timedelta(hours=6), FAULT, [("outage", None)]
    )
    rec.incidents = list(incidents)
    rec.pages = list(pages)
    rec.alerts = [
        AlertSeen(i.opened_at, i.runbook, f"trigger of #{i.id}", "error_ratio", i.id)
        for i in incidents
    ]
    return rec


def incident(id_: int, minutes: int, runbook: str = "outage", **kw: object) -> IncidentSeen:
    return IncidentSeen(id_, FAULT + timedelta(minutes=minutes), runbook, **kw)  # type: ignore[arg-type]


def page(incident_id: int, minutes: int, person: str = "lee", level: int = 0) -> PageSeen:
    return PageSeen(FAULT + timedelta(minutes=minutes), incident_id, person, "slack", level)


def test_one_incident_and_one_page_pass() -> None:
    result = noise(record(incident(1, 3)), None)
    assert result.passed and "one incident for the fault" in result.reason


def test_a_second_incident_for_the_fault_fails_naming_it_and_its_trigger() -> None:
    rec = record(incident(1, 3), incident(2, 180), pages=(page(1, 3), page(2, 180)))
    result = noise(rec, rec.incidents[0])
    assert not result.passed
    assert "extra incident #2 (outage) opened at +5h by outage: trigger of #2" in result.reason
    assert "lee was paged twice for the fault (by incidents #1, #2)" in result.reason


def test_the_extra_incident_is_the_one_not_graded_even_when_it_opened_first() -> None:
    rec = record(incident(1, 3, "outage"), incident(2, 5, "provider"))
    result = noise(rec, rec.incidents[1])
    assert "extra incident #1 (outage)" in result.reason


def test_a_merged_incident_is_part_of_its_cause_unless_both_paged_one_person() -> None:
    merged = incident(1, 3, merged_into=2, resolved_at=FAULT + timedelta(minutes=5))
    cause = incident(2, 5, "provider")
    ok = noise(record(merged, cause, pages=(page(1, 3), page(2, 10, level=1))), cause)
    assert ok.passed and "#1 into #2" in ok.reason
    twice = noise(record(merged, cause, pages=(page(1, 3), page(2, 5))), cause)
    assert not twice.passed and "lee was paged twice" in twice.reason


def test_escalation_repeats_of_one_incident_are_not_noise() -> None:
    rec = record(incident(1, 3), pages=(page(1, 3), page(1, 8, "sam", 1), page(1, 13, "sam", 1)))
    assert noise(rec, rec.incidents[0]).passed


def test_overlapping_faults_are_one_fault() -> None:
    h = timedelta(hours=1)
    assert distinct_faults([(2 * h, 3 * h), (2 * h, 3 * h)]) == 1
    assert distinct_faults([(1 * h, 2 * h), (3 * h, 4 * h)]) == 2


@pytest.mark.slow
def test_without_the_inhibit_rules_the_provider_drills_fail_noise(example_workspace: Path) -> None:
    toml = example_workspace / "firebreak.toml"
    text = toml.read_text()
    stripped = re.sub(r"\[\[inhibit\]\]\n(?:[^\[\n].*\n)*", "", text)
    assert "[[inhibit]]" in text and "[[inhibit]]" not in stripped
    toml.write_text(stripped)
    for name in ("provider-429-storm", "provider-timeouts"):
        passed, reason = verdict(drill(example_workspace, name), "noise")
        assert not passed, name
        assert re.search(r"extra incident #\d+ \(chat-api-inference-outage\)", reason), reason


@pytest.mark.slow
def test_the_one_caller_quota_drill_needs_the_per_caller_trigger(example_workspace: Path) -> None:
    assert drill(example_workspace, "provider-quota-one-caller").passed
    path = example_workspace / "runbooks" / "provider-api-failure.md"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(line for line in lines if "by: [provider, service]" not in line))
    result = drill(example_workspace, "provider-quota-one-caller")
    passed, reason = verdict(result, "detect_within")
    assert not passed and "never detected" in reason
