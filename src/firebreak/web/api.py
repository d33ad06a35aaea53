"""The JSON API under /api: incidents and their actions, runbooks, on-call, figures, secrets.

Reads need a viewer token, incident actions a responder token, token and integration management
an admin token (``Authorization: Bearer <token>``). Errors are ``{"error", "message"}``.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from firebreak.durations import parse_duration
from firebreak.errors import InputError, NotFound
from firebreak.incidents import actions
from firebreak.incidents.model import IntegrationKind
from firebreak.web import credentials, reports, views
from firebreak.web.auth import require
from firebreak.web.credentials import Principal
from firebreak.web.keys import Role
from firebreak.web.service import Service

router = APIRouter(prefix="/api", tags=["api"])
Viewer = Annotated[Principal, Depends(require("viewer"))]
Responder = Annotated[Principal, Depends(require("responder"))]
Admin = Annotated[Principal, Depends(require("admin"))]
IncidentId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Incident id")]
RecordId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Name = Annotated[str, Field(max_length=200)]


def _iso_only(value: Any) -> Any:
    """Refuse numbers where a time belongs: pydantic would read ``since=0.5`` as an epoch time."""
    if isinstance(value, int | float) or (
        isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d+(\.\d*)?\s*", value)
    ):
        raise ValueError("expected an ISO 8601 time such as 2026-11-27T00:00:00Z, not a number")
    return value


IsoTime = Annotated[datetime, BeforeValidator(_iso_only)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MitigateIn(_Body):
    note: Annotated[str, Field(max_length=4000)] | None = None


class ResolveIn(_Body):
    resolution: Literal["fixed", "false_alarm", "duplicate"]
    note: Annotated[str, Field(max_length=4000)] | None = None
    confirm_done: bool = Field(
        default=False, description="The actor confirms the runbook's done_when criteria hold."
    )


class RoleIn(_Body):
    role: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z_]*$")]
    person: Annotated[str, Field(min_length=1, max_length=120)]


class NoteIn(_Body):
    text: Annotated[str, Field(min_length=1, max_length=4000)]


class StepIn(_Body):
    status: Literal["done", "skipped", "expect_not_seen"]


class FaultStartIn(_Body):
    at: IsoTime = Field(description="When the fault began (ISO 8601 with an offset), for MTTD.")


class TokenIn(_Body):
    role: Role
    name: Name = ""
    person: Annotated[str, Field(min_length=1, max_length=120)] | None = Field(
        default=None, description="The person the token acts as (actions read person:<id>)."
    )


class IntegrationIn(_Body):
    kind: IntegrationKind
    name: Name = ""
    service: Annotated[str, Field(max_length=120)] | None = None  # binding (routing.md)
    escalation: Annotated[str, Field(max_length=200)] | None = None


def service_of(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def actor_of(service: Service, who: Principal) -> str:
    """A person's token (or a person a trusted proxy names) acts as ``person:<id>``; a token
    named after a person acts as that person; others act as ``token:<name>``."""
    if who.person_id is not None:
        return f"person:{who.person_id}"
    return who.name if who.name in service.workspace.org.people else f"token:{who.name}"


def _act(
    request: Request, who: Principal, incident_id: int, action: Any, *args: Any
) -> dict[str, Any]:
    service = service_of(request)
    now = service.clock.now()
    with service.store.unit_of_work() as uow:
        action(uow, incident_id, *args, actor_of(service, who), now)
        return views.incident_detail(uow, service.workspace, incident_id, now)


@router.get("/incidents", summary="List incidents")
def list_incidents(
    request: Request,
    who: Viewer,
    status: Literal["open", "all", "triggered", "acknowledged", "mitigated", "resolved"]
    | None = None,
    service: Annotated[str | None, Query(max_length=120)] = None,
    scenario: Annotated[str | None, Query(max_length=40)] = None,
    since: IsoTime | None = None,
    limit: Annotated[int, Query(ge=1, le=views.MAX_LIST)] = 100,
) -> dict[str, Any]:
    svc = service_of(request)
    if since is not None and since.tzinfo is None:
        raise InputError("since: give a time zone, e.g. 2026-11-27T00:00:00Z")
    now = svc.clock.now()
    with svc.store.unit_of_work(readonly=True) as uow:
        found = views.list_incidents(
            uow,
            svc.workspace,
            now,
            status=None if status == "all" else status,
            service=service,
            scenario=scenario,
            since=since,
            limit=limit,
        )
    return {"incidents": found}


@router.get("/incidents/{incident_id}", summary="One incident with timeline, roles and steps")
def get_incident(request: Request, who: Viewer, incident_id: IncidentId) -> dict[str, Any]:
    svc = service_of(request)
    now = svc.clock.now()
    with svc.store.unit_of_work(readonly=True) as uow:
        return views.incident_detail(uow, svc.workspace, incident_id, now)


@router.post("/incidents/{incident_id}/ack", summary="Acknowledge (stops the escalation)")
def ack(request: Request, who: Responder, incident_id: IncidentId) -> dict[str, Any]:
    return _act(request, who, incident_id, actions.acknowledge)


@router.post("/incidents/{incident_id}/mitigate", summary="Mark mitigated")
def mitigate(
    request: Request, who: Responder, incident_id: IncidentId, body: MitigateIn | None = None
) -> dict[str, Any]:
    note = body.note if body else None

    def run(uow: Any, iid: int, actor: str, now: datetime) -> Any:
        return actions.mitigate(uow, iid, actor, now, note)

    return _act(request, who, incident_id, run)


@router.post("/incidents/{incident_id}/resolve", summary="Resolve with a resolution")
def resolve(
    request: Request, who: Responder, incident_id: IncidentId, body: ResolveIn
) -> dict[str, Any]:
    def run(uow: Any, iid: int, actor: str, now: datetime) -> Any:
        return actions.resolve(uow, iid, actor, now, body.resolution, body.note, body.confirm_done)

    return _act(request, who, incident_id, run)


@router.post("/incidents/{incident_id}/roles", summary="Reassign a role")
def reassign(
    request: Request, who: Responder, incident_id: IncidentId, body: RoleIn
) -> dict[str, Any]:
    if body.person not in service_of(request).workspace.org.people:
        raise InputError(f"person: {body.person!r} is not a person id in the workspace's org")

    def run(uow: Any, iid: int, actor: str, now: datetime) -> Any:
        return actions.reassign_role(
            uow, iid, body.role, body.person, actor, now, service_of(request).workspace
        )

    return _act(request, who, incident_id, run)


@router.post("/incidents/{incident_id}/notes", summary="Add a note to the timeline")
def note(request: Request, who: Responder, incident_id: IncidentId, body: NoteIn) -> dict[str, Any]:
    def run(uow: Any, iid: int, actor: str, now: datetime) -> Any:
        return actions.add_note(uow, iid, actor, now, body.text)

    return _act(request, who, incident_id, run)


@router.post("/incidents/{incident_id}/steps/{step_key}", summary="Mark a runbook step")
def step(
    request: Request,
    who: Responder,
    incident_id: IncidentId,
    step_key: Annotated[str, Path(max_length=40, description="e.g. mitigation.2")],
    body: StepIn,
) -> dict[str, Any]:
    def run(uow: Any, iid: int, actor: str, now: datetime) -> Any:
        return actions.mark_step(uow, iid, step_key, body.status, actor, now)

    return _act(request, who, incident_id, run)


@router.post("/incidents/{incident_id}/fault_start", summary="Set when the fault began (MTTD)")
def fault_start(
    request: Request, who: Responder, incident_id: IncidentId, body: FaultStartIn
) -> dict[str, Any]:
    if body.at.tzinfo is None:
        raise InputError("at: expected a time with an offset, such as 2026-12-01T09:14:00Z")

    def run(uow: Any, iid: int, actor: str, now: datetime) -> Any:
        return actions.set_fault_start(uow, iid, body.at, actor, now)

    return _act(request, who, incident_id, run)


@router.get("/runbooks", summary="Runbooks with their lint findings")
def runbooks(request: Request, who: Viewer) -> dict[str, Any]:
    return reports.runbook_health(service_of(request))


@router.get("/oncall", summary="Who is on call now, next handoffs, gaps ahead")
def oncall(
    request: Request, who: Viewer, horizon_days: Annotated[int, Query(ge=1, le=90)] = 14
) -> dict[str, Any]:
    svc = service_of(request)
    return views.oncall(svc.workspace, svc.clock.now(), timedelta(days=horizon_days))


@router.get("/metrics", summary="MTTA, MTTR, MTTD, false alarm and drill pass rates")
def figures(
    request: Request,
    who: Viewer,
    since: IsoTime | None = None,
    until: IsoTime | None = None,
    bucket: Literal["day", "week"] = "week",
) -> dict[str, Any]:
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            raise InputError(f"{name}: give a time zone, e.g. 2026-11-27T00:00:00Z")
    return reports.figures(service_of(request), since, until, bucket)


@router.get("/tokens", summary="List API tokens (no secrets)")
def tokens(request: Request, who: Admin) -> dict[str, Any]:
    with service_of(request).store.unit_of_work(readonly=True) as uow:
        return {"tokens": credentials.list_tokens(uow)}


@router.post(
    "/tokens", summary="Create an API token (the secret is in this answer only)", status_code=201
)
def create_token(request: Request, who: Admin, body: TokenIn) -> dict[str, Any]:
    svc = service_of(request)
    if body.person is not None and body.person not in svc.workspace.org.people:
        raise InputError(f"person: {body.person!r} is not a person id in the workspace's org")
    with svc.store.unit_of_work() as uow:
        ident, secret = credentials.create_token(
            uow, body.role, body.name, svc.clock.now(), body.person
        )
    return {"id": ident, "role": body.role, "person": body.person, "token": secret}


@router.post("/tokens/{token_id}/revoke", summary="Revoke an API token")
def revoke_token(request: Request, who: Admin, token_id: RecordId) -> dict[str, Any]:
    svc = service_of(request)
    with svc.store.unit_of_work() as uow:
        if not credentials.revoke_token(uow, token_id, svc.clock.now()):
            raise NotFound(f"no live token with id {token_id}")
    return {"id": token_id, "revoked": True}


@router.get("/integrations", summary="List integrations (no keys)")
def integrations(request: Request, who: Admin) -> dict[str, Any]:
    with service_of(request).store.unit_of_work(readonly=True) as uow:
        return {"integrations": credentials.list_integrations(uow)}


@router.post(
    "/integrations",
    summary="Create an integration (the key is in this answer only)",
    status_code=201,
)
def create_integration(request: Request, who: Admin, body: IntegrationIn) -> dict[str, Any]:
    svc = service_of(request)
    org = svc.workspace.org
    if body.service is not None and body.service not in org.services:
        raise InputError(f"service: no service {body.service!r} in org/")
    if body.escalation is not None and body.escalation not in org.escalation_policies:
        raise InputError(f"escalation: no escalation policy {body.escalation!r} in org/")
    with svc.store.unit_of_work() as uow:
        ident, key = credentials.create_integration(
            uow,
            body.kind,
            body.name,
            svc.clock.now(),
            service=body.service,
            escalation=body.escalation,
        )
    return {"id": ident, "kind": body.kind, "key": key}


@router.post("/integrations/{integration_id}/revoke", summary="Revoke an integration")
def revoke_integration(request: Request, who: Admin, integration_id: RecordId) -> dict[str, Any]:
    svc = service_of(request)
    with svc.store.unit_of_work() as uow:
        if not credentials.revoke_integration(uow, integration_id, svc.clock.now()):
            raise NotFound(f"no live integration with id {integration_id}")
    return {"id": integration_id, "revoked": True}


# --- Further incident actions (the same core functions the incident page uses) --------------


class _Error(BaseModel):
    error: str
    message: str


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the 4xx answers an action route gives, each ``{"error", "message"}``."""
    words = {
        400: "Bad input (the message says which field and what is accepted)",
        401: "No token, or an unknown or revoked one",
        403: "The token's role may not do this",
        404: "No such incident",
        409: "The incident's state does not allow this now",
        422: "The body does not have the documented shape",
    }
    return {s: {"model": _Error, "description": words[s]} for s in (401, 403, 422, *statuses)}


class ResponderIn(_Body):
    person: Annotated[str, Field(min_length=1, max_length=120, description="A person id")]


class SnoozeIn(_Body):
    duration: Annotated[
        str,
        Field(
            min_length=1,
            max_length=20,
            description="How long to hold the pages, e.g. 30m or 2h (1m to 24h)",
            examples=["30m"],
        ),
    ]


class ReopenIn(_Body):
    note: Annotated[str, Field(max_length=4000)] | None = None


class SeverityIn(_Body):
    severity: Literal["sev1", "sev2", "sev3", "sev4"]


class MergeIn(_Body):
    into: Annotated[int, Field(ge=1, le=2**31 - 1, description="The incident to merge into")]


@router.post(
    "/incidents/{incident_id}/escalate",
    summary="Page the next escalation level now",
    responses=_errors(404, 409),
)
def escalate(request: Request, who: Responder, incident_id: IncidentId) -> dict[str, Any]:
    workspace = service_of(request).workspace

    def run(uow: Any, iid: int, actor: str, now: datetime) -> Any:
        return actions.escalate_now(uow, workspace, iid, actor, now)

    return _act(request, who, incident_id, run)


@router.post(
    "/incidents/{incident_id}/responders",
    summary="Add a responder (paged now on each of their contacts)",
    responses=_errors(400, 404, 409),
)
def add_responder(
    request: Request, who: Responder, incident_id: IncidentId, body: ResponderIn
) -> dict[str, Any]:
    workspace = service_of(request).workspace

    def run(uow: Any, iid: int, actor: str, now: datetime) -> Any:
        return actions.add_responder(uow, workspace, iid, body.person, actor, now)

    return _act(request, who, incident_id, run)


@router.post(
    "/incidents/{incident_id}/snooze",
    summary="Snooze an acknowledged incident: it pages again after the duration",
    responses=_errors(400, 404, 409),
)
def snooze(
    request: Request, who: Responder, incident_id: IncidentId, body: SnoozeIn
) -> dict[str, Any]:
    try:
        duration = parse_duration(body.duration)
    except ValueError as exc:
        raise InputError(f"duration: {exc}") from exc

    def run(uow: Any, iid: int, actor: str, now: datetime) -> Any:
        return actions.snooze(uow, iid, duration, actor, now)

    return _act(request, who, incident_id, run)


@router.post(
    "/incidents/{incident_id}/reopen",
    summary="Reopen a resolved incident (paging restarts at level 1)",
    responses=_errors(404, 409),
)
def reopen(
    request: Request, who: Responder, incident_id: IncidentId, body: ReopenIn | None = None
) -> dict[str, Any]:
    note = body.note if body else None

    def run(uow: Any, iid: int, actor: str, now: datetime) -> Any:
        return actions.reopen(uow, iid, actor, now, note)

    return _act(request, who, incident_id, run)


@router.post(
    "/incidents/{incident_id}/severity",
    summary="Change the severity",
    responses=_errors(400, 404),
)
def severity(
    request: Request, who: Responder, incident_id: IncidentId, body: SeverityIn
) -> dict[str, Any]:
    def run(uow: Any, iid: int, actor: str, now: datetime) -> Any:
        return actions.change_severity(uow, iid, body.severity, actor, now)

    return _act(request, who, incident_id, run)


@router.post(
    "/incidents/{incident_id}/merge",
    summary="Merge into another open incident (this one is resolved as a duplicate)",
    responses=_errors(400, 404, 409),
)
def merge(
    request: Request, who: Responder, incident_id: IncidentId, body: MergeIn
) -> dict[str, Any]:
    def run(uow: Any, iid: int, actor: str, now: datetime) -> Any:
        return actions.merge_into(uow, iid, body.into, actor, now)

    return _act(request, who, incident_id, run)


@router.post(
    "/incidents/{incident_id}/steps/{step_key}/undo",
    summary="Undo a runbook step's mark (done or skipped)",
    responses=_errors(400, 404),
)
def undo_step(
    request: Request,
    who: Responder,
    incident_id: IncidentId,
    step_key: Annotated[str, Path(max_length=40, description="e.g. mitigation.2")],
) -> dict[str, Any]:
    def run(uow: Any, iid: int, actor: str, now: datetime) -> Any:
        return actions.undo_step(uow, iid, step_key, actor, now)

    return _act(request, who, incident_id, run)
