"""PromQL triggers: the evaluator follows Prometheus's alerting-rule semantics, and a store that
fails or times out is an error (no data), never an empty answer."""

from __future__ import annotations

import socket
import threading
from datetime import UTC, datetime, timedelta

import pytest

from firebreak.detect.promql import PromClient, PromError, PromEvaluator, PromPlan
from firebreak.runbooks.model import Trigger

OPENAI = (("provider", "openai"),)
ANTHROPIC = (("provider", "anthropic"),)


def _plan(**trigger: object) -> PromPlan:
    return PromPlan(
        "gw", 0, Trigger.model_validate({"promql": "x", **trigger}), "gateway", "custom"
    )


def test_a_threshold_fires_after_for_and_resolves_when_the_series_leaves() -> None:
    ev = PromEvaluator(_plan(above=0.05, **{"for": "3s"}))
    seen = []
    answers = [
        {OPENAI: 0.01},
        {OPENAI: 0.2, ANTHROPIC: 0.3},  # both pending from t=1
        {OPENAI: 0.2, ANTHROPIC: 0.01},  # anthropic resets before its `for`
        {OPENAI: 0.2},
        {OPENAI: 0.2},  # t=4: held 3s -> fires
        {OPENAI: 0.2},
        {},  # gone from the result: resolves (as Prometheus does)
    ]
    for t, answer in enumerate(answers):
        seen += [(t, a.status, a.labels["provider"]) for a in ev.step(float(t), answer)]
    assert seen == [(4, "firing", "openai"), (6, "resolved", "openai")]


def test_series_labels_become_alert_labels_beside_the_runbook_ones() -> None:
    ev = PromEvaluator(_plan(below=1, labels={"team": "ml"}))
    (alert,) = ev.step(0.0, {(("job", "gw"), ("service", "edge")): 0.0})
    assert alert.labels == {
        "service": "gateway",
        "scenario": "custom",
        "team": "ml",
        "job": "gw",
        "exported_service": "edge",
    }
    other = PromEvaluator(_plan(below=1, labels={"team": "ml"})).step(0.0, {(("job", "b"),): 0.0})
    assert other[0].fingerprint != alert.fingerprint


def test_a_store_that_does_not_answer_is_a_timeout_error() -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    accepted: list[socket.socket] = []
    threading.Thread(target=lambda: accepted.append(silent.accept()[0]), daemon=True).start()
    client = PromClient(f"http://127.0.0.1:{silent.getsockname()[1]}", timeout_s=0.5)
    try:
        with pytest.raises(PromError, match=r"did not answer within 0\.5s"):
            client.instant("up", datetime.now(UTC))
    finally:
        client.close()
        for conn in accepted:
            conn.close()
        silent.close()


def test_an_unreachable_store_is_an_error_without_the_headers() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = PromClient(f"http://127.0.0.1:{port}", {"Authorization": "Bearer sekrit"}, 2)
    try:
        with pytest.raises(PromError) as raised:
            now = datetime.now(UTC)
            client.range("up", now - timedelta(minutes=1), now, timedelta(seconds=15))
        assert "cannot reach the metrics store" in raised.value.message
        assert "sekrit" not in raised.value.message
    finally:
        client.close()


def test_a_change_trigger_on_promql_fires_after_a_level_shift_and_not_before() -> None:
    ev = PromEvaluator(_plan(change={"direction": "up", "shift": 0.1}))
    fired = []
    for k in range(460):  # 30 s steps; the reference needs a couple of hours of history
        value = 0.02 if k < 400 else 0.4  # the level jumps at step 400
        fired += [(k, a.status) for a in ev.step(k * 30.0, {OPENAI: value})]
    assert fired and fired[0][1] == "firing"
    assert 400 <= fired[0][0] <= 412, fired
