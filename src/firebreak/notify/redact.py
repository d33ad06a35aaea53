"""What may be shown of an address or an error: never a secret URL, token or full phone number."""

from __future__ import annotations

import hashlib
import logging
import re
import warnings
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import urlsplit

_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>]+")


def address_hash(address: str) -> str:
    return hashlib.sha256(address.encode()).hexdigest()


def redact_url(url: str) -> str:
    """A URL with its secrets hidden. Web URLs keep the scheme and host and drop credentials,
    path and query (``https://hooks.x.com/***``); any other scheme is an Apprise URL, whose
    secrets may sit anywhere (``pbul://o.<token>``), so Apprise itself prints it with each
    secret hidden (``url(privacy=True)``); a URL Apprise cannot read shows its scheme only."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return "***"
    if not parts.scheme:
        return "***"
    if parts.scheme.lower() in ("http", "https"):
        return f"{parts.scheme}://{host}/***"
    return _apprise_private(url, parts.scheme)


@lru_cache(maxsize=1024)
def _apprise_private(url: str, scheme: str) -> str:
    import apprise  # heavy: loaded only when an Apprise address is shown

    logging.getLogger("apprise").setLevel(logging.CRITICAL)  # its log lines may quote the URL
    with warnings.catch_warnings():  # apprise's plugins import the deprecated imghdr module
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            plugin = apprise.Apprise.instantiate(url)
        except Exception:
            plugin = None
        if plugin is None or isinstance(plugin, bool):
            return f"{scheme}://***"
        private = str(plugin.url(privacy=True))  # type: ignore[no-untyped-call]
    return private.split("?", 1)[0].rstrip("/")[:200]


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
