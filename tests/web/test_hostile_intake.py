"""Hostile and malformed intake bodies, over real HTTP, on SQLite and PostgreSQL: each is refused
with a 4xx naming the field and the limit, never a 5xx; good alerts sent beside or after them are
accepted and open their incident on the next tick."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fb_server import Running
from hostile_server import hostile_server, outcome, outcomes, post

from firebreak.incidents.loop import Loop

pytestmark = pytest.mark.slow  # starts a server

OVERFLOW_TIME = "9999-12-31T23:59:59-23:59"


def generic(labels: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {"summary": "hostile", "labels": labels, **extra}


def pd(**payload: Any) -> dict[str, Any]:
    base = {"summary": "hostile", "source": "test", "severity": "critical"}
    return {"event_action": "trigger", "payload": {**base, **payload}}


def am(**alert: Any) -> dict[str, Any]:
    one = {"status": "firing", "labels": {"alertname": "X", "service": "chat-api"}, **alert}
    return {"version": "4", "status": "firing", "alerts": [one]}


def deep(depth: int) -> bytes:
    return (
        b'{"summary": "x", "labels": {"a": "b"}, "details": ' + b"[" * depth + b"]" * depth + b"}"
    )


# case -> (route, JSON body or raw bytes, what the refusal must name)
CASES: dict[str, tuple[str, Any, str]] = {
    "nul_in_label": ("generic", generic({"service": "chat\x00api"}), "NUL"),
    "long_service": ("generic", generic({"service": "s" * 121}), "labels.service: longer than 120"),
    "long_scenario": ("generic", generic({"service": "a", "scenario": "x" * 41}), "than 40"),
    "long_provider": (
        "generic",
        generic({"provider": "p" * 600, "scenario": "third_party_failure"}),
        "labels.provider: longer than 460",
    ),
    "long_runbook_trigger": (
        "generic",
        generic({"service": "a", "runbook": "r" * 250, "trigger": "t"}),
        "labels.runbook: longer than 200",
    ),
    "long_trigger": (
        "generic",
        generic({"service": "a", "runbook": "r", "trigger": "t" * 150}),
        "labels.trigger: longer than 99",
    ),
    "lone_surrogate": ("generic", generic({"a": "b"}, summary="x\ud800"), "surrogate"),
    "nul_in_summary": ("pagerduty", pd(summary="x\x00y"), "NUL"),
    "nul_in_dedup_key": ("pagerduty", {**pd(), "dedup_key": "k\x00"}, "NUL"),
    "nan_in_details": ("pagerduty", pd(custom_details={"v": float("nan")}), "NaN"),
    "infinity_in_details": (
        "generic",
        generic({"a": "b"}, details={"v": float("inf")}),
        "Infinity",
    ),
    "long_severity": (
        "generic",
        generic({"a": "b"}, severity="s" * 17),
        "severity: longer than 16",
    ),
    "deep_json": ("generic", deep(5000), "nested deeper than 32"),
    "deep_json_under_recursion_limit": ("generic", deep(200), "nested deeper than 32"),
    "huge_integer": (
        "generic",
        b'{"labels": {"a": "b"}, "details": {"n": ' + b"9" * 5000 + b"}}",
        "digits",
    ),
    "huge_float": ("generic", b'{"labels": {"a": "b"}, "details": {"n": 1e999}}', "too large"),
    "overflowing_startsAt": ("alertmanager", am(startsAt=OVERFLOW_TIME), "startsAt"),
    "year_9000_startsAt": ("alertmanager", am(startsAt="9000-01-01T00:00:00Z"), "outside 1970"),
    "overflowing_pd_timestamp": ("pagerduty", pd(timestamp=OVERFLOW_TIME), "timestamp"),
    "otlp_spans_not_objects": ("otlp", {"resourceSpans": ["x", 1, None]}, "malformed OTLP"),
    "too_many_labels": ("generic", generic({f"l{i}": "v" for i in range(65)}), "more than 64"),
}


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def hostile(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Running, Loop]]:
    with hostile_server(request.param, tmp_path_factory.mktemp("hostile")) as pair:
        yield pair


def good(running: Running) -> str:
    """Send a good alert for a service of its own; return its sender key."""
    key = uuid.uuid4().hex
    answer = post(
        running,
        "generic",
        {"summary": "good", "dedup_key": key, "labels": {"service": f"svc-{key[:8]}"}},
    )
    assert answer.status_code == 202, answer.text
    return key


def refusal(answer: httpx.Response) -> str:
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text[:300])
    assert "Traceback" not in answer.text
    return answer.text


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_hostile_value_is_refused_with_the_field_and_the_limit(
    hostile: tuple[Running, Loop], case: str
) -> None:
    running, loop = hostile
    kind, body, named = CASES[case]
    raw = body if isinstance(body, bytes) else None
    text = refusal(post(running, kind, body, raw))
    assert named in text, text[:300]
    key = good(running)
    loop.tick()
    assert outcome(running, key) == "opened"


CONCURRENT = [
    "lone_surrogate",
    "nul_in_summary",
    "nul_in_dedup_key",
    "nan_in_details",
    "long_severity",
]


@pytest.mark.parametrize("case", CONCURRENT)
def test_a_bad_request_never_fails_good_ones_sharing_its_commit(
    hostile: tuple[Running, Loop], case: str
) -> None:
    running, loop = hostile
    kind, body, _named = CASES[case]
    keys: list[str] = []
    statuses: list[int] = []
    lock = threading.Lock()

    def sender(bad: bool) -> None:
        for _ in range(5):
            if bad:
                code = post(running, kind, body).status_code
            else:
                key = uuid.uuid4().hex
                code = post(
                    running,
                    "generic",
                    {
                        "summary": "good",
                        "dedup_key": key,
                        "labels": {"service": "chat-api", "scenario": "inference_outage"},
                    },
                ).status_code
                with lock:
                    keys.append(key)
            with lock:
                statuses.append(code if not bad else -code)

    threads = [threading.Thread(target=sender, args=(i % 2 == 0,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(set(statuses)) == [-400, 202], statuses
    for _ in range(50):  # 20 good alerts: a tick takes 20 at most
        loop.tick()
        if None not in outcomes(running, keys).values():
            break
    assert set(outcomes(running, keys).values()) <= {"opened", "attached"}
