"""Readiness per scenario, judged from the same findings `firebreak lint` produces."""

from __future__ import annotations

from pathlib import Path

from org_workspaces import ONLY_ANA, ORG, RUNBOOK, TODAY, workspace

from firebreak.lint.findings import Finding
from firebreak.org.checks import check_workspace
from firebreak.org.readiness import ScenarioReadiness, readiness
from firebreak.runbooks.lint import lint_runbook
from firebreak.runbooks.model import SCENARIOS
from firebreak.workspace import load_workspace


def judge(root: Path) -> dict[str, ScenarioReadiness]:
    loaded = load_workspace(root)
    ws = loaded.workspace
    found: list[Finding] = list(loaded.findings)
    for runbook in ws.runbooks:
        found.extend(lint_runbook(runbook, ws.settings, TODAY))
    found.extend(check_workspace(ws, TODAY))
    items = readiness(ws, found)
    assert [i.scenario for i in items] == list(SCENARIOS)
    return {i.scenario: i for i in items}


def test_ready_runbook_and_missing_scenarios(tmp_path: Path) -> None:
    items = judge(workspace(tmp_path))
    assert items["inference_outage"] == ScenarioReadiness(
        "inference_outage", True, "api-outage", []
    )
    missing = items["cost_spike"]
    assert not missing.ready and missing.runbook is None
    assert "no runbook" in missing.reasons[0]


def test_unclear_trigger_is_not_ready(tmp_path: Path) -> None:
    root = workspace(tmp_path, {RUNBOOK: [("  window: 5m\n  for: 2m\n", "")]})
    item = judge(root)["inference_outage"]
    assert not item.ready
    assert any(r.startswith("unclear trigger: FB302") for r in item.reasons)


def test_no_trigger_is_not_ready(tmp_path: Path) -> None:
    root = workspace(
        tmp_path,
        {
            RUNBOOK: [
                (
                    "trigger:\n  signal: error_ratio\n  where: {service: api}\n  above: 0.05\n"
                    "  window: 5m\n  for: 2m\n  min_requests: 50\n",
                    "",
                )
            ]
        },
    )
    item = judge(root)["inference_outage"]
    assert not item.ready and any(r.startswith("no trigger") for r in item.reasons)


def test_broken_chain_is_not_ready(tmp_path: Path) -> None:
    root = workspace(
        tmp_path, {ORG: [('    contacts: [{type: sms, address: "+15550000002"}]\n', "")]}
    )
    item = judge(root)["inference_outage"]
    assert not item.ready
    assert any("FB603" in r and "org/org.yaml" in r for r in item.reasons)


def test_missing_policy_is_not_ready(tmp_path: Path) -> None:
    root = workspace(
        tmp_path,
        {RUNBOOK: [("escalation: core-page\n", "")], ORG: [("    escalation: core-page\n", "")]},
    )
    item = judge(root)["inference_outage"]
    assert any(r.startswith("broken chain") for r in item.reasons)


def test_single_responder_is_not_ready(tmp_path: Path) -> None:
    root = workspace(
        tmp_path,
        ONLY_ANA,
    )
    item = judge(root)["inference_outage"]
    assert any(r.startswith("no backup responder: FB701") for r in item.reasons)


def test_best_runbook_of_a_scenario_counts(tmp_path: Path) -> None:
    root = workspace(tmp_path)
    text = (root / RUNBOOK).read_text(encoding="utf-8")
    worse = text.replace("id: api-outage", "id: api-outage-old").replace("  window: 5m\n", "")
    (root / "runbooks" / "api-outage-old.md").write_text(worse, encoding="utf-8")
    item = judge(root)["inference_outage"]
    assert item.ready and item.runbook == "api-outage"


def test_example_workspace_is_ready_for_every_scenario(example_workspace: Path) -> None:
    items = judge(example_workspace)
    assert all(i.ready for i in items.values()), items
