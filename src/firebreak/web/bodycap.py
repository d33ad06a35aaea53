"""Body caps for every route but intake (which caps its own, at ``limits.BODY_INTAKE``).

Applied in front of the app, so before routing, the framework's body parsing and authentication:
a declared ``Content-Length`` past the cap is answered 413 without reading a byte, and a chunked
body is counted as it arrives and refused the moment it passes the cap. Memory stays at one
chunk plus the cap whatever a stranger sends.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.exceptions import HTTPException

from firebreak import limits

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
MESSAGE = f"body is larger than {limits.BODY_OTHER} bytes"


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a body passes the cap; the app's handler answers 413."""

    def __init__(self) -> None:
        super().__init__(413, MESSAGE)


def declared_too_large(scope: Scope, cap: int = limits.BODY_OTHER) -> bool:
    """Whether the request declares a Content-Length past ``cap``."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return not value.isdigit() or int(value) > cap
    return False


def capped(receive: Receive, cap: int = limits.BODY_OTHER) -> Receive:
    """``receive`` that raises :class:`BodyTooLarge` once more than ``cap`` bytes arrived."""
    size = 0

    async def wrapped() -> Message:
        nonlocal size
        message = await receive()
        if message["type"] == "http.request":
            size += len(message.get("body", b""))
            if size > cap:
                raise BodyTooLarge()
        return message

    return wrapped


async def refuse(send: Send) -> None:
    """Answer 413 in the API's error shape, and close the connection (the body is unread)."""
    data = json.dumps({"error": "payload_too_large", "message": MESSAGE}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(data)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": data})
