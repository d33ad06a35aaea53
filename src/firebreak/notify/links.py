"""Links in pages: the incident's URL, and signed one-use links to acknowledge or resolve it.

A link token names one page (the send-log row it went out with), one incident, one person, one
action (``ack`` or ``resolve``) and its expiry, signed with a key the service keeps in the store
(``app_secrets``; made on first use, never logged). ``GET /a/{token}`` shows what the link will
do; only the POST of that page does it (``web.links``), so a mail scanner that follows links
changes nothing. A link is checked against the send log (the page must exist and have gone to
that person for that incident), and recorded in ``link_uses`` when it acts, so it works once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from firebreak.errors import FirebreakError
from firebreak.settings import Settings
from firebreak.store.db import UnitOfWork
from firebreak.store.tables import AppSecret, LinkUse, Notification

KEY_NAME = "page-links"
SALT = "firebreak.page-link.v1"
ACTIONS = {"ack": "acknowledge", "resolve": "resolve"}
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8080"  # `firebreak serve`'s default host and port


class LinkRefused(FirebreakError):
    """A link that cannot act: tampered, expired, used, or not issued for what it names."""

    code = "link_refused"
    http_status = 403

    def __init__(self, message: str, *, status: int = 403, reason: str = "refused") -> None:
        super().__init__(message)
        self.http_status = status
        self.reason = reason


@dataclass(frozen=True)
class Claim:
    """What a well-signed token says."""

    notification_id: int
    incident_id: int
    person_id: str
    action: str  # ack | resolve
    expires_at: datetime

    @property
    def link_id(self) -> str:
        return f"n{self.notification_id}-{self.action}"

    @property
    def actor(self) -> str:
        return f"person:{self.person_id}"


def base_url(settings: Settings, fallback: str | None = None) -> str:
    """Where people reach this service: ``[server] public_url``, else ``fallback``."""
    return (settings.server.public_url or fallback or DEFAULT_PUBLIC_URL).rstrip("/")


def incident_url(base: str, incident_id: int) -> str:
    return f"{base}/incidents/{incident_id}"


def existing_key(uow: UnitOfWork) -> str | None:
    """The store's link-signing key, if a page has ever been sent with links."""
    found = uow.session.get(AppSecret, KEY_NAME)
    return found.value if found is not None else None


def signing_key(uow: UnitOfWork, now: datetime) -> str:
    """The store's link-signing key, made on first use (one winner if two processes race)."""
    found = existing_key(uow)
    if found is not None:
        return found
    try:
        with uow.session.begin_nested():
            uow.session.add(AppSecret(name=KEY_NAME, value=secrets.token_hex(32), created_at=now))
    except IntegrityError:
        pass
    row = uow.session.get(AppSecret, KEY_NAME, populate_existing=True)
    assert row is not None
    return row.value


class Signer:
    """Makes and reads link tokens with one key."""

    def __init__(self, key: str) -> None:
        self._serializer = URLSafeSerializer(key, salt=SALT)

    def token(self, claim: Claim) -> str:
        payload = {
            "n": claim.notification_id,
            "i": claim.incident_id,
            "p": claim.person_id,
            "a": claim.action,
            "e": int(claim.expires_at.timestamp()),
        }
        return str(self._serializer.dumps(payload))

    def read(self, token: str) -> Claim:
        """The claim of a token signed with this key; LinkRefused when it is not."""
        try:
            data: Any = self._serializer.loads(token)
            claim = Claim(
                notification_id=int(data["n"]),
                incident_id=int(data["i"]),
                person_id=str(data["p"]),
                action=str(data["a"]),
                expires_at=datetime.fromtimestamp(int(data["e"]), UTC),
            )
        except (BadSignature, KeyError, TypeError, ValueError, OverflowError):
            raise LinkRefused(
                "this link is not one firebreak issued (it was changed or cut short); "
                "use the link from the page as it arrived, or sign in",
                reason="tampered",
            ) from None
        if claim.action not in ACTIONS:
            raise LinkRefused(f"this link names an unknown action {claim.action!r}")
        return claim


@dataclass(frozen=True)
class PageLinks:
    url: str
    ack_url: str
    resolve_url: str


def page_links(signer: Signer, base: str, row: Notification, ttl: timedelta) -> PageLinks:
    """The links that go out with send-log ``row``; they expire ``ttl`` after it was queued."""
    expires = row.created_at + ttl

    def link(action: str) -> str:
        claim = Claim(row.id, row.incident_id, row.person_id, action, expires)
        return f"{base}/a/{signer.token(claim)}"

    return PageLinks(incident_url(base, row.incident_id), link("ack"), link("resolve"))


@dataclass(frozen=True)
class Linker:
    """What the send log needs to put links in the pages it sends."""

    signer: Signer
    base: str
    ttl: timedelta

    @classmethod
    def load(
        cls, uow: UnitOfWork, settings: Settings, now: datetime, fallback: str | None = None
    ) -> Linker:
        return cls(
            Signer(signing_key(uow, now)), base_url(settings, fallback), settings.server.link_ttl
        )

    def for_row(self, row: Notification) -> PageLinks:
        return page_links(self.signer, self.base, row, self.ttl)


def check(uow: UnitOfWork, claim: Claim, now: datetime) -> None:
    """Refuse a claim the send log does not back, one that expired, or one already used."""
    row = uow.session.get(Notification, claim.notification_id)
    if row is None or row.incident_id != claim.incident_id:
        raise LinkRefused(
            f"this link was not issued for incident {claim.incident_id}", reason="mismatch"
        )
    if row.person_id != claim.person_id:
        raise LinkRefused(f"this link was not issued to {claim.person_id}", reason="mismatch")
    used = uow.session.scalars(select(LinkUse).where(LinkUse.link_id == claim.link_id)).first()
    if used is not None:
        raise LinkRefused(
            f"this link was already used at {used.used_at:%Y-%m-%d %H:%M UTC} "
            f"({ACTIONS[used.action]}d); it works once. Nothing was changed.",
            status=410,
            reason="used",
        )
    if now >= claim.expires_at:
        raise LinkRefused(
            f"this link expired at {claim.expires_at:%Y-%m-%d %H:%M UTC}; "
            "nothing was changed. Sign in to act on the incident.",
            status=410,
            reason="expired",
        )


def mark_used(uow: UnitOfWork, claim: Claim, now: datetime) -> None:
    """Record the link as used in the caller's transaction (a second use then fails)."""
    try:
        with uow.session.begin_nested():
            uow.session.add(
                LinkUse(
                    link_id=claim.link_id,
                    incident_id=claim.incident_id,
                    person_id=claim.person_id,
                    action=claim.action,
                    used_at=now,
                )
            )
    except IntegrityError:
        raise LinkRefused(
            "this link was used a moment ago; it works once. Nothing was changed.",
            status=410,
            reason="used",
        ) from None
