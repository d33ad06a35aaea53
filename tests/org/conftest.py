"""Builders for small orgs and workspaces written as real files, loaded by the real loader."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from textwrap import dedent

import pytest

from firebreak.lint.findings import Finding
from firebreak.org.model import Org
from firebreak.workspace import _check_org_refs, _load_org_file

OrgBuilder = Callable[[str], Org]


@pytest.fixture
def make_org(tmp_path: Path) -> OrgBuilder:
    """Write YAML to org/org.yaml under tmp_path and load it; load problems fail the test."""

    def build(text: str) -> Org:
        folder = tmp_path / "org"
        folder.mkdir(exist_ok=True)
        path = folder / "org.yaml"
        path.write_text(dedent(text), encoding="utf-8")
        org = Org()
        problems: list[Finding] = []
        _load_org_file(path, "org/org.yaml", org, problems)
        _check_org_refs(org, problems)
        assert not problems, problems
        return org

    return build
