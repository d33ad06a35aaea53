"""Atlassian Statuspage summaries (``/api/v2/summary.json``) to ``provider_status`` samples.

The level is the worst component status: 0 operational, 1 degraded_performance,
2 partial_outage, 3 major_outage (``under_maintenance`` counts as 1). With no components the
page indicator is used (none 0, minor 1, major 2, critical 3). The provider is the summary's
``provider`` key when present (firebreak writes it in JSONL history), else the page name in
lower case with spaces as dashes ("OpenAI" -> "openai"). The time is ``page.updated_at``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from firebreak.errors import InputError, Location

COMPONENT_LEVELS = {
    "operational": 0,
    "degraded_performance": 1,
    "under_maintenance": 1,
    "partial_outage": 2,
    "major_outage": 3,
}
INDICATOR_LEVELS = {"none": 0, "minor": 1, "major": 2, "critical": 3, "maintenance": 1}
LEVEL_NAMES = ("operational", "degraded_performance", "partial_outage", "major_outage")
INDICATORS = ("none", "minor", "major", "critical")


def is_summary(obj: dict[str, Any]) -> bool:
    return isinstance(obj.get("page"), dict) and isinstance(obj.get("status"), dict)


def status_sample(obj: dict[str, Any], where: Location) -> tuple[float, str, float]:
    """(time, provider, level) from one summary; a clear error when a field is missing."""
    page = obj["page"]
    provider = obj.get("provider") or str(page.get("name", "")).strip().lower().replace(" ", "-")
    if not provider:
        raise InputError("Statuspage summary without page.name (or provider)", location=where)
    stamp = page.get("updated_at")
    try:
        when = datetime.fromisoformat(str(stamp)).timestamp()
    except ValueError:
        raise InputError(
            f"page.updated_at {stamp!r} is not an ISO 8601 time", location=where
        ) from None
    levels = []
    for comp in obj.get("components") or []:
        if not isinstance(comp, dict) or comp.get("group") is True:
            continue
        status = comp.get("status")
        if status not in COMPONENT_LEVELS:
            raise InputError(
                f"component status {status!r} is not one of {', '.join(COMPONENT_LEVELS)}",
                location=where,
            )
        levels.append(COMPONENT_LEVELS[status])
    if levels:
        return when, provider, float(max(levels))
    indicator = obj["status"].get("indicator")
    if indicator not in INDICATOR_LEVELS:
        raise InputError(
            f"status.indicator {indicator!r} is not one of {', '.join(INDICATOR_LEVELS)}",
            location=where,
        )
    return when, provider, float(INDICATOR_LEVELS[indicator])


def summary(provider: str, at: datetime, level: int, component: str = "API") -> dict[str, Any]:
    """A Statuspage summary as the API serves it, with one component at ``level``."""
    stamp = at.isoformat().replace("+00:00", "Z")
    description = "All Systems Operational" if level == 0 else "Partial System Outage"
    return {
        "provider": provider,
        "page": {
            "id": f"{provider}-status",
            "name": provider,
            "url": f"https://status.{provider}.example",
            "time_zone": "Etc/UTC",
            "updated_at": stamp,
        },
        "status": {"indicator": INDICATORS[level], "description": description},
        "components": [
            {
                "id": f"{provider}-{component.lower()}",
                "name": component,
                "status": LEVEL_NAMES[level],
                "updated_at": stamp,
                "group": False,
                "only_show_if_degraded": False,
            }
        ],
        "incidents": [],
        "scheduled_maintenances": [],
    }
