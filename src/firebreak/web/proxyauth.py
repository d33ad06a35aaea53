"""Sign-in by an authenticating proxy (oauth2-proxy and the like) in front of the service.

With ``[server] auth_header = "X-Forwarded-Email"`` and ``trusted_proxies = ["10.0.0.5/32"]``,
a request whose connection comes from a trusted address and carries the header is the person
whose ``email`` contact has that address (case-insensitive), with the ``responder`` role. The
header from any other address is ignored, as is an address that matches nobody: the request is
then simply not signed in. Such a principal has no session cookie; its CSRF nonce is derived from
the service's session key and the person, so forms work and a cross-site post still fails.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from functools import lru_cache

from fastapi import Request

from firebreak.web.credentials import Principal
from firebreak.web.service import Service

PROXY_ROLE = "responder"


@lru_cache(maxsize=64)
def _networks(items: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in items)


def trusted(address: str | None, proxies: list[str]) -> bool:
    """Whether a connection from ``address`` comes from one of ``proxies``."""
    if not address or not proxies:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in _networks(tuple(proxies)))


def person_by_email(service: Service, email: str) -> str | None:
    wanted = email.strip().lower()
    if not wanted:
        return None
    for person in service.workspace.org.people.values():
        for contact in person.contacts:
            if contact.type == "email" and contact.address.strip().lower() == wanted:
                return person.id
    return None


def proxy_user(request: Request) -> tuple[Principal, str] | None:
    """The person a trusted proxy names, with a CSRF nonce; None when it names nobody."""
    service: Service = request.app.state.service
    server = service.workspace.settings.server
    if not server.auth_header:
        return None
    value = request.headers.get(server.auth_header)
    if value is None:
        return None
    peer = request.client.host if request.client else None
    if not trusted(peer, server.trusted_proxies):
        return None
    person = person_by_email(service, value)
    if person is None:
        return None
    nonce = hmac.new(service.session_key, f"proxy:{person}".encode(), hashlib.sha256).hexdigest()
    return Principal(0, person, PROXY_ROLE, person), nonce
