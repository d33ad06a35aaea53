"""Channels against real receivers on loopback; redaction; the recording channel's dedupe."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from firebreak.notify.apprise_channel import AppriseChannel, contact_url, expand_env
from firebreak.notify.channels import ConsoleChannel, Message, RecordingChannel
from firebreak.notify.live import live_channels
from firebreak.notify.redact import redact_address, scrub
from firebreak.notify.webhook import WebhookChannel
from firebreak.settings import ChannelSection
from firebreak.store.db import Store
from firebreak.store.tables import TimelineEntry

sys.path.insert(0, str(Path(__file__).parent.parent / "incidents"))
from incident_helpers import load, outage, push, tick


class Receiver:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.status = 200


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            state.requests.append(
                {
                    "path": self.path,
                    "headers": dict(self.headers),
                    "body": json.loads(self.rfile.read(length) or b"{}"),
                }
            )
            self.send_response(state.status)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def _message(contact_type: str, address: str, drill: bool = False) -> Message:
    return Message(
        key="i1-t1-l0-dana-c0",
        incident_id=1,
        title="Chat API down",
        severity="sev1",
        level=0,
        person_id="dana",
        role="commander",
        contact_type=contact_type,
        address=address,
        text="[sev1] incident #1: Chat API down",
        drill=drill,
    )


def test_webhook_posts_the_page_with_an_idempotency_key(receiver: tuple[Receiver, str]) -> None:
    state, host = receiver
    result = WebhookChannel().send(_message("webhook", f"http://{host}/hook?token=s3cret", True))
    assert result.ok
    (request,) = state.requests
    assert request["headers"]["Idempotency-Key"] == "i1-t1-l0-dana-c0"
    assert request["body"]["incident_id"] == 1 and request["body"]["level"] == 1
    assert request["body"]["drill"] is True and request["body"]["role"] == "commander"


@pytest.mark.parametrize(("status", "retry"), [(500, True), (429, True), (400, False)])
def test_webhook_failures_say_whether_to_retry(
    receiver: tuple[Receiver, str], status: int, retry: bool
) -> None:
    state, host = receiver
    state.status = status
    result = WebhookChannel().send(_message("webhook", f"http://{host}/hook?token=s3cret"))
    assert not result.ok and result.retry is retry
    assert "s3cret" not in (result.error or "")


def test_apprise_url_contact_reaches_a_real_receiver(receiver: tuple[Receiver, str]) -> None:
    state, host = receiver
    result = AppriseChannel().send(_message("apprise", f"json://{host}/notify", drill=True))
    assert result.ok
    (request,) = state.requests
    assert request["path"] == "/notify"
    assert request["body"]["title"].startswith("DRILL [sev1]")


def test_apprise_channel_without_configuration_does_not_retry() -> None:
    result = AppriseChannel().send(_message("email", "dana@example.com"))
    assert not result.ok and not result.retry
    assert "[channels.email]" in (result.error or "")


def test_contact_urls_from_workspace_channels() -> None:
    channels = {
        "email": ChannelSection(url="mailtos://bot:${SMTP_PASS}@smtp.example.com"),
        "slack": ChannelSection(url="slack://T1/B2/C3"),
        "sms": ChannelSection(url="twilio://SID:tok@+15550000000/{address}"),
    }
    assert contact_url(_message("slack", "@dana"), channels) == "slack://T1/B2/C3/@dana"
    assert contact_url(_message("sms", "+4915100000001"), channels).endswith("/+4915100000001")
    email = contact_url(_message("email", "dana@example.com"), channels)
    assert email.endswith("?to=dana@example.com")
    assert expand_env("x${A}y", {"A": "1"}) == "x1y"


def test_redaction_keeps_secrets_out() -> None:
    assert redact_address("webhook", "https://hooks.slack.com/services/T/B/secret") == (
        "https://hooks.slack.com/***"
    )
    assert redact_address("email", "dana@example.com") == "d***@example.com"
    assert redact_address("sms", "+49 151 0000 0001") == "***0001"
    text = scrub("POST https://user:pw@example.com/x?token=abc failed for tok123", ["tok123"])
    assert "pw" not in text and "abc" not in text and "tok123" not in text


def test_recording_channel_dedupes_on_the_key(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    first, second = RecordingChannel(path), RecordingChannel(path)  # two "processes"
    assert first.send(_message("webhook", "https://example.com/h?t=1")).ok
    assert second.send(_message("webhook", "https://example.com/h?t=1")).ok
    assert len(first.records()) == 1
    assert len(first.records(duplicates=True)) == 2
    assert "t=1" not in path.read_text()


def test_console_channel_and_live_mapping(capsys: pytest.CaptureFixture[str]) -> None:
    assert ConsoleChannel().send(_message("email", "dana@example.com")).ok
    assert "d***@example.com" in capsys.readouterr().err
    live = live_channels({"sms": ChannelSection(url="console")})
    assert isinstance(live["sms"], ConsoleChannel)
    assert isinstance(live["webhook"], WebhookChannel)


def test_apprise_failure_retries_and_prints_no_secret(
    capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"json://127.0.0.1:{port}/hook/secret-token-123"
    result = AppriseChannel().send(_message("apprise", url))
    assert not result.ok and result.retry
    out, err = capfd.readouterr()
    assert "secret-token-123" not in out + err + caplog.text + (result.error or "")


APPRISE_SECRETS = {
    "pbul://o.pushbulletsecrettoken0123": "pushbulletsecrettoken0123",
    "pover://usersecretkey0123@apptokensecret0123": "apptokensecret0123",
    "tgram://123456789:telegramsecrettoken/chat": "telegramsecrettoken",
}


def test_apprise_secrets_in_the_host_part_never_show() -> None:
    for url, secret in APPRISE_SECRETS.items():
        shown = redact_address("apprise", url)
        assert secret not in shown and shown.startswith(url.split("://")[0] + "://"), shown
        assert secret not in scrub(f"delivery to {url} failed")
    assert redact_address("apprise", "join://notvalid") == "join://***"


def test_timeline_page_entries_hide_apprise_secrets(store: Store, example_workspace: Path) -> None:
    people = example_workspace / "org" / "people.yaml"
    text = people.read_text()
    urls = list(APPRISE_SECRETS) * 2
    for person, url in zip(("dana", "lee", "sam", "priya"), urls, strict=False):
        contact = f'{{type: apprise, address: "{url}"}}'
        text = text.replace(f"{{type: email, address: {person}@example.com}}", contact)
    people.write_text(text)
    ws = load(example_workspace)
    channel = RecordingChannel(example_workspace.parent / "pages.jsonl")
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    push(store, outage("apprise-secrets"), now)
    for minute in range(0, 30, 2):
        tick(store, ws, now + timedelta(minutes=minute), channel)
    with store.unit_of_work() as uow:
        entries = uow.session.scalars(select(TimelineEntry)).all()
        shown = " ".join(f"{e.text} {e.data}" for e in entries if e.kind.startswith("page_"))
    assert "page_queued" in {e.kind for e in entries}
    assert "apprise" in shown
    for secret in APPRISE_SECRETS.values():
        assert secret not in shown
