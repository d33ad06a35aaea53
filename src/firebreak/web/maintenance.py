"""The handoff and the weekly review in the service: ``/api/handoff``, ``/api/review`` and the
UI pages ``/handoff`` and ``/review``, built by the same functions as the CLI."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from firebreak.durations import parse_duration
from firebreak.errors import InputError
from firebreak.review.handoff import build_handoff
from firebreak.review.weekly import build_review
from firebreak.web.api import Viewer, _errors, service_of
from firebreak.web.charts import fmt_duration, fmt_percent
from firebreak.web.ui import _login_redirect, _page, _viewer, templates

api = APIRouter(prefix="/api", tags=["api"])
pages = APIRouter(include_in_schema=False)
templates.env.filters["duration"] = lambda v: "—" if v is None else fmt_duration(float(v))
templates.env.filters["percent"] = lambda v: "—" if v is None else fmt_percent(float(v))
Span = Annotated[str, Query(max_length=20, description="A duration such as 12h or 7d")]


def _span(text: str, name: str) -> timedelta:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise InputError(f"{name}: {exc}") from None


def handoff_data(request: Request, since: str) -> dict[str, Any]:
    svc = service_of(request)
    span = _span(since, "since")
    with svc.store.unit_of_work(readonly=True) as uow:
        return build_handoff(
            svc.workspace, uow.session, svc.clock.now(), span, lint=svc.lint_findings()
        )


def review_data(request: Request, period: str, weeks: int) -> dict[str, Any]:
    svc = service_of(request)
    span = _span(period, "period")
    with svc.store.unit_of_work(readonly=True) as uow:
        return build_review(
            svc.workspace,
            uow.session,
            svc.clock.now(),
            span,
            weeks=weeks,
            complete_captures=False,
            lint=svc.lint_findings(),
        )


@api.get(
    "/handoff",
    summary="The shift handoff (as `firebreak handoff --format json`)",
    responses=_errors(400),
)
def api_handoff(request: Request, who: Viewer, since: Span = "12h") -> dict[str, Any]:
    return handoff_data(request, since)


@api.get(
    "/review",
    summary="The weekly review (as `firebreak review --format json`)",
    responses=_errors(400),
)
def api_review(
    request: Request,
    who: Viewer,
    period: Span = "7d",
    weeks: Annotated[int, Query(ge=1, le=52)] = 6,
) -> dict[str, Any]:
    return review_data(request, period, weeks)


@pages.get("/handoff")
def handoff_page(request: Request, since: str = "12h") -> Response:
    user = _viewer(request)
    if user is None:
        return _login_redirect(request)
    return _page(request, "handoff.html", user, nav="/handoff", h=handoff_data(request, since[:20]))


@pages.get("/review")
def review_page(request: Request, period: str = "7d") -> Response:
    user = _viewer(request)
    if user is None:
        return _login_redirect(request)
    return _page(
        request, "review.html", user, nav="/review", r=review_data(request, period[:20], 6)
    )
