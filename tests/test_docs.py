"""The docs keep up with the code: every lint code, setting and command is documented."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from firebreak.cli import COMMANDS
from firebreak.lint.findings import RULES
from firebreak.settings import Settings

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_every_lint_code_has_a_section_with_both_examples() -> None:
    text = (DOCS / "lint-codes.md").read_text()
    for code in RULES:
        match = re.search(rf"^#+ .*\b{code}\b.*$", text, re.MULTILINE)
        assert match, f"{code} has no heading in docs/lint-codes.md"
        section = text[match.end() :]
        following = re.search(r"^#+ .*\bFB\d{3}\b", section, re.MULTILINE)
        body = section[: following.start()] if following else section
        lowered = body.lower()
        assert "fail" in lowered and "pass" in lowered, f"{code} lacks a failing/passing example"


def _setting_names(model: type[BaseModel], prefix: str = "") -> list[str]:
    names = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names.extend(_setting_names(annotation, f"{prefix}{name}."))
        else:
            names.append(f"{prefix}{name}")
    return names


def test_every_setting_is_documented() -> None:
    text = (DOCS / "workspace.md").read_text()
    for name in _setting_names(Settings):
        assert f"`{name}`" in text, f"setting {name} is not documented in docs/workspace.md"


def test_every_command_is_documented() -> None:
    text = (DOCS / "commands.md").read_text()
    for name in COMMANDS:
        assert re.search(rf"^#+ `?firebreak {name}\b", text, re.MULTILINE), (
            f"command {name} has no section in docs/commands.md"
        )
