"""API tokens and integration keys in the store: create (secret returned once), look up, revoke.

Only the SHA-256 of a secret is stored. Lookups go by hash (indexed, unique) and confirm with a
constant-time comparison.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from firebreak.errors import InputError
from firebreak.incidents.model import INTEGRATION_KINDS
from firebreak.store.db import UnitOfWork
from firebreak.store.tables import ApiToken, Integration
from firebreak.web.keys import (
    ROLES,
    hash_secret,
    new_integration_key,
    new_token,
    same_hash,
)

TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often per token


@dataclass(frozen=True)
class Principal:
    """Who made a request: a token's id, name and role (never the secret), and the person it
    acts as (a person's own token, or a person named by a trusted proxy; then ``token_id`` 0)."""

    token_id: int
    name: str
    role: str
    person_id: str | None = None


@dataclass(frozen=True)
class IntegrationInfo:
    id: int
    kind: str
    name: str


def create_token(
    uow: UnitOfWork, role: str, name: str, now: datetime, person_id: str | None = None
) -> tuple[int, str]:
    """Store a new token of ``role`` (acting as ``person:<person_id>`` when given); returns its
    id and the secret (shown once, never stored). The caller checks the person exists."""
    if role not in ROLES:
        raise InputError(f"role: expected one of {', '.join(ROLES)}, got {role!r}")
    secret = new_token()
    row = ApiToken(
        name=name or person_id or role,
        role=role,
        person_id=person_id,
        token_hash=hash_secret(secret),
        created_at=now,
    )
    uow.session.add(row)
    uow.session.flush()
    return row.id, secret


def create_integration(
    uow: UnitOfWork,
    kind: str,
    name: str,
    now: datetime,
    *,
    service: str | None = None,
    escalation: str | None = None,
) -> tuple[int, str]:
    """Store a new integration of ``kind``, optionally bound to a service and an escalation
    policy (ids the caller has checked); returns its id and the key (shown once)."""
    if kind not in INTEGRATION_KINDS:
        raise InputError(f"kind: expected one of {', '.join(INTEGRATION_KINDS)}, got {kind!r}")
    key = new_integration_key()
    row = Integration(
        kind=kind,
        name=name or kind,
        key_hash=hash_secret(key),
        created_at=now,
        service=service or None,
        escalation=escalation or None,
    )
    uow.session.add(row)
    uow.session.flush()
    return row.id, key


def find_token(uow: UnitOfWork, secret: str, now: datetime) -> tuple[Principal, bool] | None:
    """The live token with this secret, and whether its last use is due to be written."""
    wanted = hash_secret(secret)
    row = uow.session.scalars(select(ApiToken).where(ApiToken.token_hash == wanted)).first()
    if row is None or row.revoked_at is not None or not same_hash(row.token_hash, wanted):
        return None
    stale = row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY
    return Principal(row.id, row.name, row.role, row.person_id), stale


def touch_token(uow: UnitOfWork, token_id: int, now: datetime) -> None:
    """Record that a token was used now."""
    row = uow.session.get(ApiToken, token_id)
    if row is not None:
        row.last_used_at = now


def token_by_id(uow: UnitOfWork, token_id: int) -> Principal | None:
    """A live token by id (sessions of the web UI point at their token)."""
    row = uow.session.get(ApiToken, token_id)
    if row is None or row.revoked_at is not None:
        return None
    return Principal(row.id, row.name, row.role, row.person_id)


def find_integration(uow: UnitOfWork, key: str) -> IntegrationInfo | None:
    """The live integration with this key, or None."""
    wanted = hash_secret(key)
    row = uow.session.scalars(select(Integration).where(Integration.key_hash == wanted)).first()
    if row is None or row.revoked_at is not None or not same_hash(row.key_hash, wanted):
        return None
    return IntegrationInfo(row.id, row.kind, row.name)


def has_admin(uow: UnitOfWork) -> bool:
    query = select(func.count(ApiToken.id)).where(
        ApiToken.role == "admin", ApiToken.revoked_at.is_(None)
    )
    return bool(uow.session.scalar(query))


def revoke_token(uow: UnitOfWork, token_id: int, now: datetime) -> bool:
    row = uow.session.get(ApiToken, token_id)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = now
    return True


def revoke_integration(uow: UnitOfWork, integration_id: int, now: datetime) -> bool:
    row = uow.session.get(Integration, integration_id)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = now
    return True


def list_tokens(uow: UnitOfWork) -> list[dict[str, object]]:
    rows = uow.session.scalars(select(ApiToken).order_by(ApiToken.id)).all()
    return [
        {
            "id": r.id,
            "name": r.name,
            "role": r.role,
            "person": r.person_id,
            "created_at": r.created_at.isoformat(),
            "last_used_at": r.last_used_at.isoformat() if r.last_used_at else None,
            "revoked": r.revoked_at is not None,
        }
        for r in rows
    ]


def list_integrations(uow: UnitOfWork) -> list[dict[str, object]]:
    rows = uow.session.scalars(select(Integration).order_by(Integration.id)).all()
    return [
        {
            "id": r.id,
            "kind": r.kind,
            "name": r.name,
            "service": r.service,
            "escalation": r.escalation,
            "created_at": r.created_at.isoformat(),
            "revoked": r.revoked_at is not None,
        }
        for r in rows
    ]
