"""The intake fast path: a small ASGI middleware that answers the three alert intake routes
without the framework's routing and dependency machinery (most of a request's cost at load).

It calls the same functions as the documented routes (``web.intake``) and answers with the same
bodies and statuses; every other request passes through untouched.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from firebreak.errors import FirebreakError
from firebreak.web.intake import (
    MAX_BODY,
    PayloadTooLarge,
    intake_alertmanager,
    intake_generic,
    intake_pagerduty,
)
from firebreak.web.service import Service

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

KEYED = re.compile(r"^/intake/(alertmanager|generic)/([^/]+)$")
log = logging.getLogger("firebreak.web")


class IntakeFastPath:
    """Answers alert intake before the app's middleware and routing; passes the rest on."""

    def __init__(self, app: ASGIApp, service: Service) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not await self.handle(scope, receive, send):
            await self.app(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> bool:
        """Answer the request if it is an alert intake post; False to let the app have it."""
        if scope["type"] != "http" or scope["method"] != "POST":
            return False
        path: str = scope["path"]
        keyed = KEYED.match(path)
        if keyed is None and path != "/v2/enqueue":
            return False
        status, body = await self._handle(scope, receive, keyed)
        await _answer(send, status, body)
        return True

    async def _handle(
        self, scope: Scope, receive: Receive, keyed: re.Match[str] | None
    ) -> tuple[int, Any]:
        try:
            raw = await _read(scope, receive)
            if keyed is None:
                return await intake_pagerduty(self.service, raw)
            if keyed.group(1) == "alertmanager":
                return await intake_alertmanager(self.service, keyed.group(2), raw)
            return await intake_generic(self.service, keyed.group(2), raw)
        except FirebreakError as exc:
            if keyed is None:
                return exc.http_status, {
                    "status": "invalid event",
                    "message": exc.message,
                    "errors": [exc.message],
                }
            body: dict[str, Any] = {"error": exc.code, "message": exc.message}
            errors = getattr(exc, "errors", None)
            if isinstance(errors, list):
                body["errors"] = errors
            return exc.http_status, body
        except Exception as exc:  # never a traceback to the sender; the log names the type
            log.error("intake failed: %s", type(exc).__name__)
            return 500, {"error": "internal", "message": "internal error; see the server log"}


async def _read(scope: Scope, receive: Receive) -> bytes:
    for name, value in scope.get("headers", []):
        if name == b"content-length" and value.isdigit() and int(value) > MAX_BODY:
            raise PayloadTooLarge(f"body is larger than {MAX_BODY} bytes")
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise PayloadTooLarge(f"body is larger than {MAX_BODY} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _answer(send: Send, status: int, body: Any) -> None:
    data = json.dumps(body, separators=(",", ":")).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    if status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})
