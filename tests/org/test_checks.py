"""Each org rule, FB501 to FB703: one workspace that triggers it and one that does not.

The base workspace (fixtures/base) has no findings at all; each test copies it, breaks one thing
with a textual edit and runs the same checks `firebreak lint` runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from org_workspaces import (
    ONLY_ANA,
    ORG,
    RUNBOOK,
    TODAY,
    codes,
    line_of,
    only,
    org_findings,
    workspace,
)

from firebreak.org.checks import check_workspace
from firebreak.workspace import load_workspace


def test_base_workspace_has_no_org_findings(tmp_path: Path) -> None:
    assert org_findings(workspace(tmp_path)) == []


# --- FB5xx -------------------------------------------------------------------------------------


def test_fb501_missing_required_role(tmp_path: Path) -> None:
    root = workspace(tmp_path, {RUNBOOK: [("  operations: schedule:secondary\n", "")]})
    found = only(org_findings(root), "FB501")
    assert "operations" in found.message and "mid profile" in found.message
    assert (found.path, found.line) == (RUNBOOK, line_of(root, RUNBOOK, "roles:"))
    assert found.severity == "error"


def test_fb501_small_profile_needs_only_a_commander(tmp_path: Path) -> None:
    root = workspace(
        tmp_path,
        {
            "firebreak.toml": [('profile = "mid"', 'profile = "small"')],
            RUNBOOK: [
                ("  operations: schedule:secondary\n", ""),
                ("  communications: person:cem\n", ""),
                (
                    "reviewed:",
                    "backup: person:ben\nhandoff: Post the incident channel link.\nreviewed:",
                ),
            ],
        },
    )
    assert org_findings(root) == []


def test_fb502_role_filled_by_someone_without_contact(tmp_path: Path) -> None:
    root = workspace(
        tmp_path,
        {ORG: [('    contacts: [{type: slack, address: "@cem"}]\n', "")]},
    )
    found = org_findings(root)
    fb502 = only(found, "FB502")
    assert "communications" in fb502.message and "person:cem" in fb502.message
    assert fb502.line == line_of(root, RUNBOOK, "communications:")
    assert "FB603" in codes(found)  # cem is on a schedule too


def test_fb502_schedule_whose_members_have_no_contact(tmp_path: Path) -> None:
    root = workspace(
        tmp_path,
        {
            ORG: [
                ('    contacts: [{type: slack, address: "@cem"}]\n', ""),
                ("    contacts: [{type: email, address: dee@example.com}]\n", ""),
            ]
        },
    )
    messages = [f.message for f in org_findings(root) if f.code == "FB502"]
    assert any("schedule:secondary" in m and "cem, dee" in m for m in messages)


def test_fb502_not_for_a_schedule_with_one_reachable_member(tmp_path: Path) -> None:
    root = workspace(
        tmp_path, {ORG: [("    contacts: [{type: email, address: dee@example.com}]\n", "")]}
    )
    assert "FB502" not in codes(org_findings(root))


def test_fb503_one_person_holds_every_role(tmp_path: Path) -> None:
    root = workspace(
        tmp_path,
        {
            RUNBOOK: [
                ("commander: schedule:primary", "commander: person:ana"),
                ("communications: person:cem", "communications: person:ana"),
                ("operations: schedule:secondary", "operations: person:ana"),
            ]
        },
    )
    found = only(org_findings(root), "FB503")
    assert "ana holds every role" in found.message


def test_fb503_one_schedule_fills_every_role(tmp_path: Path) -> None:
    root = workspace(
        tmp_path,
        {
            RUNBOOK: [
                ("communications: person:cem", "communications: schedule:primary"),
                ("operations: schedule:secondary", "operations: schedule:primary"),
            ]
        },
    )
    assert "schedule:primary fills every role" in only(org_findings(root), "FB503").message


def test_fb503_not_when_roles_are_shared_out(tmp_path: Path) -> None:
    root = workspace(
        tmp_path, {RUNBOOK: [("communications: person:cem", "communications: person:ana")]}
    )
    assert "FB503" not in codes(org_findings(root))


# --- FB6xx -------------------------------------------------------------------------------------


def test_fb601_no_policy_on_runbook_or_service(tmp_path: Path) -> None:
    root = workspace(
        tmp_path,
        {
            RUNBOOK: [("escalation: core-page\n", "")],
            ORG: [("    escalation: core-page\n", "")],
        },
    )
    found = org_findings(root)
    fb601 = only(found, "FB601")
    assert "api-outage" in fb601.message and "'api'" in fb601.message
    assert fb601.path == RUNBOOK


def test_fb601_not_when_the_service_has_a_policy(tmp_path: Path) -> None:
    root = workspace(tmp_path, {RUNBOOK: [("escalation: core-page\n", "")]})
    assert org_findings(root) == []


def test_fb602_unknown_escalation_target(tmp_path: Path) -> None:
    root = workspace(
        tmp_path,
        {
            ORG: [
                (
                    "targets: [schedule:secondary, person:ana]",
                    "targets: [schedule:tertiary, person:ana]",
                )
            ]
        },
    )
    found = only(org_findings(root), "FB602")
    assert "schedule:tertiary" in found.message and "level 2" in found.message
    assert "primary, secondary" in found.message
    assert (found.path, found.line) == (ORG, line_of(root, ORG, "schedule:tertiary"))


def test_fb603_person_on_a_schedule_without_contact(tmp_path: Path) -> None:
    root = workspace(
        tmp_path, {ORG: [('    contacts: [{type: sms, address: "+15550000002"}]\n', "")]}
    )
    found = only(org_findings(root), "FB603")
    assert "Ben Cole (ben)" in found.message and "schedule 'primary'" in found.message
    assert found.line == line_of(root, ORG, "id: ben")


def test_fb603_team_target_pages_every_member(tmp_path: Path) -> None:
    root = workspace(tmp_path, {ORG: [("person:ana]", "person:ana, team:core]")]})
    found = only(org_findings(root), "FB603")
    assert "eli" in found.message and "team:core" in found.message


def test_fb603_not_for_someone_who_is_never_paged(tmp_path: Path) -> None:
    # eli has no contact but is on no schedule, in no role and no chain.
    assert "FB603" not in codes(org_findings(workspace(tmp_path)))


def test_fb604_rotation_ends_inside_the_horizon(tmp_path: Path) -> None:
    root = workspace(
        tmp_path,
        {
            ORG: [
                (
                    'rotation: {members: [cem, dee], start: "2026-11-02T09:00", shift: 7d}',
                    'rotation: {members: [cem, dee], start: "2026-11-02T09:00", shift: 7d,\n'
                    '               end: "2026-12-14T09:00"}',
                )
            ]
        },
    )
    found = org_findings(root)
    fb604 = only(found, "FB604")
    assert "'secondary'" in fb604.message and "2026-12-14 09:00 EST" in fb604.message
    assert fb604.line == line_of(root, ORG, 'end: "2026-12-14T09:00"')
    assert fb604.severity == "warning"


def test_fb604_business_hours_restriction_leaves_gaps(tmp_path: Path) -> None:
    root = workspace(
        tmp_path,
        {
            ORG: [
                (
                    'rotation: {members: [ana, ben], start: "2026-11-02T09:00", shift: 7d}',
                    'rotation: {members: [ana, ben], start: "2026-11-02T09:00", shift: 7d,\n'
                    "               restrict: {days: [mon, tue, wed, thu, fri], "
                    'start: "09:00", end: "17:00"}}',
                )
            ]
        },
    )
    fb604 = [f for f in org_findings(root) if f.code == "FB604"]
    assert len(fb604) == 1 and "'primary'" in fb604[0].message
    assert "widen the restriction" in fb604[0].message


def test_fb605_first_level_waits_too_long_for_sev1(tmp_path: Path) -> None:
    root = workspace(tmp_path, {ORG: [("ack_within: 5m", "ack_within: 20m")]})
    found = only(org_findings(root), "FB605")
    assert "sev1" in found.message and "15m" in found.message and "after 20m" in found.message
    assert found.line == line_of(root, RUNBOOK, "escalation:")


def test_fb605_same_chain_is_fast_enough_for_sev2(tmp_path: Path) -> None:
    root = workspace(
        tmp_path,
        {
            ORG: [("ack_within: 5m", "ack_within: 20m")],
            RUNBOOK: [("severity: sev1", "severity: sev2")],
        },
    )
    assert org_findings(root) == []


def test_fb605_counts_contact_delays(tmp_path: Path) -> None:
    # Level 1 pages both schedules at once, but the secondary's people are only reachable
    # through a contact tried 20 minutes in.
    root = workspace(
        tmp_path,
        {
            ORG: [
                ("targets: [schedule:primary]", "targets: [schedule:primary, schedule:secondary]"),
                ('{type: slack, address: "@cem"}', '{type: slack, address: "@cem", delay: 20m}'),
                (
                    "{type: email, address: dee@example.com}",
                    "{type: email, address: dee@example.com, delay: 20m}",
                ),
                ("targets: [schedule:secondary, person:ana]", "targets: [person:ana]"),
            ]
        },
    )
    found = only(org_findings(root), "FB605")
    assert "after 20m" in found.message


def test_fb605_chain_that_never_reaches_a_second_person(tmp_path: Path) -> None:
    root = workspace(
        tmp_path, {ORG: [("targets: [schedule:secondary, person:ana]", "targets: [person:ana]")]}
    )
    found = only(org_findings(root), "FB605")
    assert "never pages a second reachable person" in found.message and "only ana" in found.message


# --- FB7xx -------------------------------------------------------------------------------------


def test_fb701_only_one_person_can_respond(tmp_path: Path) -> None:
    root = workspace(
        tmp_path,
        ONLY_ANA,
    )
    found = org_findings(root)
    runbook_fb701 = [f for f in found if f.code == "FB701" and f.path == RUNBOOK]
    service_fb701 = [f for f in found if f.code == "FB701" and f.path == ORG]
    assert len(runbook_fb701) == 1 and "only ana can respond" in runbook_fb701[0].message
    assert len(service_fb701) == 1 and "service 'api'" in service_fb701[0].message


def test_fb701_not_when_a_second_person_holds_a_role(tmp_path: Path) -> None:
    root = workspace(
        tmp_path,
        {
            ORG: [
                ("targets: [schedule:primary]", "targets: [person:ana]"),
                ("targets: [schedule:secondary, person:ana]", "targets: [person:cem]"),
            ],
        },
    )
    assert "FB701" not in codes(org_findings(root))


def test_fb702_one_person_carries_most_on_call_time(tmp_path: Path) -> None:
    root = workspace(tmp_path, {ORG: [("members: [ana, ben], start", "members: [ana], start")]})
    assert "FB702" not in codes(org_findings(root))  # exactly half: at the limit, not above
    (root / "firebreak.toml").write_text(
        '[workspace]\nprofile = "mid"\n[lint]\nconcentration = 0.4\n', encoding="utf-8"
    )
    found = only(org_findings(root), "FB702")
    assert "ana carries 50% of team 'core'" in found.message and "limit 40%" in found.message
    assert found.line == line_of(root, ORG, "members: [ana, ben, cem, dee, eli]")


def test_fb702_not_for_a_balanced_rotation(tmp_path: Path) -> None:
    root = workspace(tmp_path)
    (root / "firebreak.toml").write_text("[lint]\nconcentration = 0.3\n", encoding="utf-8")
    assert "FB702" not in codes(org_findings(root))  # four people at 25% each


SMALL = ('profile = "mid"', 'profile = "small"')


def test_fb703_small_team_runbook_without_backup_or_handoff(tmp_path: Path) -> None:
    root = workspace(tmp_path, {"firebreak.toml": [SMALL]})
    found = [f for f in org_findings(root) if f.code == "FB703"]
    assert len(found) == 2
    assert any("no trained backup" in f.message for f in found)
    assert any("no handoff note" in f.message for f in found)


def test_fb703_backup_who_cannot_be_reached(tmp_path: Path) -> None:
    root = workspace(
        tmp_path,
        {
            "firebreak.toml": [SMALL],
            RUNBOOK: [("reviewed:", "backup: person:eli\nhandoff: Share the timeline.\nreviewed:")],
        },
    )
    found = only(org_findings(root), "FB703")
    assert "person:eli" in found.message


@pytest.mark.parametrize("profile", ["small", "mid"])
def test_fb703_not_with_backup_and_handoff_or_outside_small(tmp_path: Path, profile: str) -> None:
    edits = {
        RUNBOOK: [("reviewed:", "backup: person:ben\nhandoff: Share the timeline.\nreviewed:")]
    }
    if profile == "small":
        edits["firebreak.toml"] = [SMALL]
    assert "FB703" not in codes(org_findings(workspace(tmp_path, edits)))
    if profile == "mid":
        assert "FB703" not in codes(org_findings(workspace(tmp_path / "plain")))


def test_runbook_without_front_matter_gets_no_org_findings(tmp_path: Path) -> None:
    root = workspace(tmp_path)
    (root / "runbooks" / "loose.md").write_text(
        "# Loose runbook\n\n## Mitigation\n1. Restart it.\n", encoding="utf-8"
    )
    assert org_findings(root) == []


def test_example_workspace_has_no_org_findings(example_workspace: Path) -> None:
    loaded = load_workspace(example_workspace)
    found = check_workspace(loaded.workspace, TODAY)
    assert found == []


def test_unknown_service_or_policy_is_fb104_only(tmp_path: Path) -> None:
    root = workspace(
        tmp_path, {RUNBOOK: [("escalation: core-page\n", ""), ("service: api", "service: apii")]}
    )
    loaded = load_workspace(root)
    assert [f.code for f in loaded.findings] == ["FB104"]
    assert "FB601" not in codes(check_workspace(loaded.workspace, TODAY))


def test_fb503_one_person_holds_every_role_while_on_call(tmp_path: Path) -> None:
    # When ana's primary week comes round, she is commander, communications and operations.
    root = workspace(
        tmp_path,
        {
            RUNBOOK: [
                ("communications: person:cem", "communications: person:ana"),
                ("operations: schedule:secondary", "operations: person:ana"),
            ]
        },
    )
    found = only(org_findings(root), "FB503")
    assert "ana holds every role" in found.message and "while on call" in found.message
    assert "2026-11-30 08:00 UTC" in found.message  # ana's next primary week
