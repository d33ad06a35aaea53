"""The links in pages, through a real server on loopback and the simulated clock, on SQLite and
PostgreSQL: GET shows, POST acts once as the person paged, and every bad link is refused."""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fb_server import Running, serve

sys.path.insert(0, str(Path(__file__).parents[1] / "incidents"))
from incident_helpers import outage, push

from firebreak.clock import SimClock
from firebreak.notify import links
from firebreak.notify.channels import RecordingChannel
from firebreak.org import oncall
from firebreak.workspace import require

pytestmark = pytest.mark.slow  # starts firebreak or a server

T0 = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)


def incident(server: Running, incident_id: int) -> dict[str, Any]:
    with server.client("viewer") as c:
        found: dict[str, Any] = c.get(f"/api/incidents/{incident_id}").json()
    return found


def pages_to(server: Running, channel: RecordingChannel, person: str, n: int) -> list[Any]:
    def found() -> list[Any]:
        got = [r for r in channel.records() if r["person_id"] == person]
        return got if len({r["incident_id"] for r in got}) >= n else []

    result: list[Any] = server.wait_for(found)
    assert result, f"no pages to {person}"
    return result


def reason(answer: httpx.Response) -> str:
    match = re.search(r'data-reason="([a-z_]+)"', answer.text)
    return match.group(1) if match else ""


def test_links_show_then_act_once_and_refuse_what_they_do_not_name(
    db_url: str, example_workspace: Path, tmp_path: Path
) -> None:
    clock = SimClock(T0)
    channel = RecordingChannel(tmp_path / "pages.jsonl")
    ws = require(example_workspace)
    lee = oncall.resolve(ws.org, "schedule:ml-platform-primary", T0)[0]
    with serve(example_workspace, db_url, clock=clock, channels={"*": channel}) as server:
        push(server.store, outage("a"), T0)
        push(server.store, outage("b", service="model-gateway"), T0)
        pages = pages_to(server, channel, lee, 2)
        first, second = sorted({p["incident_id"] for p in pages})
        page = next(p for p in pages if p["incident_id"] == first and p["contact_type"] == "email")
        assert page["ack_url"].startswith(f"{server.url}/a/")
        assert page["url"] == f"{server.url}/incidents/{first}"

        with httpx.Client(timeout=10) as web:
            # A link scanner's GETs change nothing.
            for _ in range(2):
                shown = web.get(page["ack_url"])
                assert (
                    shown.status_code == 200 and "will <strong>acknowledge</strong>" in shown.text
                )
            assert incident(server, first)["status"] == "triggered"

            clock.set(T0 + timedelta(minutes=1))
            done = web.post(page["ack_url"])
            assert done.status_code == 200 and "Done: acknowledged" in done.text
            detail = incident(server, first)
            assert detail["status"] == "acknowledged"
            ack = next(e for e in detail["timeline"] if e["kind"] == "acknowledge")
            assert ack["actor"] == f"person:{lee}"

            again = web.post(page["ack_url"])
            assert again.status_code == 410 and reason(again) == "used"
            assert "already used" in again.text
            assert web.get(page["ack_url"]).status_code == 410

            token = page["resolve_url"].rsplit("/", 1)[1]
            body, signature = token.rsplit(".", 1)
            flipped = body + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
            tampered = web.post(f"{server.url}/a/{flipped}", data={"resolution": "false_alarm"})
            assert tampered.status_code == 403 and reason(tampered) == "tampered"

            # Well signed, but naming another incident or person than the page went out for.
            with server.store.unit_of_work() as uow:
                signer = links.Signer(links.signing_key(uow, T0))
            claim = signer.read(token)
            for forged, why in (
                (
                    links.Claim(claim.notification_id, second, lee, "resolve", claim.expires_at),
                    "incident",
                ),
                (
                    links.Claim(claim.notification_id, first, "sam", "resolve", claim.expires_at),
                    "sam",
                ),
            ):
                refused = web.post(
                    f"{server.url}/a/{signer.token(forged)}", data={"resolution": "false_alarm"}
                )
                assert refused.status_code == 403 and reason(refused) == "mismatch"
                assert why in refused.text
            assert incident(server, first)["status"] == "acknowledged"
            assert incident(server, second)["status"] == "triggered"

            resolved = web.post(page["resolve_url"], data={"resolution": "false_alarm"})
            assert resolved.status_code == 200 and "resolved as false alarm" in resolved.text
            assert incident(server, first)["resolution"] == "false_alarm"

            # The other incident's link expires with link_ttl (24h): then it changes nothing.
            other = next(p for p in pages if p["incident_id"] == second)
            clock.set(T0 + timedelta(hours=24) - timedelta(seconds=1))
            assert web.get(other["ack_url"]).status_code == 200
            clock.set(T0 + timedelta(hours=24))
            late = web.post(other["ack_url"])
            assert late.status_code == 410 and reason(late) == "expired"
            assert incident(server, second)["status"] == "triggered"
