"""The scenario format: strict keys and values, errors placed at file, line and column."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from firebreak.drills.catalog import builtin_texts, load_catalog, select
from firebreak.drills.scenario import ScenarioError, parse_scenario
from firebreak.errors import InputError
from firebreak.workspace import require

GOOD = """\
name: my-drill
scenario: inference_outage
service: chat-api
duration: 2h
faults:
  - {kind: outage, at: 30m, duration: 20m}
objectives:
  detect_within: 5m
"""


def test_a_minimal_scenario_loads_with_defaults() -> None:
    scenario, _ = parse_scenario(GOOD, "d.yaml")
    assert scenario.duration == timedelta(hours=2)
    assert scenario.faults[0].strength == 1.0
    assert scenario.responders.follows_runbook is True
    assert scenario.fault_start == timedelta(minutes=30)


@pytest.mark.parametrize(
    ("text", "line", "col", "words"),
    [
        (GOOD + "colour: red\n", 9, 1, "unknown key 'colour'"),
        (GOOD.replace("duration: 2h", "duration: soon"), 4, 1, "expected a duration"),
        (GOOD.replace("kind: outage", "kind: meteor"), 6, 6, "faults.0.kind"),
        (GOOD.replace("inference_outage", "bad_day"), 2, 1, "scenario"),
        (GOOD.replace("{kind: outage,", "{kind: provider_errors,"), 6, 5, "error_type"),
        (GOOD.replace("at: 30m", "at: 3h"), 1, 1, "starts after the drill ends"),
        (GOOD.replace("service: chat-api\n", ""), 1, 1, "missing required key 'service'"),
        ("name: [unclosed\n", 2, 1, "invalid YAML"),
        ("- just\n- a list\n", 1, 1, "expected a mapping"),
        (GOOD.replace("duration: 2h", "duration: 30d"), 4, 1, "a drill runs at most 7d, got 30d"),
    ],
)
def test_bad_scenarios_name_file_line_and_column(
    text: str, line: int, col: int, words: str
) -> None:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "drills/x.yaml")
    loc, message = info.value.problems[0]
    assert (loc.path, loc.line, loc.col) == ("drills/x.yaml", line, col)
    assert words in message


def test_error_type_429_reads_as_text() -> None:
    text = GOOD.replace("{kind: outage,", "{kind: provider_errors, error_type: 429,")
    scenario, _ = parse_scenario(text, "d.yaml")
    assert scenario.faults[0].error_type == "429"


def test_every_builtin_loads_and_covers_each_scenario_at_least_twice() -> None:
    kinds: dict[str, int] = {}
    for name, text in builtin_texts().items():
        scenario, _ = parse_scenario(text, name)
        assert f"{scenario.name}.yaml" == name
        kinds[scenario.scenario] = kinds.get(scenario.scenario, 0) + 1
    assert kinds == {
        "inference_outage": 2,
        "quality_anomaly": 2,
        "cost_spike": 2,
        "third_party_failure": 3,  # every caller (429s, timeouts) and one caller's quota
    }


def test_example_workspace_holds_copies_of_the_builtins(example_workspace: Path) -> None:
    for name, text in builtin_texts().items():
        assert (example_workspace / "drills" / name).read_text() == text


def test_workspace_references_are_checked(example_workspace: Path) -> None:
    (example_workspace / "drills" / "mine.yaml").write_text(
        GOOD.replace("my-drill", "mine").replace("chat-api", "chat-apx")
        + "responders: {unreachable: [nobody]}\n"
    )
    with pytest.raises(ScenarioError) as info:
        load_catalog(require(example_workspace))
    text = str(info.value)
    assert "drills/mine.yaml:3:1: unknown service 'chat-apx'" in text
    assert "drills/mine.yaml:9:28: unknown person 'nobody'" in text


def test_a_broken_file_reports_all_its_problems(example_workspace: Path) -> None:
    (example_workspace / "drills" / "bad.yaml").write_text(
        GOOD.replace("my-drill", "bad") + "extra: 1\nmore: 2\n"
    )
    with pytest.raises(ScenarioError) as info:
        load_catalog(require(example_workspace))
    assert len(info.value.problems) == 2


def test_select_names_unknown_drills(example_workspace: Path) -> None:
    catalog = load_catalog(require(example_workspace))
    assert [e.name for e in select(catalog, ["provider-429-storm"])] == ["provider-429-storm"]
    assert len(select(catalog, [])) == len(catalog)
    with pytest.raises(InputError, match="no drill named 'nope'"):
        select(catalog, ["nope"])


def test_builtins_that_do_not_fit_the_workspace_are_left_out(example_workspace: Path) -> None:
    for copy in (example_workspace / "drills").glob("*.yaml"):
        copy.unlink()
    (example_workspace / "runbooks" / "agent-cost-spike.md").unlink()
    catalog = load_catalog(require(example_workspace))
    assert "agent-prompt-bloat" not in catalog and "agent-runaway-loop" not in catalog
    assert "chat-api-total-outage" in catalog
    assert catalog.unfit["agent-prompt-bloat"] == "unknown runbook 'agent-cost-spike'"
    with pytest.raises(InputError, match="does not fit this workspace: unknown runbook"):
        select(catalog, ["agent-runaway-loop"])


def test_a_provider_the_traffic_cannot_simulate_is_refused(example_workspace: Path) -> None:
    (example_workspace / "drills" / "mine.yaml").write_text(
        GOOD.replace("my-drill", "mine").replace(
            "{kind: outage,", "{kind: outage, provider: cohere,"
        )
    )
    with pytest.raises(ScenarioError, match="'cohere' is not one of them"):
        load_catalog(require(example_workspace))
