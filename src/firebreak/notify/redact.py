"""What may be shown of an address or an error: never a secret URL, token or full phone number."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>]+")


def address_hash(address: str) -> str:
    return hashlib.sha256(address.encode()).hexdigest()


def redact_url(url: str) -> str:
    """Keep the scheme and host, drop credentials, path and query: ``https://hooks.x.com/***``."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return "***"
    return f"{parts.scheme}://{host}/***" if parts.scheme else "***"


def redact_address(contact_type: str, address: str) -> str:
    """A form of ``address`` safe for logs, the timeline and the UI."""
    if "://" in address:
        return redact_url(address)
    if contact_type == "email" and "@" in address:
        local, _, domain = address.partition("@")
        return f"{local[:1]}***@{domain}"
    if contact_type in ("sms", "phone"):
        digits = re.sub(r"\D", "", address)
        return f"***{digits[-4:]}" if len(digits) >= 4 else "***"
    if contact_type == "slack":
        return address[:80]
    return "***"


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """Remove every known secret and every URL's path and query from ``text``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return _URL.sub(lambda m: redact_url(m.group(0)), text)[:500]
