"""Sign-in by an authenticating proxy, through a real reverse proxy on loopback.

A small reverse proxy (written here, standing in for oauth2-proxy once it has authenticated
someone) adds ``X-Forwarded-Email`` and forwards to firebreak. Run twice: once connecting to
firebreak from 127.0.0.2 (the trusted proxy address), once from 127.0.0.1 (not trusted). The
header is honoured from the first and ignored from the second, and a client that sends the
header straight to firebreak is not signed in either.
"""

from __future__ import annotations

import http.client
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from fb_server import Running, serve

from firebreak.incidents.intake import record_alert
from firebreak.incidents.model import AlertIn

pytestmark = [pytest.mark.slow]
HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "host"}
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@contextmanager
def reverse_proxy(upstream: str, source: str, email: str) -> Iterator[str]:
    """Listen on 127.0.0.1; forward each request to ``upstream`` from address ``source``,
    adding ``X-Forwarded-Email: email`` (any such header from the client is dropped first)."""
    target = urlsplit(upstream)

    class Handler(BaseHTTPRequestHandler):
        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {
                k: v
                for k, v in self.headers.items()
                if k.lower() not in HOP and k.lower() != "x-forwarded-email"
            }
            headers["Host"] = target.netloc
            headers["X-Forwarded-Email"] = email
            conn = http.client.HTTPConnection(
                target.hostname, target.port, timeout=10, source_address=(source, 0)
            )
            try:
                conn.request(self.command, self.path, body=body, headers=headers)
                answer = conn.getresponse()
                data = answer.read()
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() not in HOP and key.lower() != "content-length":
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            finally:
                conn.close()

        do_GET = _forward
        do_POST = _forward

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def open_incident(server: Running) -> int:
    alert = AlertIn(
        source="generic",
        dedup_key="proxy-test",
        labels={"service": "chat-api", "scenario": "inference_outage"},
        summary="chat-api fails",
        severity="critical",
    )
    with server.store.unit_of_work() as uow:
        record_alert(uow, alert, server.app.state.service.clock.now())

    def found() -> int | None:
        with server.client("viewer") as c:
            rows = c.get("/api/incidents").json()["incidents"]
        return int(rows[0]["id"]) if rows else None

    incident_id: int | None = server.wait_for(found)
    assert incident_id is not None
    return incident_id


def test_the_proxy_header_is_honoured_from_a_trusted_address_only(
    db_url: str, example_workspace: Path
) -> None:
    toml = example_workspace / "firebreak.toml"
    text = toml.read_text()
    assert "\n[server]\n" in text
    toml.write_text(
        text.replace(
            "\n[server]\n",
            '\n[server]\nauth_header = "X-Forwarded-Email"\ntrusted_proxies = ["127.0.0.2/32"]\n',
        )
    )
    with serve(example_workspace, db_url) as server:
        incident_id = open_incident(server)
        with (
            reverse_proxy(server.url, "127.0.0.2", "Dana@Example.com") as trusted,
            httpx.Client(base_url=trusted, timeout=10) as web,
        ):
            page = web.get(f"/incidents/{incident_id}")
            assert page.status_code == 200
            assert "dana · responder" in page.text
            csrf = CSRF.search(page.text)
            assert csrf is not None
            acked = web.post(f"/incidents/{incident_id}/ack", data={"csrf": csrf.group(1)})
            assert acked.status_code == 303, acked.text
        with server.client("viewer") as c:
            timeline = c.get(f"/api/incidents/{incident_id}").json()["timeline"]
        ack = next(e for e in timeline if e["kind"] == "acknowledge")
        assert ack["actor"] == "person:dana"

        with (
            reverse_proxy(server.url, "127.0.0.1", "dana@example.com") as untrusted,
            httpx.Client(base_url=untrusted, timeout=10) as web,
        ):
            page = web.get(f"/incidents/{incident_id}")
            assert page.status_code == 303 and "/login" in page.headers["location"]
            refused = web.post(f"/incidents/{incident_id}/mitigate", data={"csrf": "x"})
            assert refused.status_code == 401
        direct = httpx.get(
            f"{server.url}/incidents/{incident_id}",
            headers={"X-Forwarded-Email": "dana@example.com"},
            timeout=10,
        )
        assert direct.status_code == 303  # straight from 127.0.0.1: not a trusted proxy
        with reverse_proxy(server.url, "127.0.0.2", "stranger@example.com") as trusted:
            page = httpx.get(f"{trusted}/incidents/{incident_id}", timeout=10)
            assert page.status_code == 303  # a trusted proxy naming nobody signs nobody in
        with server.client("viewer") as c:
            assert c.get(f"/api/incidents/{incident_id}").json()["status"] == "acknowledged"
