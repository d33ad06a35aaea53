"""Body caps on every route, before the body is read and before credentials are looked at: a
declared Content-Length past the cap is refused unread, a chunked body the moment it passes."""

from __future__ import annotations

import json
import socket

import pytest
from fb_server import Running

from firebreak import limits

pytestmark = pytest.mark.slow  # starts a server


def raw_post(server: Running, path: str, head: str, body: bytes = b"") -> tuple[int, bytes]:
    """POST with hand-written framing; return the status and the answer's body."""
    port = int(server.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(
            f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{head}\r\n\r\n".encode()
            + body
        )
        answer = b""
        while b"\r\n\r\n" not in answer or len(answer.split(b"\r\n\r\n", 1)[1]) < 10:
            more = s.recv(65536)
            if not more:
                break
            answer += more
    status = int(answer.split(b" ", 2)[1])
    return status, answer.split(b"\r\n\r\n", 1)[1]


def chunked(total: int, size: int = 16 * 1024) -> bytes:
    piece = f"{size:x}\r\n".encode() + b"[" * size + b"\r\n"
    return piece * (total // size)


def test_a_declared_body_past_the_cap_is_refused_unread_and_unauthenticated(
    server: Running,
) -> None:
    for path in ("/api/incidents/1/resolve", "/api/tokens", "/login"):
        status, body = raw_post(server, path, "Content-Length: 314572800")  # 300 MB, none sent
        assert status == 413, (path, body)
        assert json.loads(body)["error"] == "payload_too_large"
    key = server.keys["generic"]
    status, body = raw_post(server, f"/intake/generic/{key}", "Content-Length: 314572800")
    assert status == 413 and b"larger than" in body


def test_a_chunked_body_is_refused_once_it_passes_the_cap(server: Running) -> None:
    status, body = raw_post(
        server,
        "/api/incidents/1/resolve",
        "Transfer-Encoding: chunked",
        chunked(limits.BODY_OTHER + 32 * 1024),
    )
    assert status == 413 and json.loads(body)["error"] == "payload_too_large"
    status, body = raw_post(
        server,
        "/intake/generic/unknown-key",
        "Transfer-Encoding: chunked",
        chunked(limits.BODY_INTAKE + 64 * 1024),
    )
    assert status == 413 and b"larger than" in body


def test_bodies_under_the_caps_still_work(server: Running) -> None:
    with server.client("admin") as c:
        assert c.post("/api/tokens", json={"role": "viewer", "name": "x"}).status_code == 201
    with server.client() as c:
        big = {
            "summary": "big details",
            "labels": {"service": "chat-api"},
            "details": {"x": "y" * 1_000_000},
        }
        assert c.post(f"/intake/generic/{server.keys['generic']}", json=big).status_code == 202


def test_a_number_where_a_time_belongs_is_refused_not_read_as_an_epoch(server: Running) -> None:
    with server.client("viewer") as c:
        for path in ("/api/incidents", "/api/metrics"):
            answer = c.get(path, params={"since": "0.5"})
            assert answer.status_code == 422, (path, answer.text)
            assert "ISO 8601" in answer.text
        assert c.get("/api/incidents", params={"since": "2026-11-27T00:00:00Z"}).status_code == 200
