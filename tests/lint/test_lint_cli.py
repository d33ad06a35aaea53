"""`python -m firebreak lint` as a real process: exit statuses, output formats, bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from lint_workspace import GOOD, TODAY, good_text


def run(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> tuple[int, str, str]:
    inherited = {k: v for k, v in os.environ.items() if k != "FIREBREAK_WORKSPACE"}
    full_env = {**inherited, "NO_COLOR": "1", **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "firebreak", "lint", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, proc.stdout, proc.stderr


def break_runbook(ws: Path, old: str, new: str) -> None:
    path = ws / "runbooks" / GOOD.name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.mark.slow
def test_clean_workspace_exits_0(small_ws: Path) -> None:
    code, out, _ = run(str(small_ws), "--today", "2026-11-27", "--select", "FB1,FB2,FB3,FB4")
    assert code == 0 and "No findings" in out


@pytest.mark.slow
def test_fail_on_decides_the_exit_status(small_ws: Path) -> None:
    break_runbook(small_ws, "   Expect: one provider or model carries most errors.\n", "")
    args = (str(small_ws), "--today", "2026-11-27", "--select", "FB4")
    code, out, _ = run(*args)
    assert code == 0 and "FB403" in out
    code, out, _ = run(*args, "--fail-on", "warning")
    assert code == 1
    code, out, _ = run(*args, "--fail-on", "warning", "--ignore", "FB403")
    assert code == 0 and "FB403" not in out


@pytest.mark.slow
def test_error_exits_1_with_location_under_the_given_path(tmp_path: Path, small_ws: Path) -> None:
    break_runbook(small_ws, "severity: sev1", "severity: 1")
    code, out, _ = run("ws", "--today", "2026-11-27", "--select", "FB1", cwd=tmp_path)
    assert code == 1
    assert f"ws/runbooks/{GOOD.name}:6:1: FB103 severity:" in out
    assert "1 finding(s): 1 error" in out


@pytest.mark.slow
def test_default_workspace_paths_are_relative_to_it(small_ws: Path, tmp_path: Path) -> None:
    break_runbook(small_ws, "severity: sev1", "severity: 1")
    code, out, _ = run(
        "--select", "FB103", env={"FIREBREAK_WORKSPACE": str(small_ws)}, cwd=tmp_path
    )
    assert code == 1 and out.startswith(f"runbooks/{GOOD.name}\n")


@pytest.mark.slow
def test_workspace_lint_ignore_setting(small_ws: Path) -> None:
    break_runbook(small_ws, "severity: sev1", "severity: 1")
    (small_ws / "firebreak.toml").write_text('[lint]\nignore = ["FB103"]\n')
    code, out, _ = run(str(small_ws), "--select", "FB1", "--today", "2026-11-27")
    assert code == 0 and "FB103" not in out


@pytest.mark.slow
def test_today_makes_staleness_reproducible(small_ws: Path) -> None:
    code, out, _ = run(str(small_ws), "--select", "FB201", "--today", "2027-06-01")
    assert "FB201 review overdue by 153 day(s)" in out and code == 0
    code, _, err = run(str(small_ws), "--today", "June 1st")
    assert code == 2 and "YYYY-MM-DD" in err


@pytest.mark.slow
def test_json_shape(small_ws: Path) -> None:
    break_runbook(small_ws, "above: 0.05", "above: high")
    code, out, _ = run(
        str(small_ws), "--format", "json", "--select", "FB3", "--today", "2026-11-27"
    )
    data = json.loads(out)
    assert code == 1 and isinstance(data, list) and data
    for item in data:
        assert list(item) == ["path", "line", "col", "code", "severity", "message"]
    assert data[0]["code"] == "FB303" and data[0]["severity"] == "error"
    assert (data[0]["line"], data[0]["col"]) == (16, 3)


@pytest.mark.slow
def test_sarif_shape(small_ws: Path) -> None:
    break_runbook(small_ws, "*(operations)*\n   ```sh", "\n   ```sh")
    code, out, _ = run(
        str(small_ws), "--format", "sarif", "--select", "FB4", "--today", "2026-11-27"
    )
    doc = json.loads(out)
    assert code == 0 and doc["version"] == "2.1.0"
    run0 = doc["runs"][0]
    rules = run0["tool"]["driver"]["rules"]
    assert {"FB101", "FB404", "FB702"} <= {r["id"] for r in rules}
    (result,) = run0["results"]
    assert result["ruleId"] == "FB404" and result["level"] == "warning"
    assert rules[result["ruleIndex"]]["id"] == "FB404"
    physical = result["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"].endswith(f"runbooks/{GOOD.name}")
    assert physical["region"] == {"startLine": 37, "startColumn": 1}


@pytest.mark.slow
def test_github_shape(small_ws: Path) -> None:
    break_runbook(small_ws, "severity: sev1", "severity: 1")
    code, out, _ = run(
        str(small_ws), "--format", "github", "--select", "FB1", "--today", "2026-11-27"
    )
    first = out.splitlines()[0]
    assert code == 1
    assert first.startswith(
        f"::error file={small_ws}/runbooks/{GOOD.name},line=6,col=1,title=FB103::"
    )


@pytest.mark.slow
def test_help_shows_an_example() -> None:
    code, out, _ = run("--help")
    assert code == 0 and "firebreak lint demo" in out and "--fail-on" in out


@pytest.mark.slow
def test_unknown_code_is_a_usage_error(small_ws: Path) -> None:
    code, _, err = run(str(small_ws), "--select", "FB999")
    assert code == 2 and "unknown rule code" in err


@pytest.mark.slow
def test_no_such_path_exits_2(tmp_path: Path) -> None:
    code, out, err = run(str(tmp_path / "nope"))
    assert code == 2 and "no such file or folder" in out and "nothing could be read" in err


BAD_FILES: dict[str, bytes] = {
    "malformed.md": b"---\ntitle: [unclosed\n---\n# T\n",
    "empty.md": b"",
    "binary.md": b"\x00\x01\x02\x03",
    "unclosed.md": b"---\ntitle: x\n# Body\n",
    "huge.md": b"# T\n" + b"a" * 10_000_000,
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_alone_is_a_finding_and_exit_2(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(BAD_FILES[name])
    code, out, _ = run(name, cwd=tmp_path)
    assert code == 2
    assert out.startswith(f"{name}\n{name}:") and "FB100" in out


@pytest.mark.slow
def test_bad_files_beside_a_good_one_exit_1(tmp_path: Path) -> None:
    folder = tmp_path / "loose"
    folder.mkdir()
    for name, data in BAD_FILES.items():
        (folder / name).write_bytes(data)
    (folder / "good.md").write_text(good_text())
    (folder / "types.md").write_text(good_text().replace("roles:\n", "roles: [a, b]\nx:\n"))
    code, out, _ = run("loose", "--today", "2026-11-27", "--format", "json", cwd=tmp_path)
    found = json.loads(out)
    assert code == 1
    by_file = {f["path"]: f for f in found if f["code"] in ("FB100", "FB103")}
    assert set(by_file) == {f"loose/{n}" for n in [*BAD_FILES, "types.md"]}
    assert (by_file["loose/malformed.md"]["line"], by_file["loose/malformed.md"]["col"]) == (3, 1)
    assert by_file["loose/types.md"]["line"] == 9
    assert not any(f["path"] == "loose/good.md" for f in found)


@pytest.mark.slow
def test_no_front_matter_collection(tmp_path: Path) -> None:
    fixture = Path(__file__).parents[1] / "runbooks" / "fixtures" / "public-style.md"
    code, out, _ = run(str(fixture), "--fail-on", "info")
    assert code == 0 and "No findings (1 file read)" in out
    assert "Readiness: not judged" in out


def test_text_on_a_terminal_uses_rich(small_ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from firebreak.lint.output import render_text
    from firebreak.lint.run import lint_paths

    break_runbook(small_ws, "severity: sev1", "severity: 1")
    report = lint_paths([], small_ws, TODAY, select=("FB1",))
    assert render_text(report, color=True) is None
    shown = capsys.readouterr().out
    assert f"runbooks/{GOOD.name}:6:1: FB103" in shown and "1 error" in shown
    assert render_text(report, color=False) == shown
