"""In a real browser (Debian's chromium, driven by Playwright): the ack_url of a recorded page
opens the confirmation page and its button acknowledges the incident; the same link again does
nothing and says why; a link of another incident or person, or a tampered one, is refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from fb_server import Running, serve
from test_browser import CHROMIUM, CHROMIUM_ARGS, FIXTURE

from firebreak.notify import links
from firebreak.notify.channels import RecordingChannel

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def status(server: Running, incident_id: int) -> str:
    with server.client("viewer") as c:
        found: str = c.get(f"/api/incidents/{incident_id}").json()["status"]
    return found


def first_page(server: Running, channel: RecordingChannel) -> dict[str, Any]:
    def found() -> list[dict[str, Any]]:
        return [r for r in channel.records() if r["kind"] == "page" and r["level"] == 0]

    pages: list[dict[str, Any]] = server.wait_for(found)
    assert pages, "no page was recorded"
    return pages[0]


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
def test_the_ack_link_of_a_page_works_once_in_the_browser(
    example_workspace: Path, tmp_path: Path, artifacts: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    channel = RecordingChannel(tmp_path / "pages.jsonl")
    with serve(example_workspace, channels={"*": channel}) as server, sync_playwright() as p:
        answer = httpx.post(
            f"{server.url}/intake/alertmanager/{server.keys['alertmanager']}",
            json=json.loads(FIXTURE.read_text()),
            timeout=10,
        )
        assert answer.status_code == 200
        page_sent = first_page(server, channel)
        incident_id = page_sent["incident_id"]
        person = page_sent["person_id"]
        assert page_sent["url"] == f"{server.url}/incidents/{incident_id}"

        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
        page.set_default_timeout(15_000)
        expect.set_options(timeout=15_000)

        page.goto(page_sent["ack_url"])
        expect(page.get_by_text("This link will acknowledge the incident")).to_be_visible()
        page.screenshot(path=str(artifacts / "link-01-confirm.png"), full_page=True)
        assert status(server, incident_id) == "triggered"  # opening the link changed nothing
        page.get_by_role("button", name=f"Acknowledge incident #{incident_id}").click()
        expect(page.locator(".link-done")).to_contain_text("Done: acknowledged")
        expect(page.locator("[data-status]")).to_have_text("acknowledged")
        page.screenshot(path=str(artifacts / "link-02-acknowledged.png"), full_page=True)
        assert status(server, incident_id) == "acknowledged"
        with server.client("viewer") as c:
            timeline = c.get(f"/api/incidents/{incident_id}").json()["timeline"]
        ack = next(e for e in timeline if e["kind"] == "acknowledge")
        assert ack["actor"] == f"person:{person}"

        page.goto(page_sent["ack_url"])  # the same link again
        expect(page.locator('[data-reason="used"]')).to_contain_text("already used")
        expect(
            page.get_by_role("button", name=f"Acknowledge incident #{incident_id}")
        ).to_have_count(0)
        page.screenshot(path=str(artifacts / "link-03-used.png"), full_page=True)

        token = page_sent["resolve_url"].rsplit("/", 1)[1]
        body, signature = token.rsplit(".", 1)
        tampered = f"{body}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
        page.goto(f"{server.url}/a/{tampered}")
        expect(page.locator('[data-reason="tampered"]')).to_contain_text("not one firebreak issued")
        page.screenshot(path=str(artifacts / "link-04-tampered.png"), full_page=True)

        with server.store.unit_of_work() as uow:
            signer = links.Signer(links.signing_key(uow, server.app.state.service.clock.now()))
        claim = signer.read(token)
        other_person = "sam" if person != "sam" else "lee"
        for forged, says in (
            (
                links.Claim(
                    claim.notification_id, incident_id + 1, person, "ack", claim.expires_at
                ),
                f"not issued for incident {incident_id + 1}",
            ),
            (
                links.Claim(
                    claim.notification_id, incident_id, other_person, "ack", claim.expires_at
                ),
                f"not issued to {other_person}",
            ),
        ):
            page.goto(f"{server.url}/a/{signer.token(forged)}")
            expect(page.locator('[data-reason="mismatch"]')).to_contain_text(says)
            expect(page.get_by_role("button")).to_have_count(0)
        page.screenshot(path=str(artifacts / "link-05-other-person.png"), full_page=True)
        browser.close()
        assert status(server, incident_id) == "acknowledged"
