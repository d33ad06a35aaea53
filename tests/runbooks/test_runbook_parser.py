"""The runbook parser: front matter with file positions, body structure from markdown-it."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from firebreak.org.model import Org
from firebreak.runbooks.parser import check_runbook_refs, parse_runbook, parse_text
from firebreak.workspace import load_workspace

FIXTURES = Path(__file__).parent / "fixtures"
GOOD = Path(__file__).parents[1] / "lint" / "fixtures" / "ws" / "runbooks"
GOOD_FILE = GOOD / "chat-api-inference-outage.md"


def parse(text: str) -> tuple[object, list[tuple[str, int, int]]]:
    runbook, found = parse_text(text, "rb.md", default_id="rb")
    return runbook, [(f.code, f.line, f.col) for f in found]


def good() -> str:
    return GOOD_FILE.read_text()


def test_front_matter_fields_and_steps() -> None:
    runbook, found = parse_runbook(GOOD_FILE, "rb.md")
    assert found == [] and runbook is not None
    assert runbook.id == "chat-api-inference-outage"
    assert (runbook.title, runbook.title_line) == ("Chat API inference outage", 28)
    assert runbook.severity == "sev1" and runbook.owner == "team:ml-platform"
    assert runbook.roles["communications"] == "person:dana"
    assert runbook.triggers[0].above == 0.05 and runbook.triggers[0].min_requests == 50
    assert runbook.done_when[0].below == 0.01
    assert runbook.reviewed == date(2026, 10, 1)
    assert runbook.review_every == timedelta(days=90)
    assert runbook.backup == "person:lee" and runbook.handoff
    assert runbook.body_line == 28
    assert list(runbook.sections) == ["meaning", "impact", "diagnosis", "mitigation"]
    assert [s.key for s in runbook.steps] == ["diagnosis.1", "mitigation.1", "mitigation.2"]
    first, _, last = runbook.steps
    assert first.role == "operations" and first.line == 37
    assert first.commands == [
        "firebreak signals top error_ratio --service chat-api --by provider,model --last 15m"
    ]
    assert first.expect == "one provider or model carries most errors."
    assert last.role == "communications"
    assert last.links == ["https://status.example.com/admin"]
    assert last.expect == "the status page shows the incident."
    assert "status page" in last.text and "Expect" not in last.text


def test_no_front_matter_is_judged_on_its_body() -> None:
    runbook, found = parse_runbook(FIXTURES / "public-style.md", "public-style.md")
    assert found == [] and runbook is not None
    assert runbook.id == "public-style" and runbook.title == "KubePodCrashLooping"
    assert runbook.front_matter is None
    assert [s.key for s in runbook.steps] == ["diagnosis.1", "diagnosis.2", "mitigation.1"]
    assert runbook.steps[1].inline_code == ["kubectl logs --previous $POD"]
    assert runbook.steps[2].links == ["https://example.com/rollback"]


@pytest.mark.parametrize(
    ("heading", "section"),
    [
        ("## Troubleshooting", "diagnosis"),
        ("## Remediation steps", "mitigation"),
        ("### Resolution", "mitigation"),
        ("## 2. Investigation:", "diagnosis"),
        ("## **Mitigation**", "mitigation"),
        ("## Summary", "meaning"),
    ],
)
def test_section_variants(heading: str, section: str) -> None:
    runbook, _ = parse(f"# T\n\n{heading}\n1. Do it. *(operations)*\n")
    assert section in runbook.sections  # type: ignore[attr-defined]


def test_level_3_headings_inside_a_section_are_subsections() -> None:
    text = (
        "# T\n\n## Diagnosis\n### Steps\n1. Look. *(ops)*\n\n## Runbook\n### Fix\n1. Do. *(ops)*\n"
    )
    runbook, _ = parse(text)
    assert [s.key for s in runbook.steps] == ["diagnosis.1", "mitigation.1"]  # type: ignore[attr-defined]


def test_numbered_items_outside_step_sections_are_not_steps() -> None:
    runbook, _ = parse("# T\n\n## Meaning\n1. a\n2. b\n\n## Mitigation\n- bullet\n")
    assert runbook.steps == []  # type: ignore[attr-defined]


def test_nested_lists_belong_to_their_step() -> None:
    text = "# T\n\n## Mitigation\n1. Restart. *(operations)*\n   1. run `make restart`\n"
    runbook, _ = parse(text)
    steps = runbook.steps  # type: ignore[attr-defined]
    assert len(steps) == 1 and steps[0].inline_code == ["make restart"]


def test_trigger_list_and_front_matter_title_wins() -> None:
    text = (
        good()
        .replace(
            "trigger:\n  signal: error_ratio\n",
            "trigger:\n  - signal: latency_p95\n    above: 8\n    window: 5m\n    for: 5m\n"
            "  - signal: error_ratio\n",
        )
        .replace(
            "\n  where: {service: chat-api}\n  above: 0.05\n  window: 5m\n  for: 2m\n"
            "  min_requests: 50\n",
            "\n    above: 0.05\n    window: 5m\n    for: 2m\n    min_requests: 50\n",
        )
    )
    runbook, found = parse(text)
    assert found == []
    assert [t.signal for t in runbook.triggers] == ["latency_p95", "error_ratio"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("severity: sev1", "severity: sev9", ("FB103", 6, 1)),
        ("reviewed: 2026-10-01", "reviewed: last week", ("FB103", 22, 1)),
        ("reviewed: 2026-10-01", "reviewed: 20261001", ("FB103", 22, 1)),
        ("review_every: 90d", "review_every: quarterly", ("FB103", 23, 1)),
        ("owner: team:ml-platform", "owner: ml-platform", ("FB103", 7, 1)),
        ("  commander: schedule:ml-platform-primary\n", "  commander: [dana]\n", ("FB103", 10, 3)),
        ("  window: 5m", "  window: 5 minutes", ("FB103", 17, 3)),
        ("above: 0.05", "above: high", ("FB303", 16, 3)),
        ("  min_requests: 50", "  min_requests: lots", ("FB303", 19, 3)),
        ("signal: error_ratio\n  where", "signal: errors\n  where", ("FB103", 14, 3)),
        ("- {signal: error_ratio, where", "- {signal: error_rate, where", ("FB103", 21, 6)),
        ("tags: [chat, inference]", "tags: chat", ("FB103", 26, 1)),
        (
            "trigger:\n  signal: error_ratio\n  where: {service: chat-api}\n  above: 0.05\n"
            "  window: 5m\n  for: 2m\n  min_requests: 50\n",
            "trigger: error_ratio above 5%\n",
            ("FB103", 13, 1),
        ),
        (
            "scenario: inference_outage\n",
            "scenario: inference_outage\nowner_team: x\n",
            ("FB102", 6, 1),
        ),
        ("done_when:\n  - {signal", "done_when:\n  - {colour: red, signal", ("FB102", 21, 6)),
    ],
)
def test_bad_values_are_found_where_they_are_written(
    old: str, new: str, expected: tuple[str, int, int]
) -> None:
    text = good()
    assert old in text
    runbook, found = parse(text.replace(old, new, 1))
    assert runbook is not None
    assert expected in found, found


def test_one_bad_key_keeps_the_others() -> None:
    runbook, _ = parse(good().replace("severity: sev1", "severity: 1"))
    assert runbook.severity is None and runbook.service == "chat-api"  # type: ignore[attr-defined]


def test_missing_keys_and_title_from_h1() -> None:
    text = (
        good()
        .replace("title: Chat API inference outage\n", "")
        .replace("owner: team:ml-platform\n", "")
    )
    runbook, found = parse(text)
    assert runbook.title == "Chat API inference outage"  # type: ignore[attr-defined]
    assert found == [("FB101", 1, 1)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ("FB100", 1, 1)),
        ("  \n\n", ("FB100", 1, 1)),
        ("---\ntitle: x\n# never closed\n", ("FB100", 1, 1)),
        ("---\ntitle: [x\n---\n# T\n", ("FB100", 3, 1)),
        ("---\n- a\n- b\n---\n# T\n", ("FB100", 2, 1)),
        ("---\ntitle: x\ntitle: y\n---\n", ("FB100", 3, 1)),
        ("---\nreviewed: 2026-13-45\n---\n# T\n", ("FB100", 2, 11)),
        ("---\na: &a [*a]\n---\n# T\n", ("FB100", 2, 4)),
        ("---\ntitle: !!python/object:os.system x\n---\n", ("FB100", 2, 8)),
    ],
)
def test_unreadable_text_is_one_finding_with_its_place(
    text: str, expected: tuple[str, int, int]
) -> None:
    runbook, found = parse(text)
    assert runbook is None and found == [expected]


def test_unclosed_front_matter_does_not_half_parse_the_body() -> None:
    runbook, found = parse("---\ntitle: x\n\n# Body\n\n## Mitigation\n1. x\n")
    assert runbook is None and [c for c, _, _ in found] == ["FB100"]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"\x00\x01\x02binary", "binary"),
        (b"# T\n\xff\xfe not utf-8\n", "not UTF-8"),
        (b"# T\n" + b"x" * 10_000_000, "bytes"),
    ],
)
def test_unreadable_files(tmp_path: Path, data: bytes, words: str) -> None:
    path = tmp_path / "bad.md"
    path.write_bytes(data)
    runbook, found = parse_runbook(path, "bad.md")
    assert runbook is None and len(found) == 1
    assert found[0].code == "FB100" and words in found[0].message and found[0].path == "bad.md"


def test_empty_front_matter_is_a_runbook_missing_keys() -> None:
    runbook, found = parse("---\n---\n# T\n")
    assert runbook is not None and {c for c, _, _ in found} == {"FB101"}


def _org(tmp_path: Path) -> Org:
    src = Path(__file__).parents[1] / "lint" / "fixtures" / "ws" / "org"
    root = tmp_path / "w"
    (root / "org").mkdir(parents=True)
    for path in src.iterdir():
        (root / "org" / path.name).write_text(path.read_text())
    return load_workspace(root).workspace.org


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        ("service: chat-api\n", "service: chat\n", 4),
        ("escalation: ml-platform-page", "escalation: nobody-page", 8),
        ("owner: team:ml-platform", "owner: person:ghost", 7),
        ("communications: person:dana", "communications: person:ghost", 11),
        ("operations: schedule:ml-platform-secondary", "operations: schedule:none", 12),
        ("backup: person:lee", "backup: team:ghosts", 24),
        ("where: {service: chat-api}\n  above", "where: {service: chat}\n  above", 15),
        ("where: {service: chat-api}, below", "where: {service: chatapi}, below", 21),
    ],
)
def test_unknown_references(tmp_path: Path, old: str, new: str, line: int) -> None:
    org = _org(tmp_path)
    runbook, _ = parse(good())
    assert check_runbook_refs(runbook, org) == []  # type: ignore[arg-type]
    broken, _ = parse(good().replace(old, new, 1))
    found = check_runbook_refs(broken, org)  # type: ignore[arg-type]
    assert [(f.code, f.line) for f in found] == [("FB104", line)]


def test_a_broken_trigger_in_a_list_keeps_the_others() -> None:
    text = (
        good()
        .replace(
            "trigger:\n  signal: error_ratio\n  where: {service: chat-api}\n  above: 0.05\n",
            "trigger:\n  - {signal: latency_p95, above: slow, window: 5m, for: 5m}\n"
            "  - {signal: latency_p99, above: 30, window: 5m, for: 5m, colour: red}\n"
            "  - signal: error_ratio\n    where: {service: chat-api}\n    above: 0.05\n",
        )
        .replace(
            "  window: 5m\n  for: 2m\n  min_requests: 50\n",
            "    window: 5m\n    for: 2m\n    min_requests: 50\n",
        )
    )
    runbook, found = parse(text)
    assert found == [("FB303", 14, 27), ("FB102", 15, 59)]
    assert [t.signal for t in runbook.triggers] == ["error_ratio"]  # type: ignore[attr-defined]


def test_done_when_must_be_a_list() -> None:
    text = good().replace("done_when:\n  - {signal", "done_when:\n  {signal")
    _, found = parse(text)
    assert found == [("FB103", 20, 1)]
