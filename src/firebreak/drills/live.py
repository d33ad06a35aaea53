"""Live drills: send a drill-marked alert into a running firebreak server and watch the incident.

The alert goes to the generic intake (``POST /intake/generic/{key}``) with ``drill=true`` among
its labels, so the server opens a drill incident: real people are paged, every message says DRILL,
and the incident counts only toward the drill pass rate. With an API token the incident is
followed until it is acknowledged and resolved, or the wait runs out; each objective is graded
on what the server reports. The integration key is a secret: it never appears in any output.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from firebreak.clock import Clock
from firebreak.drills.results import ObjectiveResult
from firebreak.drills.scenario import Scenario
from firebreak.durations import format_duration as fmt
from firebreak.errors import InputError
from firebreak.runbooks.model import Runbook

POLL_S = 5.0


@dataclass(frozen=True)
class LiveTarget:
    url: str  # the server's base URL, e.g. http://127.0.0.1:8080
    key: str  # the generic integration key (secret)
    token: str | None = None  # an API token (viewer is enough) to follow the incident


def drill_alert(scenario: Scenario, runbook: Runbook | None, now: datetime) -> dict[str, Any]:
    """The generic alert body for a live drill."""
    title = runbook.title if runbook is not None and runbook.title else scenario.scenario
    labels = {
        "service": scenario.service,
        "scenario": scenario.scenario,
        "drill": "true",
        "drill_name": scenario.name,
    }
    if runbook is not None:
        labels["runbook"] = runbook.id
    return {
        "summary": f"DRILL {scenario.name}: {title}",
        "labels": labels,
        "status": "firing",
        "dedup_key": f"drill:{scenario.name}:{now.strftime('%Y%m%dT%H%M%SZ')}",
        "severity": runbook.severity if runbook is not None and runbook.severity else "sev3",
    }


def _base(url: str) -> str:
    if not url.startswith(("http://", "https://")):
        raise InputError(f"--live expects an http:// or https:// URL, got {url!r}")
    return url.rstrip("/")


def _explain(response: httpx.Response) -> str:
    try:
        body = response.json()
        detail = body.get("detail") or body.get("message") or body
    except ValueError:
        detail = response.text[:200]
    return f"HTTP {response.status_code}: {detail}"


def send(client: httpx.Client, target: LiveTarget, body: dict[str, Any]) -> ObjectiveResult:
    """Post the alert; a refused or failed post is an InputError naming the server, not the key."""
    base = _base(target.url)
    try:
        response = client.post(f"{base}/intake/generic/{target.key}", json=body)
    except httpx.HTTPError as exc:
        raise InputError(f"cannot reach {base}: {type(exc).__name__}") from None
    if response.status_code >= 300:
        raise InputError(f"{base} refused the drill alert: {_explain(response)}")
    return ObjectiveResult("delivered", True, f"{base} accepted the drill alert")


def find_incident(
    client: httpx.Client, target: LiveTarget, scenario: Scenario, since: datetime
) -> dict[str, Any] | None:
    """The newest drill incident for the scenario's service opened at or after ``since``."""
    base = _base(target.url)
    headers = {"Authorization": f"Bearer {target.token}"}
    response = client.get(
        f"{base}/api/incidents", headers=headers, params={"service": scenario.service}
    )
    if response.status_code >= 300:
        raise InputError(f"{base} refused to list incidents: {_explain(response)}")
    data = response.json()
    rows = data.get("incidents", data) if isinstance(data, dict) else data
    for row in rows if isinstance(rows, list) else []:
        opened = _when(row.get("opened_at"))
        if row.get("drill") and opened is not None and opened >= since - timedelta(seconds=5):
            return dict(row)
    return None


def _when(text: object) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def follow(
    client: httpx.Client,
    target: LiveTarget,
    scenario: Scenario,
    since: datetime,
    clock: Clock,
    wait: timedelta,
    poll_s: float = POLL_S,
) -> dict[str, Any] | None:
    """Poll until the drill incident is resolved or ``wait`` has passed; its last state."""
    deadline = clock.now() + wait
    last = None
    while True:
        last = find_incident(client, target, scenario, since) or last
        if (last is not None and last.get("resolved_at")) or clock.now() >= deadline:
            return last
        clock.sleep(poll_s)


def grade_live(scenario: Scenario, incident: dict[str, Any] | None) -> list[ObjectiveResult]:
    """Runbook, acknowledgement and resolution, from the server's view of the incident."""
    obj = scenario.objectives
    if incident is None:
        return [ObjectiveResult("opened", False, "no drill incident appeared on the server")]
    out = [ObjectiveResult("opened", True, f"incident #{incident.get('id')} opened")]
    if obj.runbook is not None:
        got = incident.get("runbook_id")
        out.append(
            ObjectiveResult(
                "runbook",
                got == obj.runbook,
                f"incident had {got or 'no runbook'} attached"
                + ("" if got == obj.runbook else f", expected {obj.runbook}"),
            )
        )
    opened = _when(incident.get("opened_at"))
    for name, field, limit in (
        ("ack_within", "acknowledged_at", obj.ack_within),
        ("resolved_within", "resolved_at", obj.resolved_within),
    ):
        if limit is None:
            continue
        at = _when(incident.get(field))
        if at is None or opened is None:
            out.append(ObjectiveResult(name, False, f"not {field.removesuffix('_at')} in time"))
            continue
        took = at - opened
        verdict = "within" if took <= limit else "later than"
        out.append(
            ObjectiveResult(
                name, took <= limit, f"{fmt(took)} after opening ({verdict} {fmt(limit)})"
            )
        )
    return out


def verified(followed: bool, incident: dict[str, Any] | None, wait: str) -> ObjectiveResult:
    """Whether firebreak saw the live drill through: without ``--token`` it cannot look at the
    incident, and an incident still open when ``--wait`` ran out may yet go either way. Such a
    drill is ``unverified``: not passed, and not counted in the drill pass rate."""
    if not followed:
        return ObjectiveResult(
            "verified",
            False,
            "unverified: the server accepted the alert, but without --token firebreak cannot "
            "follow the incident to its resolution",
        )
    if incident is None:
        return ObjectiveResult("verified", True, "followed: no drill incident appeared")
    if not incident.get("resolved_at"):
        return ObjectiveResult(
            "verified",
            False,
            f"unverified: incident #{incident.get('id')} was still open when --wait {wait} ran out",
        )
    return ObjectiveResult(
        "verified", True, f"followed incident #{incident.get('id')} to its resolution"
    )
