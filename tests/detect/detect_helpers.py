"""Helpers for detection tests: small event sets and runbooks built in code."""

from __future__ import annotations

from typing import Any

from firebreak.errors import Location
from firebreak.runbooks.model import Runbook, Trigger
from firebreak.signals.columns import events_from_columns
from firebreak.signals.schema import Events

T0 = 1793610000.0  # 2026-11-02T09:00:00Z, a multiple of 30 s


def make_events(rows: list[dict[str, Any]]) -> Events:
    """Events from row dicts; service/provider/model/status default to chat-api/openai/ok."""
    base = {"service": "chat-api", "provider": "openai", "model": "gpt-4.1", "status": "ok"}
    full = [{**base, **r} for r in rows]
    names = {k for r in full for k in r}
    cols = {k: [r.get(k) for r in full] for k in names}
    return events_from_columns(cols, len(full), "test", lambda i: Location("test"))


def make_runbook(
    *triggers: dict[str, Any],
    rid: str = "rb",
    service: str = "chat-api",
    scenario: str = "inference_outage",
) -> Runbook:
    return Runbook(
        id=rid,
        path=f"runbooks/{rid}.md",
        service=service,
        scenario=scenario,
        triggers=[Trigger.model_validate(t) for t in triggers],
    )
