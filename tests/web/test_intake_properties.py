"""Property: whatever body a sender posts, intake answers 2xx (and the alert is processed) or 4xx,
never 5xx; and a good alert sent after any of them opens its incident on the next tick. Run over
real HTTP on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fb_server import Running
from hostile_server import hostile_server, outcome, post
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firebreak.incidents.loop import Loop

pytestmark = pytest.mark.slow  # starts a server

HOSTILE_TEXT = st.sampled_from(
    ["", "\x00", "a\x00b", "\ud800", "x" * 121, "y" * 2000, "é" * 300, "critical", "sev1"]
)
TEXT = st.one_of(st.text(max_size=30), HOSTILE_TEXT)
NUMBER = st.one_of(
    st.integers(min_value=-(10**60), max_value=10**60),
    st.floats(allow_nan=True, allow_infinity=True),
)
SCALAR = st.one_of(st.none(), st.booleans(), NUMBER, TEXT)
JSON = st.recursive(
    SCALAR,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(TEXT, inner, max_size=3)),
    max_leaves=12,
)
LABEL_NAMES = st.sampled_from(
    ["service", "scenario", "provider", "runbook", "trigger", "severity", "x"]
)
LABELS = st.one_of(st.dictionaries(LABEL_NAMES, TEXT, max_size=5), JSON)
GENERIC = st.fixed_dictionaries(
    {},
    optional={
        "summary": st.one_of(TEXT, JSON),
        "labels": LABELS,
        "status": st.one_of(st.sampled_from(["firing", "resolved", "acknowledged", "nope"]), JSON),
        "dedup_key": st.one_of(TEXT, JSON),
        "severity": st.one_of(TEXT, JSON),
        "details": JSON,
    },
)
PAGERDUTY = st.fixed_dictionaries(
    {"event_action": st.sampled_from(["trigger", "acknowledge", "resolve", "x"])},
    optional={
        "dedup_key": st.one_of(TEXT, JSON),
        "payload": st.one_of(
            JSON,
            st.fixed_dictionaries(
                {
                    "summary": TEXT,
                    "source": TEXT,
                    "severity": st.sampled_from(["critical", "info", "bad"]),
                },
                optional={
                    "timestamp": st.one_of(
                        TEXT, st.sampled_from(["9999-12-31T23:59:59-23:59", "2026-12-01T00:00:00Z"])
                    ),
                    "custom_details": JSON,
                },
            ),
        ),
    },
)
BODY = st.one_of(st.tuples(st.just("generic"), GENERIC), st.tuples(st.just("pagerduty"), PAGERDUTY))


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def hostile(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Running, Loop]]:
    with hostile_server(request.param, tmp_path_factory.mktemp("props")) as pair:
        yield pair


def test_every_body_is_answered_2xx_and_processed_or_4xx_and_never_stops_the_pipeline(
    hostile: tuple[Running, Loop],
) -> None:
    running, loop = hostile

    @given(body=BODY)
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    def check(body: tuple[str, Any]) -> None:
        kind, data = body
        answer = post(running, kind, data, json.dumps(data, allow_nan=True).encode())
        assert answer.status_code < 500, (answer.status_code, answer.text[:300])
        assert answer.status_code in (200, 202) or 400 <= answer.status_code < 500
        good = uuid.uuid4().hex
        sent = post(
            running,
            "generic",
            {"summary": "good", "dedup_key": good, "labels": {"service": f"p-{good[:10]}"}},
        )
        assert sent.status_code == 202, sent.text
        loop.tick()
        if answer.status_code < 300:
            result = outcome(running, answer.json()["dedup_key"])
            assert result is not None and result != "rejected", (data, result)
        assert outcome(running, good) == "opened", data

    check()
