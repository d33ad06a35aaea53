"""The example workspace that ``firebreak init`` writes.

The files under ``workspace/`` are templates: dates in them (rotation starts, an override, review
dates) are written relative to the day of ``init``, so a fresh example is never stale or half over.
"""

from __future__ import annotations

from datetime import date, timedelta
from importlib import resources
from pathlib import Path

from firebreak.errors import InputError

_TEMPLATE = "workspace"


def _placeholders(today: date) -> dict[str, str]:
    monday = today - timedelta(days=today.weekday())
    rotation_start = monday - timedelta(weeks=4)
    override_from = monday + timedelta(weeks=2, days=3)
    return {
        "@ROTATION_START@": rotation_start.isoformat(),
        "@OVERRIDE_FROM@": override_from.isoformat(),
        "@OVERRIDE_TO@": (override_from + timedelta(days=3)).isoformat(),
        "@REVIEWED@": (today - timedelta(days=14)).isoformat(),
    }


def example_files(today: date) -> dict[str, str]:
    """Relative path -> file text of the example workspace, with dates filled in."""
    values = _placeholders(today)
    root = resources.files(__package__).joinpath(_TEMPLATE)
    files: dict[str, str] = {}

    def walk(node: resources.abc.Traversable, prefix: str) -> None:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            rel = f"{prefix}{child.name}"
            if child.is_dir():
                walk(child, rel + "/")
            elif not child.name.endswith((".pyc", ".py")):
                text = child.read_text(encoding="utf-8")
                for key, value in values.items():
                    text = text.replace(key, value)
                files[rel] = text

    walk(root, "")
    return files


def write_example(target: Path, today: date, *, force: bool = False) -> list[Path]:
    """Write the example workspace into ``target``; refuse to overwrite files unless ``force``."""
    files = example_files(today)
    existing = [rel for rel in files if (target / rel).exists()]
    if existing and not force:
        raise InputError(
            f"{target} already holds {len(existing)} of the example's files "
            f"(first: {existing[0]}); choose an empty folder or pass --force"
        )
    written = []
    for rel, text in files.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
        written.append(path)
    return written
