"""The incident page a responder wants, on a phone: in Debian's chromium (Playwright) at 390x844
and 1280x800, on real incidents (one sent by a real prometheus-alertmanager with annotations).

Every page fits the screen, the alert's links are links, each action works and shows on the
timeline, bad input is refused with a clear message and changes nothing, the page refreshes
itself without losing what is typed, and a cookie replayed after sign-out is refused.
Screenshots go to test-artifacts/ (look at them)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fb_server import Running, serve
from test_alertmanager_peer import ALERTMANAGER, start_alertmanager
from test_browser import CHROMIUM, CHROMIUM_ARGS

from firebreak.clock import SystemClock
from firebreak.examples import write_example
from firebreak.web.credentials import create_token

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
    pytest.mark.skipif(ALERTMANAGER is None, reason="prometheus-alertmanager is not installed"),
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
RUNBOOK_URL = "https://runbooks.example.com/chat-api/errors"
DASHBOARD = "https://grafana.example.com/d/chat-api?orgId=1"
GENERATOR = "http://prometheus.example.com:9090/graph?g0.expr=chat_error_ratio"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class World:
    server: Running
    person_token: (
        str  # priya's own responder token (--person priya); whose time zone is America/New_York
    )
    alerted: int  # the incident the real Alertmanager opened
    other: int  # an open incident from the generic intake
    closed: int  # a resolved incident


def _generic(server: Running, key: str, service: str, scenario: str) -> None:
    """An alert from the generic intake, on a provider the Alertmanager alert does not name (so
    the example's inhibit rule, provider failures over outages, leaves the two apart)."""
    answer = httpx.post(
        f"{server.url}/intake/generic/{server.keys['generic']}",
        json={
            "summary": f"{service} {scenario.replace('_', ' ')}",
            "labels": {"service": service, "scenario": scenario, "provider": "anthropic"},
            "dedup_key": key,
            "severity": "error",
        },
        timeout=10,
    )
    assert answer.status_code in (200, 202), answer.text


def _incident_of(server: Running, service: str) -> int:
    def find() -> int | None:
        with server.client("viewer") as c:
            found = c.get("/api/incidents", params={"status": "all"}).json()["incidents"]
        return next((i["id"] for i in found if i["service"] == service), None)

    found = server.wait_for(find, timeout=30)
    assert found, f"no incident for {service}"
    return int(found)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("ui") / "ws"
    write_example(root, SystemClock().now().date())
    with serve(root) as server:
        with server.store.unit_of_work() as uow:
            now = SystemClock().now()
            person_token = create_token(uow, "responder", "priya-phone", now, person_id="priya")[1]
        webhook = f"{server.url}/intake/alertmanager/{server.keys['alertmanager']}"
        proc, am = start_alertmanager(root.parent, webhook)
        try:
            alert = {
                "labels": {
                    "alertname": "ChatApiErrorRatioHigh",
                    "service": "chat-api",
                    "scenario": "inference_outage",
                    "severity": "critical",
                    "provider": "openai",
                },
                "annotations": {
                    "summary": "chat-api fails more than 5% of requests",
                    "description": "error_ratio is 0.12 over 5m for openai; see "
                    "https://status.openai.com for the provider's view",
                    "runbook_url": RUNBOOK_URL,
                    "dashboard": DASHBOARD,
                },
                "generatorURL": GENERATOR,
                "startsAt": datetime.now(UTC).isoformat(),
            }
            assert httpx.post(f"{am}/api/v2/alerts", json=[alert], timeout=5).status_code == 200
            alerted = _incident_of(server, "chat-api")
            _generic(server, "runner-loop", "agent-runner", "cost_spike")
            other = _incident_of(server, "agent-runner")
            _generic(server, "gateway-429", "model-gateway", "third_party_failure")
            closed = _incident_of(server, "model-gateway")
            with server.client("responder") as c:
                answer = c.post(
                    f"/api/incidents/{closed}/resolve", json={"resolution": "false_alarm"}
                )
                assert answer.status_code == 200, answer.text
            yield World(server, person_token, alerted, other, closed)
        finally:
            proc.terminate()
            proc.wait(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


def _signed_in(browser: Any, world: World, viewport: dict[str, int]) -> Any:
    from playwright.sync_api import expect

    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(15_000)
    expect.set_options(timeout=15_000)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.problems = problems
    page.goto(f"{world.server.url}/login")
    page.fill("#token", world.person_token)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/incidents")
    return page


def _fits(page: Any, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} is {scroll}px wide at a {width}px viewport"


def _shoot(page: Any, path: Path) -> None:
    """A full-page screenshot, and the same page in screen-sized parts (``-p1`` …) for a tall
    page, so each part can be read at its real size."""
    page.screenshot(path=str(path), full_page=True)
    size = page.viewport_size
    height = page.evaluate("document.documentElement.scrollHeight")
    step = 1500 if size["width"] < 760 else 1000
    if height <= step:
        return
    for n, top in enumerate(range(0, height, step), start=1):
        clip = {"x": 0, "y": top, "width": size["width"], "height": min(step, height - top)}
        page.screenshot(
            path=str(path.with_name(f"{path.stem}-p{n}.png")), full_page=True, clip=clip
        )


def _timeline(world: World, incident_id: int) -> list[dict[str, Any]]:
    with world.server.client("viewer") as c:
        timeline: list[dict[str, Any]] = c.get(f"/api/incidents/{incident_id}").json()["timeline"]
    return timeline


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390x844", "1280x800"])
def test_every_page_fits_the_screen_and_is_safe_to_show(
    browser: Any, world: World, artifacts: Path, viewport: dict[str, int]
) -> None:
    from playwright.sync_api import expect

    page = _signed_in(browser, world, viewport)
    width, tag = viewport["width"], f"{viewport['width']}x{viewport['height']}"
    url = world.server.url
    pages = [
        ("incidents", "/incidents"),
        ("incidents-all", "/incidents?status=all"),
        ("incident-alertmanager", f"/incidents/{world.alerted}"),
        ("incident-resolved", f"/incidents/{world.closed}"),
        ("oncall", "/oncall"),
        ("figures", "/figures"),
        ("runbooks", "/runbooks"),
        ("error-404", "/incidents/99999"),
        ("error-bad-filter", "/incidents?status=bogus"),
    ]
    for name, path in pages:
        answer = page.goto(f"{url}{path}")
        assert answer is not None
        headers = answer.headers
        assert headers["x-frame-options"] == "DENY", path
        assert "frame-ancestors 'none'" in headers["content-security-policy"], path
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["cache-control"] == "no-store", path
        page.wait_for_load_state("networkidle")
        _fits(page, width)
        _shoot(page, artifacts / f"ui-{tag}-{name}.png")

    # status=all lists the resolved incident beside the open ones.
    page.goto(f"{url}/incidents?status=all")
    expect(page.locator(f'a[href="/incidents/{world.closed}"]')).to_be_visible()
    expect(page.locator(f'a[href="/incidents/{world.alerted}"]')).to_be_visible()

    # Errors are pages of the site, in plain words, with the way back.
    page.goto(f"{url}/incidents/99999")
    expect(page.get_by_role("heading", name="There is nothing here")).to_be_visible()
    expect(page.get_by_role("link", name="Back to incidents")).to_be_visible()
    page.goto(f"{url}/incidents?status=bogus")
    expect(page.get_by_text("status: show one of open, all")).to_be_visible()
    expect(page.locator(".brand")).to_be_visible()  # inside the layout

    # The alert from Alertmanager: annotations as text, URLs as links, labels.
    page.goto(f"{url}/incidents/{world.alerted}")
    alerts = page.locator("#live-alerts")
    for href in (RUNBOOK_URL, DASHBOARD, GENERATOR, "https://status.openai.com"):
        link = alerts.locator(f'a[href="{href}"]')
        expect(link).to_have_count(1)
        assert link.get_attribute("rel") == "noopener noreferrer"
    expect(alerts.locator('[data-annotation="description"]')).to_contain_text("0.12 over 5m")
    expect(alerts.get_by_text("alertname=ChatApiErrorRatioHigh")).to_be_visible()
    # The runbook's Meaning and Impact, and its step links kept as links.
    expect(page.locator("[data-meaning]")).to_contain_text("chat API")
    expect(page.locator("[data-impact]")).not_to_be_empty()
    expect(page.locator('[data-step="diagnosis.3"] a')).to_have_count(1)
    # The escalation: policy, level, who is next and when.
    escalation = page.locator("#live-escalation")
    expect(escalation).to_contain_text("ml-platform-page")
    expect(escalation.locator("[data-escalation-next]")).to_contain_text("level 2")
    # Times in the viewer's zone (priya: America/New_York), with a relative hint.
    expect(page.locator(".who")).to_contain_text("America/New_York")
    expect(page.locator("#live-timeline time").first).to_contain_text("EST")
    expect(page.locator("#live-timeline time .rel").first).to_have_text(
        re.compile(r"^\((just now|\d+ min ago)\)$")
    )

    if width < 760:
        # The top bar collapses to one row; the menu opens on a tap.
        nav = page.get_by_role("link", name="On call")
        expect(nav).to_be_hidden()
        page.get_by_role("button", name="Menu").click()
        expect(nav).to_be_visible()
        page.screenshot(path=str(artifacts / f"ui-{tag}-menu-open.png"))
        page.get_by_role("button", name="Menu").click()
        # Actions first, then the current step, then the roles.
        tops = [
            page.locator(sel).bounding_box()["y"]
            for sel in (".actions", "#live-current", "#live-roles", "#live-runbook")
        ]
        assert tops == sorted(tops), tops
    else:
        current, roles = (page.locator(s).bounding_box() for s in ("#live-current", "#live-roles"))
        assert current["x"] < roles["x"] and abs(current["y"] - roles["y"]) < 5
        # The top bar is one row: every page link beside the brand and the sign-out button.
        links = page.locator(".nav a")
        rows = {round(links.nth(i).bounding_box()["y"]) for i in range(links.count())}
        brand, out = (page.locator(s).bounding_box() for s in (".brand", ".who .btn"))
        assert len(rows) == 1 and links.count() == 6, rows
        assert abs(brand["y"] + brand["height"] / 2 - (out["y"] + out["height"] / 2)) < 8
        assert brand["height"] < 36, brand  # the brand on one line, not squeezed into two

    favicon = httpx.get(f"{url}/favicon.ico", timeout=5)
    assert favicon.status_code == 200 and favicon.headers["content-type"] == "image/svg+xml"
    assert not [p for p in page.problems if "Content Security Policy" in p or "Refused" in p]
    page.context.close()


def _more(page: Any) -> None:
    more = page.locator("details.more")
    if more.get_attribute("open") is None:
        more.locator("summary").click()


def _error_shown(page: Any, text: str) -> None:
    from playwright.sync_api import expect

    expect(page.locator("[data-error]")).to_contain_text(text)


def test_each_action_works_and_bad_input_changes_nothing(
    browser: Any, world: World, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    page = _signed_in(browser, world, PHONE)
    url, a = world.server.url, world.alerted
    page.goto(f"{url}/incidents/{a}")
    timeline = page.locator("#live-timeline")

    def shot(name: str) -> None:
        _fits(page, PHONE["width"])
        _shoot(page, artifacts / f"ui-action-{name}.png")

    page.get_by_role("button", name="Acknowledge").click()
    expect(page.locator("[data-status]")).to_have_text("acknowledged")

    # A snooze of -5m: a clear message, nothing changed.
    before = len(_timeline(world, a))
    _more(page)
    shot("more-actions")
    page.fill("#snooze-for", "-5m")
    page.get_by_role("button", name="Snooze").click()
    _error_shown(page, "Snooze for how long?")
    shot("snooze-refused")
    assert len(_timeline(world, a)) == before
    _more(page)
    page.fill("#snooze-for", "30m")
    page.get_by_role("button", name="Snooze").click()
    expect(timeline).to_contain_text("snoozed by person:priya for 30m")
    expect(page.locator("[data-escalation-state]")).to_have_attribute(
        "data-escalation-state", "snoozed"
    )

    _more(page)
    page.get_by_role("button", name="Escalate now").click()
    expect(page.locator("[data-status]")).to_have_text("triggered")
    expect(timeline).to_contain_text("escalated by person:priya: paging level 2")

    _more(page)
    page.select_option("#responder-person", "marco")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(timeline).to_contain_text("person:priya added marco as a responder")
    expect(page.locator("#live-escalation")).to_contain_text("Responders added: Marco Bianchi")

    _more(page)
    page.select_option("#severity", "sev2")
    page.get_by_role("button", name="Change").click()
    expect(timeline).to_contain_text("severity sev1 → sev2")
    expect(page.locator(".sev").first).to_have_text("SEV2")

    step = page.locator('[data-step="diagnosis.1"]')
    step.get_by_role("button", name="Mark done").click()
    expect(page.locator('[data-step="diagnosis.1"]')).to_have_class("step done")
    page.locator('[data-step="diagnosis.1"]').get_by_role("button", name="Undo done").click()
    expect(page.locator('[data-step="diagnosis.1"]')).to_have_class(re.compile(r"^step\s*$"))
    expect(timeline).to_contain_text("step diagnosis.1 no longer done")
    shot("working")

    # A note of 1 MB, and one of 5,000 characters: refused with the limit named; nothing added.
    before = len(_timeline(world, a))
    for size, message in (
        (1024 * 1024, "That form was too large to take"),
        (5000, "at most 4,000"),
    ):
        page.evaluate(
            "(n) => { const t = document.querySelector('textarea[name=text]');"
            " t.removeAttribute('maxlength'); t.value = 'x'.repeat(n); }",
            size,
        )
        page.get_by_role("button", name="Add note").click()
        _error_shown(page, message)
        assert len(_timeline(world, a)) == before
        shot(f"note-{size}-refused")
    page.fill("textarea[name=text]", "failing over to anthropic now")
    page.get_by_role("button", name="Add note").click()
    expect(timeline).to_contain_text("failing over to anthropic now")

    # Merging into itself, or into a resolved incident: refused, nothing changed.
    for target, message in ((a, "cannot be merged into itself"), (world.closed, "is resolved")):
        before = len(_timeline(world, a))
        _more(page)
        page.fill("#merge-into", str(target))
        page.get_by_role("button", name="Merge").click()
        _error_shown(page, message)
        assert len(_timeline(world, a)) == before
    shot("merge-refused")

    # Merge the other incident into this one.
    page.goto(f"{url}/incidents/{world.other}")
    _more(page)
    page.fill("#merge-into", str(a))
    page.get_by_role("button", name="Merge").click()
    expect(page.locator("[data-status]")).to_have_text("resolved")
    expect(page.locator("#live-timeline")).to_contain_text(f"merged into incident {a}")
    page.goto(f"{url}/incidents/{a}")
    expect(timeline).to_contain_text(f"incident {world.other}")
    expect(page.locator("#live-alerts")).to_contain_text("agent-runner")

    # The fault start form reads the time in the viewer's zone (priya: America/New_York), as
    # the page shows times.
    local = datetime.now(ZoneInfo("America/New_York")) - timedelta(hours=2)
    page.fill('input[name="at"]', local.strftime("%Y-%m-%dT%H:%M:%S"))
    page.get_by_role("button", name="Set fault start (America/New_York)").click()
    expect(page.locator("[data-fault-start]")).to_contain_text(local.strftime("%H:%M"))
    with world.server.client("viewer") as c:
        shown = c.get(f"/api/incidents/{a}").json()["fault_started_at"]
    assert datetime.fromisoformat(shown) == local.replace(microsecond=0).astimezone(UTC)

    # Resolving as fixed without the confirmation: plain words, in the page, nothing changed.
    page.select_option('select[name="resolution"]', "fixed")
    page.get_by_role("button", name="Resolve").click()
    _error_shown(page, "first tick the box")
    assert "confirm_done" not in page.locator("[data-error]").inner_text()
    expect(page.locator("[data-status]")).to_have_text("triggered")
    page.select_option('select[name="resolution"]', "false_alarm")
    page.get_by_role("button", name="Resolve").click()
    expect(page.locator("[data-status]")).to_have_text("resolved")
    page.get_by_role("button", name="Reopen").click()
    expect(page.locator("[data-status]")).to_have_text("triggered")
    expect(timeline).to_contain_text("reopened by person:priya (it was resolved as false_alarm)")
    shot("reopened")
    page.set_viewport_size(DESKTOP)
    _fits(page, DESKTOP["width"])
    _shoot(page, artifacts / "ui-action-reopened-1280.png")
    page.context.close()


def test_the_page_refreshes_itself_and_sign_out_ends_the_session(
    browser: Any, world: World, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    page = _signed_in(browser, world, PHONE)
    url, a = world.server.url, world.alerted
    page.goto(f"{url}/incidents/{a}")
    page.fill("textarea[name=text]", "half-typed thought")
    with world.server.client("responder") as c:
        answer = c.post(f"/api/incidents/{a}/notes", json={"text": "note from the API"})
        assert answer.status_code == 200
    expect(page.locator("#live-timeline")).to_contain_text("note from the API", timeout=20_000)
    assert page.input_value("textarea[name=text]") == "half-typed thought"

    # The list open in another tab, then sign out in this one.
    listing = page.context.new_page()
    listing.goto(f"{url}/incidents")
    cookie = next(c["value"] for c in page.context.cookies() if c["name"] == "fb_session")
    csrf = CSRF.search(page.content())
    assert csrf is not None
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    expect(listing.locator("[data-signed-out]")).to_be_visible(timeout=20_000)
    expect(listing.locator("[data-signed-out]")).to_contain_text("You are signed out")
    listing.screenshot(path=str(artifacts / "ui-390x844-signed-out-list.png"), full_page=True)

    # The old cookie, replayed, is refused: for pages and for forms with its CSRF token.
    before = len(_timeline(world, a))
    with httpx.Client(base_url=url, cookies={"fb_session": cookie}, timeout=10) as replay:
        assert replay.get("/incidents").status_code == 303
        assert replay.get("/incidents/rows").status_code == 401
        posted = replay.post(f"/incidents/{a}/notes", data={"csrf": csrf.group(1), "text": "x"})
        assert posted.status_code == 401
    assert len(_timeline(world, a)) == before
    page.context.close()
