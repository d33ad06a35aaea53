"""FB606 (an alert can find no policy) and FB607 (a contact type with no channel): one workspace
that triggers each, the base one that does not, and where the finding points."""

from __future__ import annotations

from pathlib import Path

from org_workspaces import ORG, codes, org_findings, workspace

TOML = "firebreak.toml"
NO_DEFAULT = [('default_escalation = "core-page"\n', "")]


def _of(found: list, code: str) -> list:
    return [f for f in found if f.code == code]


def test_fb606_no_default_policy_points_at_routing(tmp_path: Path) -> None:
    found = _of(org_findings(workspace(tmp_path, {TOML: NO_DEFAULT})), "FB606")
    assert len(found) == 1 and found[0].path == TOML
    assert "default_escalation" in found[0].message and found[0].line > 0


def test_fb606_a_route_to_a_service_without_a_policy(tmp_path: Path) -> None:
    edits = {
        TOML: [
            *NO_DEFAULT,
            ("[channels.email]", '[[routing.routes]]\nmatch = {alertname = "DiskFull"}\n'
             'set = {service = "batch"}\n\n[channels.email]'),
        ],
        ORG: [("schedules:\n", "  - {id: batch, team: core}\nschedules:\n")],
    }  # fmt: skip
    found = _of(org_findings(workspace(tmp_path, edits)), "FB606")
    messages = " | ".join(f.message for f in found)
    assert "route #1 sends alerts to service 'batch'" in messages
    assert "service 'batch' has no escalation policy" in messages
    route = next(f for f in found if "route #1" in f.message)
    text = (tmp_path / "ws" / TOML).read_text().splitlines()
    assert text[route.line - 1].startswith("set = {service")


def test_fb606_is_quiet_with_a_default(tmp_path: Path) -> None:
    edits = {ORG: [("schedules:\n", "  - {id: batch, team: core}\nschedules:\n")]}
    assert "FB606" not in codes(org_findings(workspace(tmp_path, edits)))


def test_fb607_a_pageable_contact_type_without_a_channel(tmp_path: Path) -> None:
    edits = {TOML: [('[channels.sms]\nurl = "console"\n', "")]}
    found = _of(org_findings(workspace(tmp_path, edits)), "FB607")
    assert len(found) == 1 and found[0].severity == "error"
    assert "sms contacts" in found[0].message and "ben" in found[0].message
    assert found[0].path == ORG
    line = (tmp_path / "ws" / ORG).read_text().splitlines()[found[0].line - 1]
    assert "sms" in line


def test_fb607_quiet_for_webhook_contacts_and_a_catch_all_channel(tmp_path: Path) -> None:
    webhook = {
        ORG: [
            (
                '{type: sms, address: "+15550000002"}',
                "{type: webhook, address: https://h.example/x}",
            )
        ]
    }
    assert "FB607" not in codes(org_findings(workspace(tmp_path / "a", webhook)))
    catch_all = {TOML: [("[channels.sms]", '[channels."*"]')]}
    assert "FB607" not in codes(org_findings(workspace(tmp_path / "b", catch_all)))
