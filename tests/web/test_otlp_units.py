"""/v1/metrics refuses a GenAI metric in a unit firebreak cannot read, with a 400 naming it."""

from __future__ import annotations

import json

import pytest
from fb_server import Running

pytestmark = pytest.mark.slow  # starts firebreak or a server

T = "1793610060000000000"


def test_a_duration_in_minutes_is_refused_naming_the_metric_and_unit(server: Running) -> None:
    attrs = [{"key": "gen_ai.provider.name", "value": {"stringValue": "openai"}}]
    point = {"attributes": attrs, "timeUnixNano": T, "bucketCounts": ["1"], "explicitBounds": []}
    body = {
        "resourceMetrics": [
            {
                "scopeMetrics": [
                    {
                        "metrics": [
                            {
                                "name": "gen_ai.client.inference.duration",
                                "unit": "min",
                                "histogram": {"aggregationTemporality": 1, "dataPoints": [point]},
                            }
                        ]
                    }
                ]
            }
        ]
    }
    with server.client() as c:
        auth = {"Authorization": f"Bearer {server.keys['otlp']}"}
        answer = c.post(
            "/v1/metrics",
            content=json.dumps(body),
            headers={**auth, "Content-Type": "application/json"},
        )
    assert answer.status_code == 400, answer.text
    assert "gen_ai.client.inference.duration has unit 'min'" in answer.json()["message"]
    assert "Traceback" not in answer.text
