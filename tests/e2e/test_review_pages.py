"""The handoff and review pages in a real browser (Debian's chromium), at a phone's width and a
desktop's, over six weeks of history; and their API routes."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from fb_server import serve

from firebreak.clock import SystemClock
from firebreak.store.db import open_store
from firebreak.workspace import require

sys.path.insert(0, str(Path(__file__).parents[1] / "review"))
from history import write_history

WIDEST = "document.documentElement.scrollWidth"  # no horizontal scroll at either width
pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
def test_handoff_and_review_pages(example_workspace: Path, artifacts: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    store = open_store(f"sqlite:///{example_workspace / 'firebreak.db'}")
    store.upgrade()
    write_history(store, require(example_workspace), SystemClock().now(), worse=True)
    store.dispose()
    with serve(example_workspace) as server, sync_playwright() as p:
        with server.client("viewer") as api, server.client() as anonymous:
            review = api.get("/api/review", params={"period": "14d"}).json()
            decayed = {a["figure"] for a in review["decay"]}
            assert decayed == {"mttr_s.median", "false_alarm_rate", "drill_pass_rate"}
            assert api.get("/api/handoff", params={"since": "7d"}).json()["follow_ups"]
            bad = api.get("/api/review", params={"period": "0d"})
            assert bad.status_code == 400 and "period" in bad.json()["message"]
            assert anonymous.get("/api/review").status_code == 401

        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        for width, height in ((390, 844), (1280, 800)):
            page = browser.new_page(viewport={"width": width, "height": height})
            page.set_default_timeout(15_000)
            page.goto(f"{server.url}/login?next=/review")
            page.fill("#token", server.tokens["viewer"])
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("heading", name="Weekly review")).to_be_visible()
            expect(page.get_by_role("alert")).to_contain_text("drill pass rate 50%")
            expect(page.get_by_text("diagnosis.2 done before diagnosis.1")).to_be_visible()
            page.screenshot(path=str(artifacts / f"review-{width}.png"), full_page=True)
            assert page.evaluate(WIDEST) <= width
            page.goto(f"{server.url}/handoff?since=7d")
            expect(page.get_by_role("heading", name="Shift handoff")).to_be_visible()
            expect(page.locator("section", has_text="Open follow-ups")).to_contain_text(
                "acknowledged"
            )
            page.screenshot(path=str(artifacts / f"handoff-{width}.png"), full_page=True)
            assert page.evaluate(WIDEST) <= width
            page.close()
        browser.close()
