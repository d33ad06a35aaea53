"""Timed steps on the simulated clock, on SQLite and PostgreSQL: what pages carry, who is told
of a role, a level nobody can be reached at, and alerts that clear at the source."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from incident_helpers import load, outage, push

from firebreak.clock import SimClock
from firebreak.incidents import actions
from firebreak.incidents.loop import Loop
from firebreak.notify.channels import Message, RecordingChannel, SendResult
from firebreak.org import oncall
from firebreak.store.db import Store
from firebreak.workspace import Workspace

T0 = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
BASE = "https://firebreak.example.com"


def run(store: Store, ws: Workspace, at: datetime, channel: Any) -> None:
    loop = Loop(store, ws, SimClock(at), "test-worker", {"*": channel})
    loop.tick()


def records(channel: RecordingChannel, kind: str) -> list[dict[str, Any]]:
    return [r for r in channel.records() if r["kind"] == kind]


def timeline(store: Store, incident_id: int) -> list[Any]:
    with store.unit_of_work(readonly=True) as uow:
        return list(uow.incidents.timeline(incident_id))


def only_incident(store: Store) -> Any:
    with store.unit_of_work(readonly=True) as uow:
        found = uow.incidents.list()
    assert len(found) == 1
    return found[0]


def test_every_page_carries_the_incident_url_and_links_for_that_person(
    store: Store, example_workspace: Path, tmp_path: Path
) -> None:
    ws = load(example_workspace)
    ws.settings.server.public_url = BASE
    channel = RecordingChannel(tmp_path / "pages.jsonl")
    push(store, outage(), T0)
    run(store, ws, T0, channel)
    incident = only_incident(store)
    pages = records(channel, "page")
    assert pages
    url = f"{BASE}/incidents/{incident.id}"
    for page in pages:
        assert page["url"] == url and page["text"].endswith(url)
        assert page["ack_url"].startswith(f"{BASE}/a/")
        assert page["resolve_url"].startswith(f"{BASE}/a/")
    # One pair of links per page sent: no two pages share a link.
    links = [p["ack_url"] for p in pages] + [p["resolve_url"] for p in pages]
    assert len(set(links)) == len(links)
    # The links never reach the timeline.
    texts = " ".join(e.text + str(e.data) for e in timeline(store, incident.id))
    assert all(link.rsplit("/", 1)[1] not in texts for link in links)


def test_role_holders_are_told_at_opening_and_on_reassignment(
    store: Store, example_workspace: Path, tmp_path: Path
) -> None:
    ws = load(example_workspace)
    channel = RecordingChannel(tmp_path / "pages.jsonl")
    primary = oncall.resolve(ws.org, "schedule:ml-platform-primary", T0)
    push(store, outage(), T0)
    run(store, ws, T0, channel)
    incident = only_incident(store)
    with store.unit_of_work(readonly=True) as uow:
        roles = {r.role: r.person_id for r in uow.incidents.roles(incident.id)}
    # The commander is paged at level 1, and the page names the role; no second message.
    assert roles["commander"] in primary
    assert not [r for r in records(channel, "role") if r["person_id"] == roles["commander"]]
    assert all("as commander" in p["text"] for p in records(channel, "page"))
    # Communications (priya, not paged at level 1) is told at once, with her first step.
    told = [r for r in records(channel, "role") if r["person_id"] == roles["communications"]]
    assert told and {r["contact_type"] for r in told} == {
        c.type for c in ws.org.people[roles["communications"]].contacts if not c.delay
    }
    assert "communications" in told[0]["role"]
    assert "first step mitigation.3: Post a status update" in told[0]["text"]
    assert told[0]["url"].endswith(f"/incidents/{incident.id}") and told[0]["ack_url"]

    # 00:02 someone acknowledges; 00:03 operations goes to mei: she is told then, not later.
    with store.unit_of_work() as uow:
        actions.acknowledge(uow, incident.id, "person:lee", T0 + timedelta(minutes=2))
    at = T0 + timedelta(minutes=3)
    with store.unit_of_work() as uow:
        actions.reassign_role(uow, incident.id, "operations", "mei", "person:lee", at, ws)
    run(store, ws, at - timedelta(seconds=1), channel)
    assert not [r for r in records(channel, "role") if r["person_id"] == "mei"]
    run(store, ws, at, channel)
    mei = [r for r in records(channel, "role") if r["person_id"] == "mei"]
    assert {r["contact_type"] for r in mei} == {"slack", "email"}
    assert "you are operations (reassigned by person:lee)" in mei[0]["text"]
    assert "first step diagnosis.1" in mei[0]["text"]
    kinds = [e.kind for e in timeline(store, incident.id)]
    assert "role_notice_sent" in kinds


class Unreachable:
    """Records pages, except that every contact of ``people`` refuses them for good."""

    def __init__(self, recorder: RecordingChannel, people: set[str]) -> None:
        self.recorder = recorder
        self.people = people

    def send(self, message: Message) -> SendResult:
        if message.person_id in self.people:
            return SendResult(False, False, "the mailbox does not exist")
        return self.recorder.send(message)


def test_a_level_nobody_can_be_reached_at_moves_on_at_once(
    store: Store, example_workspace: Path, tmp_path: Path
) -> None:
    ws = load(example_workspace)
    primary = set(oncall.resolve(ws.org, "schedule:ml-platform-primary", T0))
    secondary = set(oncall.resolve(ws.org, "schedule:ml-platform-secondary", T0))
    for person in primary:  # no delayed contact: every contact fails in the first second
        ws.org.people[person].contacts = [replace_delay(c) for c in ws.org.people[person].contacts]
    recorder = RecordingChannel(tmp_path / "pages.jsonl")
    push(store, outage(), T0)
    run(store, ws, T0, Unreachable(recorder, primary))
    incident = only_incident(store)
    level2 = {r["person_id"] for r in records(recorder, "page") if r["level"] == 1}
    assert level2 == {*secondary, "dana"}  # at 00:00, not after level 1's 5 minutes
    entries = [e for e in timeline(store, incident.id) if e.kind == "level_unreached"]
    assert len(entries) == 1 and entries[0].at == T0
    assert "every page of level 1 failed" in entries[0].text
    assert "moving to level 2 now" in entries[0].text


def replace_delay(contact: Any) -> Any:
    return contact.model_copy(update={"delay": None})


def test_a_level_reached_at_least_once_waits_its_ack_within(
    store: Store, example_workspace: Path, tmp_path: Path
) -> None:
    ws = load(example_workspace)
    primary = oncall.resolve(ws.org, "schedule:ml-platform-primary", T0)
    recorder = RecordingChannel(tmp_path / "pages.jsonl")
    push(store, outage(), T0)
    run(store, ws, T0, Unreachable(recorder, set()))
    run(store, ws, T0 + timedelta(minutes=4, seconds=59), recorder)
    assert {r["person_id"] for r in records(recorder, "page")} == set(primary)


def resolved(alert: Any) -> Any:
    return replace(alert, action="resolve")


def test_alerts_that_clear_before_ack_within_page_nobody_at_level_2(
    store: Store, example_workspace: Path, tmp_path: Path
) -> None:
    ws = load(example_workspace)
    channel = RecordingChannel(tmp_path / "pages.jsonl")
    cleared, still = outage("clears"), outage("stays", service="model-gateway")
    still.labels["service"] = "model-gateway"  # another incident, as the control
    push(store, cleared, T0)
    push(store, still, T0)
    run(store, ws, T0, channel)
    push(store, resolved(cleared), T0 + timedelta(seconds=2))
    run(store, ws, T0 + timedelta(seconds=2), channel)
    for minutes in (5, 10, 15, 30):
        run(store, ws, T0 + timedelta(minutes=minutes), channel)
    with store.unit_of_work(readonly=True) as uow:
        by_service = {i.service: i for i in uow.incidents.list()}
    gone, open_ = by_service["chat-api"], by_service["model-gateway"]
    level2 = {r["incident_id"] for r in records(channel, "page") if r["level"] == 1}
    assert gone.id not in level2 and open_.id in level2
    assert gone.cleared_at == T0 + timedelta(seconds=2) and open_.cleared_at is None
    assert gone.status == "triggered"  # cleared is not resolved: a person still decides
    texts = [e.text for e in timeline(store, gone.id) if e.kind == "alerts_cleared"]
    assert texts and "escalation stopped" in texts[0]


def test_auto_resolve_after_resolves_a_cleared_incident_unless_it_fires_again(
    store: Store, example_workspace: Path, tmp_path: Path
) -> None:
    ws = load(example_workspace)
    ws.settings.incidents.auto_resolve_after = timedelta(minutes=10)
    channel = RecordingChannel(tmp_path / "pages.jsonl")
    quiet, flapping = outage("quiet"), outage("flapping")
    flapping.labels["service"] = "model-gateway"
    for alert in (quiet, flapping):
        push(store, alert, T0)
    run(store, ws, T0, channel)
    for alert in (quiet, flapping):
        push(store, resolved(alert), T0 + timedelta(minutes=1))
    run(store, ws, T0 + timedelta(minutes=1), channel)
    push(store, flapping, T0 + timedelta(minutes=4))  # fires again before the 10 minutes
    run(store, ws, T0 + timedelta(minutes=4), channel)
    run(store, ws, T0 + timedelta(minutes=10, seconds=59), channel)
    with store.unit_of_work(readonly=True) as uow:
        assert all(i.status != "resolved" for i in uow.incidents.list())
    run(store, ws, T0 + timedelta(minutes=11), channel)
    with store.unit_of_work(readonly=True) as uow:
        by_service = {i.service: i for i in uow.incidents.list()}
    done, again = by_service["chat-api"], by_service["model-gateway"]
    assert done.status == "resolved" and done.resolution == "fixed"
    assert done.resolved_at == T0 + timedelta(minutes=11)
    entry = next(e for e in timeline(store, done.id) if e.kind == "resolve")
    assert entry.actor == "firebreak" and "clear at the source for 10m" in entry.text
    assert again.status == "triggered" and again.cleared_at is None
    # Firing again restarted its escalation: level 1 was paged again at 00:04.
    repaged = [
        r
        for r in records(channel, "page")
        if r["incident_id"] == again.id and r["level"] == 0 and "c0" in r["key"]
    ]
    assert len(repaged) == 2
    kinds = [e.kind for e in timeline(store, again.id)]
    assert kinds.count("alerts_cleared") == 1 and "alerts_firing" in kinds


def test_webhook_contacts_get_the_urls_and_kind_in_their_json(
    store: Store, example_workspace: Path, tmp_path: Path
) -> None:
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from firebreak.notify.webhook import WebhookChannel

    got: list[dict[str, Any]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            got.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=receiver.serve_forever, daemon=True)
    thread.start()
    try:
        ws = load(example_workspace)
        ws.settings.server.public_url = BASE
        hook = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
        for person in ws.org.people.values():
            person.contacts = [
                person.contacts[0].model_copy(
                    update={"type": "webhook", "address": hook, "delay": None}
                )
            ]
        push(store, outage(), T0)
        run(store, ws, T0, WebhookChannel())
    finally:
        receiver.shutdown()
        receiver.server_close()
        thread.join(10)
    incident = only_incident(store)
    kinds = {body["kind"] for body in got}
    assert kinds == {"page", "role"}
    for body in got:
        assert body["url"] == f"{BASE}/incidents/{incident.id}"
        assert body["ack_url"].startswith(f"{BASE}/a/") and body["resolve_url"].startswith(
            f"{BASE}/a/"
        )
        assert body["text"].endswith(body["url"])
    role = next(b for b in got if b["kind"] == "role")
    assert "communications" in role["role"]
