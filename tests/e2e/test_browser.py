"""In a real browser (Debian's chromium, driven by Playwright): an alert from the Alertmanager
endpoint becomes an incident a responder signs in to, acknowledges, works through and resolves
as a false alarm, and the figures page changes."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from fb_server import serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = Path("/usr/bin/chromium")  # Debian's package; never a downloaded browser
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FIXTURE = Path(__file__).parents[1] / "web" / "fixtures" / "alertmanager_firing.json"


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
def test_responder_works_an_incident_in_the_browser(
    example_workspace: Path, artifacts: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    with serve(example_workspace) as server, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(15_000)
        expect.set_options(timeout=15_000)  # the list polls every 5 s; a loaded machine is slow
        page.goto(f"{server.url}/incidents")
        expect(page.get_by_role("heading", name="Sign in to firebreak")).to_be_visible()
        page.screenshot(path=str(artifacts / "01-sign-in.png"))
        page.fill("#token", server.tokens["responder"])
        page.get_by_role("button", name="Sign in").click()

        expect(page.get_by_text("No incidents match")).to_be_visible()
        # The alert arrives while the list is open: it appears without a reload.
        alert = json.loads(FIXTURE.read_text())
        answer = httpx.post(
            f"{server.url}/intake/alertmanager/{server.keys['alertmanager']}",
            json=alert,
            timeout=10,
        )
        assert answer.status_code == 200
        row = page.locator("td.title a", has_text="chat-api fails more than 5%")
        expect(row).to_be_visible()
        page.screenshot(path=str(artifacts / "02-incident-list.png"), full_page=True)

        page.goto(f"{server.url}/figures")
        before = page.locator('[data-kpi="false_alarm_rate"] .value').inner_text()
        page.screenshot(path=str(artifacts / "03-figures-before.png"), full_page=True)

        page.goto(f"{server.url}/incidents")
        page.locator("td.title a", has_text="chat-api fails more than 5%").click()
        expect(page.locator("[data-status]")).to_have_text("triggered")
        page.get_by_role("button", name="Acknowledge").click()
        expect(page.locator("[data-status]")).to_have_text("acknowledged")

        for key in ("diagnosis.1", "mitigation.1"):
            step = page.locator(f'[data-step="{key}"]')
            step.get_by_role("button", name="Mark done").click()
            expect(page.locator(f'[data-step="{key}"]')).to_have_class("step done")
        expect(page.locator(".timeline")).to_contain_text("step diagnosis.1 done")
        page.screenshot(path=str(artifacts / "04-incident-working.png"), full_page=True)

        page.select_option('select[name="resolution"]', "false_alarm")
        page.get_by_role("button", name="Resolve").click()
        expect(page.locator("[data-status]")).to_have_text("resolved")
        expect(page.get_by_text("resolved as false alarm")).to_be_visible()
        page.screenshot(path=str(artifacts / "05-incident-resolved.png"), full_page=True)

        page.goto(f"{server.url}/figures")
        after = page.locator('[data-kpi="false_alarm_rate"] .value').inner_text()
        assert (before, after) == ("—", "100%")
        expect(page.locator("svg.chart .far-dot").first).to_be_attached()
        page.screenshot(path=str(artifacts / "06-figures-after.png"), full_page=True)

        for path, name in (("/oncall", "07-oncall"), ("/runbooks", "08-runbooks")):
            page.goto(f"{server.url}{path}")
            page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
        browser.close()
