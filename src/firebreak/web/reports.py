"""Figures over time and runbook health, for the API and the UI pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from firebreak.errors import InputError
from firebreak.metrics.figures import Period
from firebreak.metrics.load import figures_from_session, runbook_steps, series_from_session
from firebreak.web import charts
from firebreak.web.service import Service

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def figures(
    service: Service, since: datetime | None, until: datetime | None, bucket: str = "week"
) -> dict[str, Any]:
    """The report figures for the period and one point per bucket for the charts."""
    # the series always ends now (or at ``until``), so the chart shows the quiet weeks too
    end = until or service.clock.now()
    if since is not None and since >= end:
        raise InputError("since: must be before until (or before now)")
    runbooks = service.workspace.runbooks
    with service.store.unit_of_work(readonly=True) as uow:
        # the same figures as `firebreak report`, skipped runbook steps included
        out = figures_from_session(
            uow.session, Period(since, until), lambda wanted: runbook_steps(runbooks, wanted)
        )
        try:
            out["series"] = series_from_session(uow.session, Period(since, end), bucket)  # type: ignore[arg-type]
        except ValueError as exc:  # a period too long for the chosen bucket
            raise InputError(str(exc)) from None
    return out


def chart_panels(series: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The three charts of the figures page as inline SVG."""

    def points(key: str) -> list[charts.Point]:
        return [charts.Point(str(p["start"])[5:10], p.get(key)) for p in series]

    return [
        {
            "title": "MTTR (median, per week)",
            "svg": charts.line_chart(
                points("mttr_median_s"),
                "MTTR median per week",
                charts.fmt_duration,
                css_class="mttr",
            ),
        },
        {
            "title": "False alarm rate",
            "svg": charts.line_chart(
                points("false_alarm_rate"),
                "False alarm rate per week",
                charts.fmt_percent,
                axis=charts.fraction_axis,
                css_class="far",
            ),
        },
        {
            "title": "Drill pass rate",
            "svg": charts.line_chart(
                points("drill_pass_rate"),
                "Drill pass rate per week",
                charts.fmt_percent,
                axis=charts.fraction_axis,
                css_class="dpr",
            ),
        },
    ]


def runbook_health(service: Service) -> dict[str, Any]:
    """Each runbook with its lint findings; findings outside runbooks listed apart."""
    findings = service.lint_findings()
    by_path: dict[str, list[dict[str, Any]]] = {}
    for f in findings:
        by_path.setdefault(f.path, []).append(
            {
                "code": f.code,
                "severity": f.severity,
                "message": f.message,
                "path": f.path,
                "line": f.line,
                "col": f.col,
            }
        )
    books = []
    for rb in service.workspace.runbooks:
        found = sorted(
            by_path.pop(rb.path, []),
            key=lambda d: (SEVERITY_ORDER.get(d["severity"], 3), d["line"]),
        )
        books.append(
            {
                "id": rb.id,
                "title": rb.title,
                "path": rb.path,
                "service": rb.service,
                "scenario": rb.scenario,
                "severity": rb.severity,
                "reviewed": rb.reviewed.isoformat() if rb.reviewed else None,
                "steps": len(rb.steps),
                "findings": found,
                "worst": found[0]["severity"] if found else None,
            }
        )
    books.sort(key=lambda b: (SEVERITY_ORDER.get(str(b["worst"] or ""), 3), str(b["id"])))
    other = [f for items in by_path.values() for f in items]
    totals = {
        level: sum(1 for f in findings if f.severity == level)
        for level in ("error", "warning", "info")
    }
    return {"runbooks": books, "other_findings": other, "totals": totals}
