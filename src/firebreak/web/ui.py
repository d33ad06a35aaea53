"""The web UI: server-rendered pages (Jinja2), a session cookie, and a CSRF token on every form."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from firebreak import __version__
from firebreak.errors import Forbidden, InputError, Unauthorized
from firebreak.incidents import actions
from firebreak.runbooks.model import SCENARIOS
from firebreak.web import reports, views
from firebreak.web.auth import (
    NONCE_COOKIE,
    SESSION_COOKIE,
    SESSION_TTL,
    check_csrf,
    csrf_for,
    make_session,
    session_user,
)
from firebreak.web.credentials import Principal, find_token
from firebreak.web.keys import role_allows
from firebreak.web.service import Service

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.globals["static"] = lambda name: f"/static/{name}?v={__version__}"


def _when(value: str | None) -> str:
    """An ISO time as a responder reads it: 'Mon 30 Nov 08:00 UTC'."""
    if not value:
        return "—"
    return datetime.fromisoformat(value).astimezone(UTC).strftime("%a %d %b %H:%M UTC")


templates.env.filters["when"] = _when
router = APIRouter(include_in_schema=False)
ONCALL_HORIZON = timedelta(days=14)


def _svc(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def _safe_next(target: str | None) -> str:
    """Only same-site paths are followed after sign-in (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/incidents"
    return target


def _page(
    request: Request, name: str, user: tuple[Principal, str] | None, **data: Any
) -> HTMLResponse:
    context = {
        "user": user[0] if user else None,
        "csrf": csrf_for(_svc(request), user[1]) if user else "",
        **data,
    }
    return templates.TemplateResponse(request, name, context)


def _viewer(request: Request) -> tuple[Principal, str] | None:
    return session_user(request)


def _login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target)}", status_code=303)


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/incidents", status_code=303)


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    return _login_page(request, _safe_next(next), None)


def _login_page(
    request: Request, target: str, error: str | None, status: int = 200
) -> HTMLResponse:
    nonce = request.cookies.get(NONCE_COOKIE) or secrets.token_urlsafe(16)
    page = templates.TemplateResponse(
        request,
        "login.html",
        {"user": None, "csrf": csrf_for(_svc(request), nonce), "next": target, "error": error},
        status_code=status,
    )
    page.set_cookie(
        NONCE_COOKIE, nonce, httponly=True, samesite="lax", secure=request.url.scheme == "https"
    )
    return page


@router.post("/login")
async def login(request: Request) -> Response:
    service = _svc(request)
    form = await request.form()
    target = _safe_next(str(form.get("next") or ""))
    check_csrf(service, request.cookies.get(NONCE_COOKIE), str(form.get("csrf") or ""))
    secret = str(form.get("token") or "").strip()

    def lookup() -> Principal | None:
        with service.store.unit_of_work(readonly=True) as uow:
            found = find_token(uow, secret, service.clock.now()) if secret else None
        return found[0] if found else None

    principal = await run_in_threadpool(lookup)
    if principal is None:
        return _login_page(request, target, "That token is unknown or revoked.", 401)
    cookie, _nonce = make_session(service, principal.token_id)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=int(SESSION_TTL.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    response.delete_cookie(NONCE_COOKIE)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    user = await _form_user(request, "viewer")
    del user
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


async def _form_user(request: Request, role: str) -> tuple[Principal, dict[str, str]]:
    """The signed-in user of a form post, with the form; checks origin, CSRF and role."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
        raise Forbidden("cross-site form posts are refused")
    user = await run_in_threadpool(session_user, request)
    if user is None:
        raise Unauthorized("sign in first")
    form = {k: str(v) for k, v in (await request.form()).items()}
    check_csrf(_svc(request), user[1], form.get("csrf"))
    if not role_allows(user[0].role, role):
        raise Forbidden(f"this needs a {role} token; you are signed in as {user[0].role}")
    return user[0], form


def _filtered(
    uow: Any, svc: Service, now: datetime, status: str, service: str, scenario: str
) -> list[dict[str, Any]]:
    """The incident list as the page's filters ask (an empty filter means any)."""
    return views.list_incidents(
        uow,
        svc.workspace,
        now,
        status=status or None,
        service=service or None,
        scenario=scenario or None,
    )


@router.get("/incidents")
def incidents(
    request: Request, status: str = "open", service: str = "", scenario: str = ""
) -> Response:
    user = _viewer(request)
    if user is None:
        return _login_redirect(request)
    svc = _svc(request)
    now = svc.clock.now()
    filters = {"status": status, "service": service, "scenario": scenario}
    with svc.store.unit_of_work(readonly=True) as uow:
        found = _filtered(uow, svc, now, status, service, scenario)
        open_count = sum(views.open_by_status(uow).values())
    query = request.url.query
    return _page(
        request,
        "incidents.html",
        user,
        nav="/incidents",
        incidents=found,
        filters=filters,
        open_count=open_count,
        services=sorted(svc.workspace.org.services),
        scenarios=SCENARIOS,
        poll_url="/incidents/rows" + (f"?{query}" if query else ""),
    )


@router.get("/incidents/rows")
def incident_rows(
    request: Request, status: str = "open", service: str = "", scenario: str = ""
) -> Response:
    user = _viewer(request)
    if user is None:
        raise Unauthorized("sign in first")
    svc = _svc(request)
    now = svc.clock.now()
    with svc.store.unit_of_work(readonly=True) as uow:
        found = _filtered(uow, svc, now, status, service, scenario)
    return _page(request, "_incident_rows.html", user, incidents=found)


@router.get("/incidents/{incident_id}")
def incident(request: Request, incident_id: int) -> Response:
    user = _viewer(request)
    if user is None:
        return _login_redirect(request)
    svc = _svc(request)
    with svc.store.unit_of_work(readonly=True) as uow:
        detail = views.incident_detail(uow, svc.workspace, incident_id, svc.clock.now())
    people = [{"id": p.id, "name": p.name or p.id} for p in svc.workspace.org.people.values()]
    return _page(request, "incident.html", user, nav="/incidents", inc=detail, people=people)


async def _incident_action(request: Request, incident_id: int, run: Any) -> Response:
    from firebreak.web.api import actor_of

    principal, form = await _form_user(request, "responder")
    svc = _svc(request)

    def work() -> None:
        with svc.store.unit_of_work() as uow:
            run(uow, actor_of(svc, principal), svc.clock.now(), form)

    await run_in_threadpool(work)
    return RedirectResponse(f"/incidents/{incident_id}", status_code=303)


@router.post("/incidents/{incident_id}/ack")
async def ui_ack(request: Request, incident_id: int) -> Response:
    return await _incident_action(
        request,
        incident_id,
        lambda uow, actor, now, form: actions.acknowledge(uow, incident_id, actor, now),
    )


@router.post("/incidents/{incident_id}/mitigate")
async def ui_mitigate(request: Request, incident_id: int) -> Response:
    return await _incident_action(
        request,
        incident_id,
        lambda uow, actor, now, form: actions.mitigate(
            uow, incident_id, actor, now, form.get("note") or None
        ),
    )


@router.post("/incidents/{incident_id}/resolve")
async def ui_resolve(request: Request, incident_id: int) -> Response:
    def run(uow: Any, actor: str, now: Any, form: dict[str, str]) -> None:
        resolution = form.get("resolution", "")
        if resolution not in ("fixed", "false_alarm", "duplicate"):
            raise InputError("resolution: choose fixed, false alarm or duplicate")
        actions.resolve(
            uow,
            incident_id,
            actor,
            now,
            resolution,
            form.get("note") or None,
            confirm_done=form.get("confirm_done") == "1",
        )

    return await _incident_action(request, incident_id, run)


@router.post("/incidents/{incident_id}/roles")
async def ui_roles(request: Request, incident_id: int) -> Response:
    def run(uow: Any, actor: str, now: Any, form: dict[str, str]) -> None:
        person = form.get("person", "")
        if person not in _svc(request).workspace.org.people:
            raise InputError("person: choose someone from the org")
        actions.reassign_role(
            uow, incident_id, form.get("role", ""), person, actor, now, _svc(request).workspace
        )

    return await _incident_action(request, incident_id, run)


@router.post("/incidents/{incident_id}/notes")
async def ui_note(request: Request, incident_id: int) -> Response:
    return await _incident_action(
        request,
        incident_id,
        lambda uow, actor, now, form: actions.add_note(
            uow, incident_id, actor, now, form.get("text", "")[:4000]
        ),
    )


@router.post("/incidents/{incident_id}/steps/{step_key}")
async def ui_step(request: Request, incident_id: int, step_key: str) -> Response:
    return await _incident_action(
        request,
        incident_id,
        lambda uow, actor, now, form: actions.mark_step(
            uow, incident_id, step_key, form.get("status", ""), actor, now
        ),
    )


@router.get("/oncall")
def oncall_page(request: Request) -> Response:
    user = _viewer(request)
    if user is None:
        return _login_redirect(request)
    svc = _svc(request)
    now = svc.clock.now()
    data = views.oncall(svc.workspace, now, ONCALL_HORIZON)
    return _page(
        request,
        "oncall.html",
        user,
        nav="/oncall",
        now_text=now.strftime("%Y-%m-%d %H:%M UTC"),
        horizon_days=ONCALL_HORIZON.days,
        **data,
    )


@router.get("/figures")
def figures_page(request: Request) -> Response:
    user = _viewer(request)
    if user is None:
        return _login_redirect(request)
    svc = _svc(request)
    now = svc.clock.now()
    since = now - timedelta(weeks=12)
    data = reports.figures(svc, since, None, "week")
    return _page(
        request,
        "figures.html",
        user,
        nav="/figures",
        kpis=_kpis(data),
        charts=reports.chart_panels(data["series"]),
        period_text=f"Last 12 weeks, since {since:%Y-%m-%d}",
    )


def _kpis(data: dict[str, Any]) -> list[dict[str, str]]:
    from firebreak.web.charts import fmt_duration, fmt_percent

    def dur(key: str) -> str:
        value = data[key]["median"]
        return fmt_duration(value) if value is not None else "—"

    far, dpr = data["false_alarm_rate"], data["drill_pass_rate"]
    fa = data["false_alarms"]
    return [
        {
            "key": "mttr",
            "label": "MTTR median",
            "value": dur("mttr_s"),
            "sub": f"p90 {fmt_duration(data['mttr_s']['p90']) if data['mttr_s']['p90'] else '—'}",
        },
        {
            "key": "mtta",
            "label": "MTTA median",
            "value": dur("mtta_s"),
            "sub": f"{data['incidents']} incidents, {data['open']} open",
        },
        {
            "key": "false_alarm_rate",
            "label": "False alarm rate",
            "value": fmt_percent(far) if far is not None else "—",
            "sub": f"{fa['false_alarms']} of {fa['resolved']} resolved",
        },
        {
            "key": "drill_pass_rate",
            "label": "Drill pass rate",
            "value": fmt_percent(dpr) if dpr is not None else "—",
            "sub": "drills in the period",
        },
    ]


@router.get("/runbooks")
def runbooks_page(request: Request) -> Response:
    user = _viewer(request)
    if user is None:
        return _login_redirect(request)
    data = reports.runbook_health(_svc(request))
    return _page(request, "runbooks.html", user, nav="/runbooks", **data)
