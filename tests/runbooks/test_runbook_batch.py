"""Parsing ahead on two cores gives exactly what parsing one file after another gives."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest

from firebreak.lint.run import lint_paths
from firebreak.runbooks import batch
from firebreak.runbooks.parser import parse_runbook

GOOD = (
    Path(__file__).parents[1]
    / "lint"
    / "fixtures"
    / "ws"
    / "runbooks"
    / "chat-api-inference-outage.md"
).read_text()


@pytest.fixture
def many(tmp_path: Path) -> Path:
    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(batch.PARALLEL_FROM + 10):
        text = GOOD.replace("id: chat-api-inference-outage", f"id: rb{n}")
        if n % 7 == 0:
            text = text.replace("   Expect: one provider or model carries most errors.\n", "")
        if n % 11 == 0:
            text = text.replace("severity: sev1", "severity: 9")
        (folder / f"rb{n:03d}.md").write_text(text)
    return folder


def test_parallel_and_serial_agree(many: Path) -> None:
    serial = lint_paths([str(many)], many, date(2026, 11, 27))
    parallel = lint_paths([str(many)], many, date(2026, 11, 27), parallel=True)
    assert parallel.findings == serial.findings and parallel.files == serial.files
    assert {f.code for f in serial.findings} == {"FB103", "FB403"}


def test_primed_results_are_used_only_for_unchanged_files(many: Path) -> None:
    if threading.active_count() > 1:
        pytest.skip("the test process runs threads, so prime() does not fork")
    files = sorted(many.glob("*.md"))
    primed = batch.prime([(p, p.name) for p in files])
    first, second = files[0], files[1]
    assert (str(second), second.name) in primed
    runbook, _ = parse_runbook(second, second.name, primed)  # taken from the primed results
    assert (str(second), second.name) not in primed
    assert runbook is not None and runbook.id == "rb1"
    first.write_text(GOOD.replace("severity: sev1", "severity: sev2") + "\n")
    changed, _ = parse_runbook(first, first.name, primed)
    assert changed is not None and changed.severity == "sev2"


def test_few_files_are_not_parsed_ahead(many: Path) -> None:
    files = sorted(many.glob("*.md"))[:3]
    primed = batch.prime([(p, p.name) for p in files])
    assert primed.take(files[0], files[0].name) is None
