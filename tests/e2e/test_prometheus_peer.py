"""A real Prometheus (Debian's package) on loopback scrapes a small target this test runs.

Live: a promql trigger fires, opens an incident and pages; Prometheus stopped mid-run gives
"no data" and a visible error, never a resolve. Backtest: `firebreak backtest --since/--until`
over the same rule agrees with Prometheus's own evaluation (its ALERTS series) at every change.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from fb_server import Running, serve

PROMETHEUS = shutil.which("prometheus")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(PROMETHEUS is None, reason="prometheus is not installed"),
]
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Target:
    """A /metrics endpoint whose gauge value the test sets; and a webhook that records posts."""

    def __init__(self) -> None:
        self.value = 0.01
        self.posts: list[dict[str, Any]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = (
                    "# TYPE gateway_error_ratio gauge\n"
                    f'gateway_error_ratio{{provider="openai"}} {owner.value}\n'
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                owner.posts.append(json.loads(self.rfile.read(length) or b"{}"))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def prometheus(folder: Path, target: Target, rules: str | None = None) -> Iterator[Any]:
    config = folder / "prometheus.yml"
    rule_files = ""
    if rules is not None:
        (folder / "rules.yml").write_text(rules)
        rule_files = f"rule_files: ['{folder / 'rules.yml'}']\n"
    host = target.url.removeprefix("http://")
    config.write_text(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        + rule_files
        + f"scrape_configs:\n  - job_name: gateway\n    static_configs:\n      - targets: ['{host}']\n"
    )
    port = free_port()
    assert PROMETHEUS is not None
    log = (folder / "prometheus.log").open("wb")
    proc = subprocess.Popen(
        [
            PROMETHEUS,
            f"--config.file={config}",
            f"--storage.tsdb.path={folder / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    log.close()
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not _has_data(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                err = (folder / "prometheus.log").read_text(errors="replace")
                raise RuntimeError(f"prometheus did not start scraping: {err[-1500:]}")
            time.sleep(0.3)
        yield proc, url
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(20)


def _has_data(url: str) -> bool:
    try:
        answer = httpx.get(
            f"{url}/api/v1/query", params={"query": "gateway_error_ratio"}, timeout=1
        )
        return answer.status_code == 200 and bool(answer.json()["data"]["result"])
    except httpx.HTTPError:
        return False


def write_workspace(root: Path, prom_url: str, webhook: str) -> None:
    (root / "org").mkdir(parents=True)
    (root / "runbooks").mkdir()
    (root / "firebreak.toml").write_text(
        f'[workspace]\nprofile = "small"\n\n[sources.prometheus]\nurl = "{prom_url}"\n'
        'timeout = "2s"\n'
    )
    (root / "org" / "org.yaml").write_text(
        "people:\n"
        f"  - {{id: dana, contacts: [{{type: webhook, address: '{webhook}'}}]}}\n"
        f"  - {{id: lee, contacts: [{{type: webhook, address: '{webhook}'}}]}}\n"
        "teams:\n  - {id: ml, members: [dana, lee]}\n"
        "services:\n  - {id: gateway, team: ml, escalation: page}\n"
        "escalation_policies:\n"
        "  - id: page\n    levels:\n      - {targets: [person:dana], ack_within: 5m}\n"
        "      - {targets: [person:lee], ack_within: 5m}\n"
    )
    (root / "runbooks" / "gateway-errors.md").write_text(
        "---\ntitle: Gateway errors\nservice: gateway\nscenario: inference_outage\n"
        "severity: sev1\nowner: team:ml\nroles: {commander: person:dana}\n"
        "trigger:\n  promql: gateway_error_ratio\n  above: 0.05\n  for: 3s\n"
        "  labels: {team: ml}\n"
        "---\n# Gateway errors\n\n## Meaning\nThe gateway fails requests.\n\n## Impact\nUsers.\n\n"
        "## Diagnosis\n1. Look. *(commander)*\n   `curl -s $GATEWAY/health`\n   Expect: ok.\n\n"
        "## Mitigation\n1. Fail over. *(commander)*\n   `curl -s -X POST $GATEWAY/failover`\n"
        "   Expect: errors fall.\n"
    )


def _incidents(server: Running) -> list[dict[str, Any]]:
    with server.client("viewer") as c:
        found: list[dict[str, Any]] = c.get("/api/incidents").json()["incidents"]
        return found


def _up(server: Running) -> str | None:
    with server.client() as c:
        text = c.get("/metrics").text
    match = re.search(r'^firebreak_promql_up\{trigger="gateway-errors#1"\} (\d)$', text, re.M)
    return match.group(1) if match else None


def test_a_promql_trigger_pages_and_a_stopped_store_is_no_data_not_a_resolve(
    tmp_path: Path,
) -> None:
    target = Target()
    try:
        with prometheus(tmp_path, target) as (proc, url):
            root = tmp_path / "ws"
            write_workspace(root, url, target.url + "/hook")
            with serve(root, tick=0.2) as server:
                assert server.wait_for(lambda: _up(server) == "1", timeout=20)
                assert _incidents(server) == []
                target.value = 0.2  # the outage
                found = server.wait_for(lambda: _incidents(server), timeout=40)
                assert found and found[0]["service"] == "gateway"
                assert found[0]["runbook_id"] == "gateway-errors"
                pages = server.wait_for(
                    lambda: [p for p in target.posts if p.get("person") == "dana"], timeout=20
                )
                assert pages and pages[0]["incident_id"] == found[0]["id"]
                with server.client("viewer") as c:
                    detail = c.get(f"/api/incidents/{found[0]['id']}").json()
                assert [a["status"] for a in detail["alerts"]] == ["firing"]
                opened = detail["timeline"][0]["text"]
                assert "promql 0.2 above 0.05 for 3s" in opened and "provider=openai" in opened

                proc.terminate()  # the metrics store goes away mid-incident
                proc.wait(20)
                target.value = 0.0  # what it would have seen is an all-clear: it must not
                assert server.wait_for(lambda: _up(server) == "0", timeout=20)
                time.sleep(2)  # several more ticks against a dead store
                with server.client("viewer") as c:
                    detail = c.get(f"/api/incidents/{found[0]['id']}").json()
                assert [a["status"] for a in detail["alerts"]] == ["firing"]
                assert detail["status"] != "resolved"
                with server.client() as c:
                    metrics = c.get("/metrics").text
                failed = re.search(
                    r'^firebreak_promql_queries_failed_total\{trigger="gateway-errors#1"\} (\d+)$',
                    metrics,
                    re.M,
                )
                assert failed and int(failed.group(1)) >= 2
                page = _signed_in_page(server, "/incidents")
                assert "No data from the metrics store" in page
                assert "cannot reach the metrics store" in page
    finally:
        target.close()


def _signed_in_page(server: Running, path: str) -> str:
    with server.client() as c:
        login = CSRF.search(c.get("/login").text)
        assert login is not None
        c.post("/login", data={"csrf": login.group(1), "token": server.tokens["viewer"]})
        return c.get(path).text


RULE = """groups:
  - name: gateway
    rules:
      - alert: GatewayErrors
        expr: gateway_error_ratio > 0.05
        for: 3s
"""


def test_backtest_agrees_with_prometheus_alerts_at_every_state_change(tmp_path: Path) -> None:
    target = Target()
    try:
        with prometheus(tmp_path, target, RULE) as (_proc, url):
            # low, a long burst (fires), low, a burst shorter than `for` (never fires), low,
            # a second long burst, low.
            for value, seconds in ((0.01, 3), (0.2, 7), (0.01, 4), (0.2, 2), (0.01, 4), (0.3, 6)):
                target.value = value
                time.sleep(seconds)
            target.value = 0.01
            time.sleep(4)
            end = time.time()
            raw = httpx.get(
                f"{url}/api/v1/query",
                params={
                    "query": 'ALERTS{alertname="GatewayErrors",alertstate="firing"}[2m]',
                    "time": f"{end:.3f}",
                },
                timeout=5,
            ).json()["data"]["result"]
            stamps = sorted(float(t) for series in raw for t, _v in series["values"])
            assert stamps, "Prometheus never fired the rule"
            expected = _runs(stamps, 1.0)
            assert len(expected) == 2, expected  # the short burst stayed pending
            offset = stamps[0] % 1.0  # the rule group's evaluation phase
            since = int(end) - 60 + offset
            until = int(end) - 1 + offset
            root = tmp_path / "ws"
            write_workspace(root, url, target.url + "/hook")
            result = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "firebreak",
                    "backtest",
                    "--workspace",
                    str(root),
                    "--since",
                    _iso(since),
                    "--until",
                    _iso(until),
                    "--step",
                    "1s",
                    "--format",
                    "json",
                ],
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            assert result.returncode == 0, result.stderr
            (trigger,) = json.loads(result.stdout)["triggers"]
            assert trigger["signal"] == "promql"
            got = [
                (_ts(f["start"]), _ts(f["end"]) if f["end"] else None) for f in trigger["firings"]
            ]
            assert len(got) == len(expected), (got, expected)
            for (g_start, g_end), (e_start, e_end) in zip(got, expected, strict=True):
                assert abs(g_start - e_start) < 0.002, (got, expected)
                assert g_end is not None and abs(g_end - e_end) < 0.002, (got, expected)
    finally:
        target.close()


def _runs(stamps: list[float], step: float) -> list[tuple[float, float]]:
    """Contiguous firing evaluations → [first firing, first evaluation no longer firing)."""
    runs: list[tuple[float, float]] = []
    start = prev = stamps[0]
    for t in stamps[1:]:
        if t - prev > step * 1.5:
            runs.append((start, prev + step))
            start = t
        prev = t
    runs.append((start, prev + step))
    return runs


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=UTC).isoformat(timespec="milliseconds")


def _ts(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
