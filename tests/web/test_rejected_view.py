"""An alert the pipeline set aside shows on /metrics and on the UI's health page, on both stores."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fb_server import serve
from sqlalchemy import update

from firebreak.incidents.intake import _values
from firebreak.incidents.model import AlertIn
from firebreak.store.tables import Alert

pytestmark = pytest.mark.slow  # starts a server

T0 = datetime(2026, 12, 1, tzinfo=UTC)

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def test_a_rejected_alert_is_counted_and_listed_with_its_reason(
    example_workspace: Path, db_url: str
) -> None:
    with serve(example_workspace, db_url) as running:
        with running.store.unit_of_work() as uow:  # an alert no stage can read: labels a list
            bad = uow.alerts.append(_values(AlertIn(source="generic", dedup_key="odd"), T0))
            uow.session.execute(update(Alert).where(Alert.id == bad).values(labels=["x"]))
        with running.client() as c:
            good = c.post(
                f"/intake/generic/{running.keys['generic']}",
                json={"summary": "good", "labels": {"service": "summarizer"}},
            )
            assert good.status_code == 202

        def metric() -> bool:
            with running.client() as c:
                text = c.get("/metrics").text
            return "firebreak_alerts_rejected_total 1" in text

        assert running.wait_for(metric)
        with running.client() as c:
            page = c.get("/login")
            token = CSRF.search(page.text)
            assert token is not None
            c.post("/login", data={"csrf": token.group(1), "token": running.tokens["viewer"]})
            health = c.get("/runbooks").text
        assert "Alerts set aside" in health and "AttributeError" in health
        with running.client("viewer") as c:
            found = c.get("/api/incidents").json()["incidents"]
        assert [i["service"] for i in found] == ["summarizer"]
