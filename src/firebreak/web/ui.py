"""The web UI: server-rendered pages (Jinja2), a session cookie, and a CSRF token on every form."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException

from firebreak import __version__, limits
from firebreak.durations import parse_duration
from firebreak.errors import FirebreakError, Forbidden, InputError, NotFound, Unauthorized
from firebreak.incidents import actions, quarantine
from firebreak.runbooks.model import SCENARIOS
from firebreak.web import detail, reports, timefmt, views
from firebreak.web.api import actor_of
from firebreak.web.auth import (
    NONCE_COOKIE,
    SESSION_COOKIE,
    SESSION_TTL,
    check_csrf,
    csrf_for,
    end_session,
    make_session,
    read_session,
    session_user,
)
from firebreak.web.charts import fmt_duration, fmt_percent
from firebreak.web.credentials import Principal, find_token
from firebreak.web.keys import role_allows
from firebreak.web.service import Service

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.globals["static"] = lambda name: f"/static/{name}?v={__version__}"


@pass_context
def _when(context: Any, value: str | datetime | None, seconds: bool = False) -> Markup:
    """A time as the viewer reads it: 'Tue 1 Dec 10:13 CET (3 min ago)', in their zone."""
    zone = context.get("zone_info") or ZoneInfo("UTC")
    return timefmt.time_html(value, zone, context.get("now"), seconds)


templates.env.filters["when"] = _when
templates.env.filters["linkify"] = detail.linkify
templates.env.filters["prose"] = detail.prose
templates.env.filters["step_html"] = detail.step_html
router = APIRouter(include_in_schema=False)
ONCALL_HORIZON = timedelta(days=14)
NOTE_MAX = 4000
FORM_FIELD_MAX = 4 * 1024 * 1024  # a field this large is refused by the form parser
STATUS_FILTERS = ("open", "all", "triggered", "acknowledged", "mitigated", "resolved")


def _svc(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def _safe_next(target: str | None) -> str:
    """Only same-site paths are followed after sign-in (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/incidents"
    return target


def person_of(service: Service, principal: Principal | None) -> str | None:
    """The org person a signed-in principal stands for, if any."""
    if principal is None:
        return None
    named = principal.person_id or principal.name
    return named if named in service.workspace.org.people else None


def _page(
    request: Request,
    name: str,
    user: tuple[Principal, str] | None,
    status_code: int = 200,
    **data: Any,
) -> HTMLResponse:
    svc = _svc(request)
    zone = timefmt.viewer_zone(svc.workspace, person_of(svc, user[0] if user else None))
    context = {
        "user": user[0] if user else None,
        "csrf": csrf_for(svc, user[1]) if user else "",
        "workspace_warning": _workspace_warning(svc) if user else None,
        "source_errors": svc.sources.failing() if user else [],
        "zone": zone.key,
        "zone_info": zone,
        "now": svc.clock.now(),
        **data,
    }
    return templates.TemplateResponse(request, name, context, status_code=status_code)


# Plain words for an error page's heading, by HTTP status.
HEADINGS = {
    400: "That request is not right",
    401: "Please sign in",
    403: "You are not allowed to do that",
    404: "There is nothing here",
    405: "That is not something this page does",
    409: "That cannot be done now",
    413: "That is too large",
    422: "Something in the form is not right",
}


def _back(request: Request) -> tuple[str, str]:
    """Where the user came from, as a link back: their incident, else the incident list."""
    parts = request.url.path.strip("/").split("/")
    if len(parts) >= 2 and parts[0] == "incidents" and parts[1].isdigit():
        return f"/incidents/{parts[1]}", f"Back to incident #{parts[1]}"
    if parts and f"/{parts[0]}" in ("/oncall", "/figures", "/runbooks"):
        return f"/{parts[0]}", "Back"
    return "/incidents", "Back to incidents"


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    """An error inside the layout (with the top bar when signed in), in plain words."""
    try:
        user = session_user(request)
    except FirebreakError:
        user = None
    back_url, back_label = _back(request) if status != 404 else ("/incidents", "Back to incidents")
    if status == 401:
        back_url = f"/login?next={quote(back_url)}"
        back_label = "Sign in"
    heading = HEADINGS.get(status, "Something went wrong" if status >= 500 else "That did not work")
    return _page(
        request,
        "error.html",
        user,
        status_code=status,
        status=status,
        heading=heading,
        message=message,
        back_url=back_url,
        back_label=back_label,
    )


def _workspace_warning(service: Any) -> str | None:
    """The banner text when the files on disk are not what runs (snapshot, refused reload)."""
    running = service.running
    if running is None:
        return None
    last = running.last_reload
    if running.source == "snapshot":
        return (
            f"The workspace files do not load: firebreak is paging with the last good snapshot "
            f"(revision {running.revision}). Run `firebreak lint` and fix the files."
        )
    if last is not None and not last.ok:
        first = last.errors[0] if last.errors else {}
        where = (
            f" ({first.get('path')}:{first.get('line')}: {first.get('message')})" if first else ""
        )
        return (
            f"The last workspace change was refused with {len(last.errors)} error(s){where}; "
            f"firebreak keeps paging with revision {running.revision}."
        )
    return None


def _viewer(request: Request) -> tuple[Principal, str] | None:
    return session_user(request)


def _login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target)}", status_code=303)


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/incidents", status_code=303)


@router.get("/login")
def login_form(request: Request, next: str | None = None, signed_out: str = "") -> HTMLResponse:
    return _login_page(request, _safe_next(next), None, signed_out=signed_out == "1")


def _login_page(
    request: Request, target: str, error: str | None, status: int = 200, signed_out: bool = False
) -> HTMLResponse:
    nonce = request.cookies.get(NONCE_COOKIE) or secrets.token_urlsafe(16)
    context = {
        "user": None,
        "csrf": csrf_for(_svc(request), nonce),
        "next": target,
        "error": error,
        "signed_out": signed_out,
    }
    page = templates.TemplateResponse(request, "login.html", context, status_code=status)
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
    """End the session on the server (the cookie stops working everywhere), then forget it."""
    principal, _form = await _form_user(request, "viewer")
    found = read_session(_svc(request), request.cookies.get(SESSION_COOKIE))
    if found is not None:
        await run_in_threadpool(end_session, _svc(request), principal.token_id, found[1])
    response = RedirectResponse("/login?signed_out=1", status_code=303)
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
    try:
        received = await request.form(max_fields=50, max_part_size=FORM_FIELD_MAX)
    except StarletteHTTPException as exc:
        raise InputError(
            f"That form is too large to take ({exc.detail}). A note holds at most "
            f"{NOTE_MAX:,} characters."
        ) from exc
    form = {k: str(v) for k, v in received.items()}
    check_csrf(_svc(request), user[1], form.get("csrf"))
    if not role_allows(user[0].role, role):
        raise Forbidden(f"this needs a {role} token; you are signed in as {user[0].role}")
    return user[0], form


def _check_filters(svc: Service, status: str, service: str, scenario: str) -> None:
    """A filter value the list does not know is said plainly, not answered with an empty list."""
    if status and status not in STATUS_FILTERS:
        raise InputError(f"status: show one of {', '.join(STATUS_FILTERS)}, not {status[:40]!r}")
    if service and service not in svc.workspace.org.services:
        raise InputError(f"service: there is no service {service[:120]!r} in this workspace")
    if scenario and scenario not in SCENARIOS:
        raise InputError(f"scenario: expected one of {', '.join(SCENARIOS)}")


def _filtered(
    uow: Any, svc: Service, now: datetime, status: str, service: str, scenario: str
) -> list[dict[str, Any]]:
    """The incident list as the page's filters ask (an empty filter, or ``all``, means any)."""
    return views.list_incidents(
        uow,
        svc.workspace,
        now,
        status=None if status in ("", "all") else status,
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
    _check_filters(svc, status, service, scenario)
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
    _check_filters(svc, status, service, scenario)
    with svc.store.unit_of_work(readonly=True) as uow:
        found = _filtered(uow, svc, now, status, service, scenario)
    return _page(request, "_incident_rows.html", user, incidents=found)


@router.get("/incidents/{incident_id}")
def incident(request: Request, incident_id: int, refused: str = "") -> Response:
    user = _viewer(request)
    if user is None:
        return _login_redirect(request)
    return _incident_page(request, user, incident_id, REFUSED.get(refused))


def _incident_page(
    request: Request,
    user: tuple[Principal, str],
    incident_id: int,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    svc = _svc(request)
    if not 1 <= incident_id <= 2**31 - 1:
        raise NotFound(f"there is no incident #{incident_id}")
    with svc.store.unit_of_work(readonly=True) as uow:
        detail = views.incident_detail(uow, svc.workspace, incident_id, svc.clock.now())
    people = [{"id": p.id, "name": p.name or p.id} for p in svc.workspace.org.people.values()]
    page = _page(
        request,
        "incident.html",
        user,
        status_code=status_code,
        nav="/incidents",
        inc=detail,
        people=people,
        error=error,
    )
    return page


async def _incident_action(request: Request, incident_id: int, run: Any) -> Response:
    """Run one action from the incident page's form; on bad input, the page again with the
    message on top (nothing changed: the unit of work rolls back)."""

    principal, form = await _form_user(request, "responder")
    svc = _svc(request)

    def work() -> None:
        with svc.store.unit_of_work() as uow:
            run(uow, actor_of(svc, principal), svc.clock.now(), form)

    try:
        await run_in_threadpool(work)
    except FirebreakError as exc:
        if exc.http_status >= 500 or exc.http_status in (401, 403, 404):
            raise
        user = await run_in_threadpool(session_user, request)
        assert user is not None  # _form_user checked the session
        return _incident_page(request, user, incident_id, exc.message, exc.http_status)
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
            raise InputError("Choose how it was resolved: fixed, false alarm or duplicate.")
        criteria = actions.done_when(uow.incidents.get(incident_id))
        if resolution == "fixed" and criteria and form.get("confirm_done") != "1":
            raise InputError(
                "To resolve as fixed, first tick the box to confirm that the runbook's exit "
                f"criteria hold ({'; '.join(criteria)}). If nothing needed fixing, resolve as "
                "a false alarm or a duplicate instead."
            )
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


@router.post("/incidents/{incident_id}/fault_start")
async def ui_fault_start(request: Request, incident_id: int) -> Response:
    """The form's time is read in the viewer's zone, the zone the page shows times in."""

    def run(uow: Any, actor: str, now: Any, form: dict[str, str]) -> None:
        # actor is "person:<id>" or a person's id for a person (api.actor_of), else not a person
        zone = timefmt.viewer_zone(_svc(request).workspace, actor.removeprefix("person:"))
        text = form.get("at", "").strip()
        try:
            at = datetime.fromisoformat(text)
        except ValueError:
            raise InputError(
                "fault start: expected a date and time, such as 2026-12-01T09:14"
            ) from None
        at = at.replace(tzinfo=zone) if at.tzinfo is None else at
        actions.set_fault_start(uow, incident_id, at.astimezone(UTC), actor, now)

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
            uow, incident_id, actor, now, _note_text(form.get("text", ""))
        ),
    )


def _note_text(text: str) -> str:
    """A note as typed; one longer than the API allows is refused, never cut short."""
    if len(text) > NOTE_MAX:
        raise InputError(
            f"That note is {len(text):,} characters long; a note holds at most {NOTE_MAX:,}. "
            "Shorten it, or put the long text somewhere else and link to it."
        )
    return text


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
    return _page(
        request, "runbooks.html", user, nav="/runbooks", rejected=_rejected(request), **data
    )


def _rejected(request: Request) -> dict[str, Any]:
    """Alerts the pipeline set aside: how many, and the latest with their reasons."""
    with _svc(request).store.unit_of_work(readonly=True) as uow:
        return {"count": quarantine.rejected_count(uow), "latest": quarantine.latest_rejected(uow)}


@router.get("/favicon.ico")
def favicon() -> Response:
    """The icon browsers ask for at the root (the pages also link the SVG under /static)."""
    icon = (HERE / "static" / "favicon.svg").read_bytes()
    return Response(icon, media_type="image/svg+xml", headers={"Cache-Control": "max-age=86400"})


# What every UI answer carries: no framing (clickjacking), no content sniffing, scripts and
# styles from this server only, and no copy of incident data kept by a browser or a proxy.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
MACHINE_PATHS = ("/intake/", "/v1/", "/v2/", "/healthz", "/metrics")
MACHINE_PREFIXES = ("/api/", *MACHINE_PATHS)
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}
NO_STORE_PATHS = ("/incidents", "/api/", "/oncall", "/figures", "/runbooks", "/a/")


class SecurityHeaders:
    """ASGI middleware adding the security headers to every UI and API answer."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                if not path.startswith(MACHINE_PATHS):
                    for name, value in SECURITY_HEADERS.items():
                        headers.setdefault(name, value)
                if path.startswith(NO_STORE_PATHS) or path in ("/", "/login", "/logout"):
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


# --- The incident page's further actions (each a core function in incidents.actions) -------


def _duration(text: str) -> timedelta:
    try:
        return parse_duration(text.strip())
    except ValueError as exc:
        raise InputError(
            f"Snooze for how long? Give a duration such as 15m, 1h or 2h30m (not {text[:20]!r})."
        ) from exc


def _incident_number(text: str) -> int:
    value = text.strip().lstrip("#")
    if not value.isdigit() or not 1 <= int(value) <= 2**31 - 1:
        raise InputError(
            f"Merge into which incident? Give its number, such as 12 (not {text[:20]!r})."
        )
    return int(value)


@router.post("/incidents/{incident_id}/escalate")
async def ui_escalate(request: Request, incident_id: int) -> Response:
    svc = _svc(request)
    return await _incident_action(
        request,
        incident_id,
        lambda uow, actor, now, form: actions.escalate_now(
            uow, svc.workspace, incident_id, actor, now
        ),
    )


@router.post("/incidents/{incident_id}/responders")
async def ui_add_responder(request: Request, incident_id: int) -> Response:
    svc = _svc(request)
    return await _incident_action(
        request,
        incident_id,
        lambda uow, actor, now, form: actions.add_responder(
            uow, svc.workspace, incident_id, form.get("person", ""), actor, now
        ),
    )


@router.post("/incidents/{incident_id}/snooze")
async def ui_snooze(request: Request, incident_id: int) -> Response:
    return await _incident_action(
        request,
        incident_id,
        lambda uow, actor, now, form: actions.snooze(
            uow, incident_id, _duration(form.get("duration", "")), actor, now
        ),
    )


@router.post("/incidents/{incident_id}/reopen")
async def ui_reopen(request: Request, incident_id: int) -> Response:
    return await _incident_action(
        request,
        incident_id,
        lambda uow, actor, now, form: actions.reopen(
            uow, incident_id, actor, now, _note_text(form.get("note", "")) or None
        ),
    )


@router.post("/incidents/{incident_id}/severity")
async def ui_severity(request: Request, incident_id: int) -> Response:
    return await _incident_action(
        request,
        incident_id,
        lambda uow, actor, now, form: actions.change_severity(
            uow, incident_id, form.get("severity", ""), actor, now
        ),
    )


@router.post("/incidents/{incident_id}/merge")
async def ui_merge(request: Request, incident_id: int) -> Response:
    return await _incident_action(
        request,
        incident_id,
        lambda uow, actor, now, form: actions.merge_into(
            uow, incident_id, _incident_number(form.get("into", "")), actor, now
        ),
    )


@router.post("/incidents/{incident_id}/steps/{step_key}/undo")
async def ui_undo_step(request: Request, incident_id: int, step_key: str) -> Response:
    return await _incident_action(
        request,
        incident_id,
        lambda uow, actor, now, form: actions.undo_step(uow, incident_id, step_key, actor, now),
    )


# --- A form too large to read: a page in plain words, not a bare 413 -------------------------

REFUSED = {
    "too_large": (
        f"That form was too large to take: a form holds at most {limits.BODY_OTHER // 1024} KiB "
        f"and a note at most {NOTE_MAX:,} characters. Nothing was changed; shorten it, or put "
        "the long text somewhere else and link to it."
    ),
}
DRAIN_MAX = 8 * 1024 * 1024  # a browser's form up to this size is read (and dropped) to answer it
INCIDENT_FORM = re.compile(r"^/incidents/([1-9][0-9]{0,9})/[a-z_]+(?:/[a-z0-9._]+){0,2}$")


def is_browser_form(scope: Any) -> bool:
    """A form posted by the UI's pages (not the API, not intake)."""
    if scope.get("method") != "POST" or str(scope.get("path", "")).startswith(MACHINE_PREFIXES):
        return False
    headers = dict(scope.get("headers", ()))
    kind = headers.get(b"content-type", b"").split(b";")[0].strip()
    return kind in (b"application/x-www-form-urlencoded", b"multipart/form-data")


async def refuse_large_form(scope: Any, receive: Any, send: Any) -> None:
    """Answer a form whose body is over the cap: its bytes are read and dropped (never kept, up to
    ``DRAIN_MAX``, so the browser sees the answer rather than a reset connection), then the user
    is sent back to the incident with the reason on top, or shown a short page."""
    drained, more = 0, True
    while more and drained <= DRAIN_MAX:
        message = await receive()
        if message["type"] != "http.request":
            return
        drained += len(message.get("body", b""))
        more = bool(message.get("more_body"))
    match = INCIDENT_FORM.match(str(scope.get("path", "")))
    headers = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
    headers += [(b"cache-control", b"no-store"), (b"connection", b"close")]
    if match is not None:
        location = f"/incidents/{match.group(1)}?refused=too_large".encode()
        await send(
            {
                "type": "http.response.start",
                "status": 303,
                "headers": [*headers, (b"location", location)],
            }
        )
        await send({"type": "http.response.body", "body": b""})
        return
    page = (
        '<!doctype html><meta charset="utf-8"><title>Too large</title>'
        '<link rel="stylesheet" href="/static/app.css"><main><div class="panel error-page">'
        f"<h1>That is too large</h1><p>{REFUSED['too_large']}</p>"
        '<p><a class="btn btn-small" href="/incidents">Back to incidents</a></p></div></main>'
    ).encode()
    headers += [
        (b"content-type", b"text/html; charset=utf-8"),
        (b"content-length", str(len(page)).encode()),
    ]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": page})
