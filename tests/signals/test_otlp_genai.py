"""OpenTelemetry GenAI names old and new: inference metrics, token counters, evaluation events,
and a metric in a unit firebreak cannot read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from firebreak.errors import InputError
from firebreak.signals.otlp import events_from_otlp
from firebreak.signals.readers import read_telemetry

T = "1793610060000000000"
ATTRS = [
    {"key": "gen_ai.system", "value": {"stringValue": "openai"}},
    {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4.1"}},
    {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
]


def metric(name: str, unit: str, body: dict[str, Any]) -> dict[str, Any]:
    kind = "sum" if "asInt" in body or "asDouble" in body else "histogram"
    point = {"attributes": ATTRS, "timeUnixNano": T, **body}
    return {"name": name, "unit": unit, kind: {"aggregationTemporality": 1, "dataPoints": [point]}}


def export(*metrics: dict[str, Any]) -> dict[str, Any]:
    resource = {"attributes": [{"key": "service.name", "value": {"stringValue": "chat-api"}}]}
    return {
        "resourceMetrics": [{"resource": resource, "scopeMetrics": [{"metrics": list(metrics)}]}]
    }


def duration(name: str = "gen_ai.client.inference.duration", unit: str = "s") -> dict[str, Any]:
    bounds = [500.0, 2000.0] if unit == "ms" else [0.5, 2.0]
    return metric(name, unit, {"bucketCounts": ["0", "2", "1"], "explicitBounds": bounds, "sum": 4})


def test_the_newer_inference_duration_and_token_counters_become_calls() -> None:
    data = export(
        duration(),
        metric("gen_ai.client.inference.usage.input_tokens", "{token}", {"asInt": "300"}),
        metric("gen_ai.client.inference.usage.output_tokens", "{token}", {"asDouble": 90.0}),
    )
    ev = events_from_otlp(data, "export.json")
    assert len(ev) == 3
    assert sorted(ev.numbers["latency_s"].tolist()) == [1.25, 1.25, 2.0]
    assert ev.numbers["input_tokens"].tolist() == [100.0, 100.0, 100.0]
    assert ev.numbers["output_tokens"].tolist() == [30.0, 30.0, 30.0]
    assert ev.labels["provider"].levels == ["openai"]  # from gen_ai.system, the older name


def test_per_operation_token_histograms_and_milliseconds() -> None:
    tokens = {"bucketCounts": ["3"], "explicitBounds": [], "sum": 600}
    data = export(
        duration(unit="ms"),
        metric("gen_ai.client.inference.operation.input_tokens", "{token}", tokens),
    )
    ev = events_from_otlp(data, "export.json")
    assert sorted(ev.numbers["latency_s"].tolist()) == [1.25, 1.25, 2.0]
    assert ev.numbers["input_tokens"].tolist() == [200.0, 200.0, 200.0]


def test_an_exporter_sending_old_and_new_names_is_not_counted_twice() -> None:
    data = export(duration(), duration("gen_ai.client.operation.duration"))
    assert len(events_from_otlp(data, "export.json")) == 3


@pytest.mark.parametrize(
    ("name", "unit"),
    [
        ("gen_ai.client.inference.duration", "min"),
        ("gen_ai.client.inference.usage.input_tokens", "By"),
    ],
)
def test_a_metric_in_an_unknown_unit_refuses_the_export_naming_it(name: str, unit: str) -> None:
    bad = metric(
        name, unit, {"asInt": "5"} if "tokens" in name else duration()["histogram"]["dataPoints"][0]
    )
    with pytest.raises(InputError) as caught:
        events_from_otlp(export(duration(), bad), "export.json")
    assert f"metric {name} has unit {unit!r}" in caught.value.message
    assert "nothing of this export was recorded" in caught.value.message


def span(span_id: str, events: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "spanId": span_id,
        "startTimeUnixNano": "1793610000000000000",
        "endTimeUnixNano": "1793610001500000000",
        "attributes": [{"key": "gen_ai.provider.name", "value": {"stringValue": "anthropic"}}],
        "events": events or [],
    }


def evaluation(score: float) -> list[dict[str, Any]]:
    return [
        {"key": "gen_ai.evaluation.name", "value": {"stringValue": "Relevance"}},
        {"key": "gen_ai.evaluation.score.value", "value": {"doubleValue": score}},
    ]


def test_evaluation_results_are_the_calls_quality(tmp_path: Path) -> None:
    data = {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [
                        {"key": "service.name", "value": {"stringValue": "agent-runner"}}
                    ]
                },
                "scopeSpans": [
                    {
                        "spans": [
                            span(
                                "a1",
                                [
                                    {
                                        "name": "gen_ai.evaluation.result",
                                        "attributes": evaluation(0.9),
                                    }
                                ],
                            ),
                            span("b2"),
                            span(
                                "c3",
                                [
                                    {
                                        "name": "gen_ai.evaluation.result",
                                        "attributes": evaluation(4.0),
                                    }
                                ],
                            ),
                        ]
                    }
                ],
            }
        ],
        "resourceLogs": [
            {
                "scopeLogs": [
                    {
                        "logRecords": [
                            {
                                "eventName": "gen_ai.evaluation.result",
                                "spanId": "b2",
                                "attributes": evaluation(0.5),
                            },
                            {
                                "eventName": "gen_ai.evaluation.result",
                                "spanId": "b2",
                                "attributes": evaluation(0.7),
                            },
                        ]
                    }
                ]
            }
        ],
    }
    path = tmp_path / "traces.json"
    path.write_text(json.dumps(data))
    ev = read_telemetry(path).events
    quality = ev.numbers["quality"].tolist()
    assert quality[:2] == pytest.approx([0.9, 0.6])
    assert quality[2] != quality[2]  # a score on another scale (4.0 of 5) is no quality: NaN
