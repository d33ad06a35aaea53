"""Secrets for API tokens and integration keys: made here, stored only as a hash.

A secret is high-entropy random text, so a plain SHA-256 is enough to store it (no salt or slow
hash needed: there is nothing to guess). Comparisons use ``hmac.compare_digest``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Literal

Role = Literal["viewer", "responder", "admin"]
ROLES: tuple[Role, ...] = ("viewer", "responder", "admin")
ROLE_RANK: dict[str, int] = {"viewer": 1, "responder": 2, "admin": 3}
TOKEN_PREFIX = "fbt_"


def new_token() -> str:
    """A new API token: a recognisable prefix and 256 bits of randomness."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_integration_key() -> str:
    """A new integration key: 32 hex characters (128 bits), the length PagerDuty clients expect."""
    return secrets.token_hex(16)


def hash_secret(secret: str) -> str:
    """The stored form of a secret: hex SHA-256."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def same_hash(a: str, b: str) -> bool:
    """Constant-time equality of two stored hashes."""
    return hmac.compare_digest(a.encode(), b.encode())


def role_allows(held: str, needed: str) -> bool:
    """True when a token of role ``held`` may do what needs ``needed`` (viewer < responder < admin)."""
    return ROLE_RANK.get(held, 0) >= ROLE_RANK[needed]
