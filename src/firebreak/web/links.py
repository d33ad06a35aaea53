"""``/a/{token}``: the acknowledge and resolve links in pages, for a person not signed in.

``GET`` only shows what the link will do (mail scanners and link previews follow links: they
must change nothing); the page's button POSTs back to the same address, which checks the link
again, records it as used and acts as ``person:<id>`` in one transaction. A link that is
tampered, expired, used, or not backed by the send log, is refused with the reason and changes
nothing; so is an action the incident's state no longer allows (the link stays unused).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from firebreak.errors import Conflict, FirebreakError, Forbidden, InputError
from firebreak.incidents import actions, lifecycle
from firebreak.notify import links
from firebreak.store.db import UnitOfWork
from firebreak.web import views
from firebreak.web.service import Service
from firebreak.web.ui import templates

router = APIRouter(include_in_schema=False)
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the token must not leak to the next page
    "X-Robots-Tag": "noindex",
}
TOKEN_MAX = 600
RESOLUTIONS = ("fixed", "false_alarm", "duplicate")


def _svc(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def _render(request: Request, status: int = 200, **data: Any) -> HTMLResponse:

    context = {"user": None, "csrf": "", "error": None, "done": None, **data}
    return templates.TemplateResponse(
        request, "link.html", context, status_code=status, headers=HEADERS
    )


def _claim(uow: UnitOfWork, service: Service, token: str) -> links.Claim:
    if len(token) > TOKEN_MAX:
        raise links.LinkRefused("this link is too long to be one firebreak issued")
    key = links.existing_key(uow)  # reading a link never writes: no key, no link was issued
    if key is None:
        raise links.LinkRefused("this link is not one firebreak issued", reason="tampered")
    claim = links.Signer(key).read(token)
    if claim.person_id not in service.workspace.org.people:
        raise links.LinkRefused(f"{claim.person_id} is no longer in the org", reason="mismatch")
    links.check(uow, claim, service.clock.now())
    return claim


def _view(uow: UnitOfWork, service: Service, claim: links.Claim) -> dict[str, Any]:
    detail = views.incident_detail(uow, service.workspace, claim.incident_id, service.clock.now())
    person = service.workspace.org.people[claim.person_id]
    verb = links.ACTIONS[claim.action]
    allowed = verb in lifecycle.allowed(detail["status"])
    return {
        "inc": detail,
        "action": claim.action,
        "verb": verb,
        "person": person.name or person.id,
        "allowed": allowed,
        "resolutions": RESOLUTIONS,
        "needs_confirm": bool(detail.get("done_when")),
        "expires": claim.expires_at.strftime("%Y-%m-%d %H:%M UTC"),
    }


@router.get("/a/{token}")
def show(request: Request, token: str) -> Response:
    """What the link will do, and a button to do it. Changes nothing."""
    service = _svc(request)
    try:
        with service.store.unit_of_work(readonly=True) as uow:
            claim = _claim(uow, service, token)
            data = _view(uow, service, claim)
    except links.LinkRefused as exc:
        return _render(request, exc.http_status, error=exc.message, reason=exc.reason)
    status = 200 if data["allowed"] else 409
    return _render(request, status, **data)


def _act(uow: UnitOfWork, service: Service, claim: links.Claim, form: dict[str, str]) -> str:
    now = service.clock.now()
    links.mark_used(uow, claim, now)
    if claim.action == "ack":
        actions.acknowledge(uow, claim.incident_id, claim.actor, now)
        return "acknowledged"
    resolution = form.get("resolution", "")
    if resolution not in RESOLUTIONS:
        raise InputError("resolution: choose fixed, false alarm or duplicate")
    actions.resolve(
        uow,
        claim.incident_id,
        claim.actor,
        now,
        resolution,
        confirm_done=form.get("confirm_done") == "1",
    )
    return f"resolved as {resolution.replace('_', ' ')}"


@router.post("/a/{token}")
async def act(request: Request, token: str) -> Response:
    """Do what the link says, once, as the person it was issued to."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
        raise Forbidden("cross-site form posts are refused")
    service = _svc(request)
    form = {k: str(v) for k, v in (await request.form()).items()}

    def work() -> HTMLResponse:
        try:
            with service.store.unit_of_work() as uow:
                claim = _claim(uow, service, token)
                done = _act(uow, service, claim, form)
        except links.LinkRefused as exc:
            return _render(request, exc.http_status, error=exc.message, reason=exc.reason)
        except (Conflict, InputError) as exc:
            return _render(request, exc.http_status, error=exc.message, reason="not_allowed")
        except FirebreakError:
            raise
        with service.store.unit_of_work(readonly=True) as uow:
            data = _view(uow, service, claim)
        return _render(request, 200, done=done, **data)

    return await run_in_threadpool(work)
