"""`firebreak db upgrade` on a workspace folder and on explicit URLs, with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import inspect

from firebreak.cli.db_cmd import db, store_url
from firebreak.store.db import open_store


def test_upgrade_creates_the_workspace_store_then_says_up_to_date(tmp_path: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(db, ["upgrade", "--workspace", str(tmp_path)])
    assert first.exit_code == 0, first.output
    assert "upgraded from empty" in first.output
    again = runner.invoke(db, ["upgrade", "--workspace", str(tmp_path)])
    assert "up to date" in again.output
    store = open_store(f"sqlite:///{tmp_path / 'firebreak.db'}")
    assert "incidents" in inspect(store.engine).get_table_names()
    store.dispose()


def test_upgrade_takes_a_url(db_url: str) -> None:
    result = CliRunner().invoke(db, ["upgrade", "--db", db_url])
    assert result.exit_code == 0, result.output
    store = open_store(db_url)
    assert store.current_revision() is not None
    store.dispose()


def test_store_url_comes_from_firebreak_toml(tmp_path: Path) -> None:
    (tmp_path / "firebreak.toml").write_text('[store]\nurl = "postgresql://x@h/db"\n')
    assert store_url(str(tmp_path), None) == "postgresql://x@h/db"
    assert store_url(str(tmp_path), "sqlite:///y.db") == "sqlite:///y.db"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://root@localhost/x", "unsupported store"),
        ("postgresql://postgres@127.0.0.1:5432/firebreak_no_such_db", "does not exist"),
    ],
)
def test_bad_stores_give_one_line_errors(url: str, message: str) -> None:
    from firebreak.errors import FirebreakError

    result = CliRunner().invoke(db, ["upgrade", "--db", url])
    assert isinstance(result.exception, FirebreakError)
    assert message in str(result.exception)
