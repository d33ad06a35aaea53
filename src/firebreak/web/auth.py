"""Who is asking: bearer tokens for the API, signed session cookies and CSRF tokens for the UI.

The session cookie holds a token id, an issue time and a random nonce, signed with the service's
session key (HMAC-SHA256); it never holds the token itself. Signing out records the nonce in the
store (``ended_sessions``), so the cookie is refused from then on, by every process. The CSRF token of a page is an HMAC of
the session nonce (or, before sign-in, of a separate nonce cookie), checked on every form post.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import timedelta

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import delete

from firebreak.errors import Forbidden, Unauthorized
from firebreak.store.tables import EndedSession
from firebreak.web.credentials import Principal, find_token, token_by_id, touch_token
from firebreak.web.keys import ROLE_RANK, role_allows
from firebreak.web.proxyauth import proxy_user
from firebreak.web.service import Service

SESSION_COOKIE = "fb_session"
NONCE_COOKIE = "fb_nonce"
SESSION_TTL = timedelta(hours=12)

bearer_scheme = HTTPBearer(auto_error=False, description="An API token (firebreak token create)")


def _sign(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def make_session(service: Service, token_id: int) -> tuple[str, str]:
    """A signed session cookie value for ``token_id``, and its nonce."""
    nonce = secrets.token_urlsafe(16)
    issued = int(service.clock.now().timestamp())
    body = f"{token_id}.{issued}.{nonce}"
    return f"{body}.{_sign(service.session_key, body)}", nonce


def read_session(service: Service, value: str | None) -> tuple[int, str] | None:
    """``(token_id, nonce)`` from a cookie that is well signed and not expired, else None."""
    if not value:
        return None
    parts = value.split(".")
    if len(parts) != 4:
        return None
    token_id, issued, nonce, signature = parts
    expected = _sign(service.session_key, f"{token_id}.{issued}.{nonce}")
    if not hmac.compare_digest(signature, expected):
        return None
    if not (token_id.isdigit() and issued.isdigit()):
        return None
    age = service.clock.now().timestamp() - int(issued)
    if age < 0 or age > SESSION_TTL.total_seconds():
        return None
    return int(token_id), nonce


def csrf_for(service: Service, nonce: str) -> str:
    return _sign(service.session_key, f"csrf:{nonce}")


def check_csrf(service: Service, nonce: str | None, sent: str | None) -> None:
    if not nonce or not sent or not hmac.compare_digest(csrf_for(service, nonce), sent):
        raise Forbidden("the form's CSRF token is missing or stale: reload the page and retry")


def session_user(request: Request) -> tuple[Principal, str] | None:
    """The signed-in user of a UI request and the session nonce, or None. A person named by a
    trusted authenticating proxy (``web.proxyauth``) counts as signed in."""

    proxied = proxy_user(request)
    if proxied is not None:
        return proxied
    service: Service = request.app.state.service
    found = read_session(service, request.cookies.get(SESSION_COOKIE))
    if found is None:
        return None
    with service.store.unit_of_work(readonly=True) as uow:
        if uow.session.get(EndedSession, found[1]) is not None:
            return None
        principal = token_by_id(uow, found[0])
    return (principal, found[1]) if principal is not None else None


def end_session(service: Service, token_id: int, nonce: str) -> None:
    """Sign a session out on the server: its cookie and CSRF tokens are refused from now on."""
    now = service.clock.now()
    with service.store.unit_of_work() as uow:
        uow.session.execute(delete(EndedSession).where(EndedSession.expires_at < now))
        if uow.session.get(EndedSession, nonce) is None:
            uow.session.add(
                EndedSession(
                    nonce=nonce, token_id=token_id, ended_at=now, expires_at=now + SESSION_TTL
                )
            )


def bearer_principal(request: Request, secret: str | None) -> Principal:
    """The token holder of an API request; 401 when the token is absent, unknown or revoked."""
    if not secret:
        raise Unauthorized("send an API token as 'Authorization: Bearer <token>'")
    service: Service = request.app.state.service
    now = service.clock.now()
    with service.store.unit_of_work(readonly=True) as uow:
        found = find_token(uow, secret, now)
    if found is None:
        raise Unauthorized("unknown or revoked API token")
    principal, stale = found
    if stale:
        with service.store.unit_of_work() as uow:
            touch_token(uow, principal.token_id, now)
    return principal


def require(role: str) -> Callable[..., Principal]:
    """A FastAPI dependency: the caller's token must have at least ``role``."""
    if role not in ROLE_RANK:
        raise ValueError(f"unknown role {role!r}")

    def dependency(
        request: Request,
        credentials: HTTPAuthorizationCredentials | None = Depends(bearer_scheme),  # noqa: B008
    ) -> Principal:
        principal = bearer_principal(request, credentials.credentials if credentials else None)
        if not role_allows(principal.role, role):
            raise Forbidden(f"this needs a {role} token; yours is {principal.role}")
        return principal

    dependency.__name__ = f"require_{role}"
    return dependency
