"""The channel protocol, and the console and recording channels.

A channel sends one ``Message`` and says whether it worked and, if not, whether a retry may help
(as Alertmanager's notifiers do). ``run_due`` takes a mapping contact type → channel, with
``"*"`` as the fallback for any type not listed.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol, TextIO

from firebreak.notify.redact import redact_address


@dataclass(frozen=True)
class Message:
    """One page to one contact of one person. ``key`` is the send log's idempotency key."""

    key: str
    incident_id: int
    title: str
    severity: str
    level: int
    person_id: str
    role: str | None
    contact_type: str
    address: str  # the real address: only a channel may read it; never log it
    text: str  # the page in one line, ending with the incident's URL
    drill: bool
    kind: str = "page"  # page (escalation) | role (a role holder is told)
    url: str = ""  # the incident's page
    ack_url: str = ""  # signed one-use links for this person (see notify.links)
    resolve_url: str = ""

    def body(self) -> str:
        """The text for a person to read: the page, then the links that act on it."""
        lines = [self.text]
        if self.ack_url:
            lines.append(f"Acknowledge: {self.ack_url}")
        if self.resolve_url:
            lines.append(f"Resolve: {self.resolve_url}")
        return "\n".join(lines)

    def public(self) -> dict[str, Any]:
        """The message with its address redacted, for records (it holds the action links)."""
        data = asdict(self)
        data["address"] = redact_address(self.contact_type, self.address)
        return data


@dataclass(frozen=True)
class SendResult:
    ok: bool
    retry: bool = False
    error: str | None = None


class Channel(Protocol):
    def send(self, message: Message) -> SendResult: ...


Channels = Mapping[str, Channel]


def channel_for(channels: Channels, contact_type: str) -> Channel | None:
    return channels.get(contact_type) or channels.get("*")


class ConsoleChannel:
    """Prints each page on a stream (standard error by default), address redacted.

    The action links are left out: a console is a log, and those links act without signing in.
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    def send(self, message: Message) -> SendResult:
        stream = self.stream or sys.stderr
        who = redact_address(message.contact_type, message.address)
        print(
            f"PAGE {message.person_id} via {message.contact_type} {who}: {message.text}",
            file=stream,
            flush=True,
        )
        return SendResult(ok=True)


class RecordingChannel:
    """Appends each page as a JSON line to a file, deduplicating on the idempotency key.

    It behaves like a webhook receiver that honours an idempotency header: a second delivery of
    a key already recorded is acknowledged (``ok``) and logged as ``"duplicate": true`` instead
    of being recorded again. The file is locked around each check-and-append, so several
    processes may share it, and a killed process's sends can be read back.
    """

    def __init__(self, path: Path | str, fail_keys: Mapping[str, int] | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._failures = dict(fail_keys or {})  # key -> number of times to fail first
        self._seen: set[str] = set()
        self._offset = 0  # bytes of the file already read into _seen

    def send(self, message: Message) -> SendResult:
        if self._failures.get(message.key, 0) > 0:
            self._failures[message.key] -= 1
            return SendResult(ok=False, retry=True, error="recording channel: planned failure")
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._catch_up(fd)
            seen = message.key in self._seen
            self._seen.add(message.key)
            line = {**message.public(), "duplicate": seen}
            os.write(fd, (json.dumps(line, sort_keys=True) + "\n").encode())
            os.fsync(fd)
            self._offset = os.lseek(fd, 0, os.SEEK_END)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
        return SendResult(ok=True)

    def _catch_up(self, fd: int) -> None:
        """Read the lines other processes appended since we last looked."""
        os.lseek(fd, self._offset, os.SEEK_SET)
        chunks = []
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
        data = b"".join(chunks)
        self._offset += len(data)
        self._seen.update(json.loads(x)["key"] for x in data.splitlines() if x.strip())

    def records(self, *, duplicates: bool = False) -> list[dict[str, Any]]:
        """The recorded pages in order (first deliveries only, unless ``duplicates``)."""
        if not self.path.exists():
            return []
        lines = [json.loads(x) for x in self.path.read_text().splitlines() if x.strip()]
        return [x for x in lines if duplicates or not x["duplicate"]]
