"""Grading is pure over a record: each objective's verdict and the reason it gives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from firebreak.drills.grading import fault_incident, grade
from firebreak.drills.record import (
    AlertSeen,
    DrillRecord,
    IncidentSeen,
    PageSeen,
    RoleSeen,
    SkipSeen,
)
from firebreak.drills.scenario import Objectives

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def objectives() -> Objectives:
    return Objectives.model_validate(
        {
            "quiet_period": "2h",
            "detect_within": "5m",
            "runbook": "outage-rb",
            "roles_filled": True,
            "ack_within": "10m",
            "resolved_within": "1h",
        }
    )


def good_record() -> DrillRecord:
    incident = IncidentSeen(
        id=1,
        opened_at=at(123),
        runbook="outage-rb",
        roles=[
            RoleSeen("commander", "dana", "schedule:primary"),
            RoleSeen("communications", "lee", "person:lee"),
        ],
        acknowledged_at=at(126),
        acknowledged_by="dana",
        resolved_at=at(170),
        resolution="drill",
        steps={"mitigation.1": "done"},
    )
    return DrillRecord(
        name="d",
        scenario="inference_outage",
        start=T0,
        end=at(360),
        fault_start=at(120),
        fault_kinds=[("outage", None)],
        alerts=[AlertSeen(at(123), "outage-rb", "error_ratio above 0.05", "error_ratio", 1)],
        incidents=[incident],
        pages=[PageSeen(at(123), 1, "dana", "slack", 0)],
        trigger_signals={"outage-rb": ["error_ratio"], "cost-rb": ["cost_usd_rate"]},
    )


def verdicts(record: DrillRecord) -> dict[str, tuple[bool, str]]:
    return {r.name: (r.passed, r.reason) for r in grade(objectives(), record)}


def test_a_clean_run_passes_every_objective_with_reasons() -> None:
    result = verdicts(good_record())
    assert all(passed for passed, _ in result.values()), result
    assert list(result) == [
        "quiet_period",
        "detect_within",
        "runbook",
        "roles_filled",
        "ack_within",
        "resolved_within",
        "noise",
    ]
    assert (
        result["detect_within"][1]
        == "detected 3m after the fault by outage-rb: error_ratio above 0.05"
    )
    assert result["ack_within"][1] == "acknowledged by dana 3m after opening"


def test_a_false_page_before_the_fault_fails_the_quiet_period() -> None:
    record = good_record()
    record.alerts.insert(
        0, AlertSeen(at(7), "outage-rb", "error_ratio above 0.0001", "error_ratio", 1)
    )
    record.pages.insert(0, PageSeen(at(7), 1, "dana", "slack", 0))
    passed, reason = verdicts(record)["quiet_period"]
    assert not passed
    assert "outage-rb trigger 'error_ratio above 0.0001' fired on normal traffic at +7m" in reason
    assert "false page(s) to dana" in reason


def test_a_quiet_period_shorter_than_the_run_up_ignores_earlier_alerts() -> None:
    record = good_record()
    record.alerts.insert(0, AlertSeen(at(7), "outage-rb", "x", "error_ratio", 1))
    obj = objectives().model_copy(update={"quiet_period": timedelta(hours=1)})
    assert {r.name: r.passed for r in grade(obj, record)}["quiet_period"]


def test_no_trigger_on_the_moved_signal_is_named() -> None:
    record = good_record()
    record.alerts.clear()
    record.trigger_signals["outage-rb"] = ["latency_p95"]
    passed, reason = verdicts(record)["detect_within"]
    assert not passed
    assert "runbook outage-rb has no trigger on error_ratio" in reason
    assert "it watches only latency_p95" in reason


def test_a_runbook_with_no_trigger_at_all_is_named() -> None:
    record = good_record()
    record.alerts.clear()
    record.trigger_signals["outage-rb"] = []
    assert "it has no trigger at all" in verdicts(record)["detect_within"][1]


def test_late_detection_fails() -> None:
    record = good_record()
    record.alerts[0] = AlertSeen(at(140), "outage-rb", "error_ratio above 0.05", "error_ratio", 1)
    passed, reason = verdicts(record)["detect_within"]
    assert not passed and "20m after the fault" in reason and "later than 5m" in reason


def test_wrong_runbook_fails_the_runbook_objective() -> None:
    record = good_record()
    record.incidents[0].runbook = "cost-rb"
    passed, reason = verdicts(record)["runbook"]
    assert not passed
    assert reason == "incident #1 had cost-rb attached, expected outage-rb"


def test_chain_reaching_nobody_names_the_people_without_contact() -> None:
    record = good_record()
    record.pages.clear()
    record.no_contact = {"dana", "priya"}
    record.skips = [
        SkipSeen(at(123), 1, "dana", "dana has no contact"),
        SkipSeen(at(128), 1, "priya", "priya has no contact"),
    ]
    incident = record.incidents[0]
    incident.acknowledged_at = incident.acknowledged_by = None
    passed, reason = verdicts(record)["ack_within"]
    assert not passed
    assert (
        reason
        == "never acknowledged: the escalation chain reached nobody; dana, priya have no contact"
    )
    roles_passed, roles_reason = verdicts(record)["roles_filled"]
    assert not roles_passed and "commander: dana has no contact" in roles_reason


def test_unreachable_responders_are_named_when_ack_is_late() -> None:
    record = good_record()
    record.unreachable = {"dana"}
    record.pages.append(PageSeen(at(128), 1, "priya", "email", 1))
    record.incidents[0].acknowledged_at = at(135)
    record.incidents[0].acknowledged_by = "priya"
    passed, reason = verdicts(record)["ack_within"]
    assert not passed
    assert "acknowledged by priya 12m after opening, later than 10m" in reason
    assert "dana cannot be reached in this drill" in reason


def test_unresolved_incident_says_what_was_left_undone() -> None:
    record = good_record()
    incident = record.incidents[0]
    incident.resolved_at = None
    incident.steps = {"mitigation.1": "skipped"}
    record.done_when_missed = ["error_ratio below 0.01 for 15m"]
    passed, reason = verdicts(record)["resolved_within"]
    assert not passed
    assert "runbook steps skipped: mitigation.1" in reason
    assert "done_when did not hold: error_ratio below 0.01 for 15m" in reason


def test_no_incident_fails_everything_after_detection() -> None:
    record = good_record()
    record.alerts.clear()
    record.incidents.clear()
    record.pages.clear()
    result = verdicts(record)
    assert result["quiet_period"][0]
    assert not any(result[n][0] for n in ("detect_within", "runbook", "roles_filled", "ack_within"))


def test_fault_incident_is_the_one_open_when_the_fault_began() -> None:
    record = good_record()
    record.alerts.clear()
    record.incidents[0].opened_at = at(10)
    found = fault_incident(record)
    assert found is not None and found.id == 1


def test_noise_elsewhere_after_the_fault_is_not_detection() -> None:
    record = good_record()
    record.alerts = [
        AlertSeen(at(121), "cost-rb", "cost_usd_rate spend forecast", "cost_usd_rate", 2)
    ]
    passed, reason = verdicts(record)["detect_within"]
    assert not passed
    assert reason.startswith("never detected: the trigger(s) on error_ratio did not fire")
