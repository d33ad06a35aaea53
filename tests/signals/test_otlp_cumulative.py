"""Cumulative OTLP metrics (the SDKs' default) count each call once across exports."""

from __future__ import annotations

from typing import Any

from firebreak.signals.otlp import Cumulative, events_from_otlp

S = 1_000_000_000
START = 1_000 * S  # when the sender's stream started


def export(at_s: int, counts: list[int], start: int = START) -> dict[str, Any]:
    """One export of a cumulative duration histogram: calls so far, per latency bucket."""
    return {
        "resourceMetrics": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": "chat-api"}}]
                },
                "scopeMetrics": [
                    {
                        "metrics": [
                            {
                                "name": "gen_ai.client.operation.duration",
                                "unit": "s",
                                "histogram": {
                                    "aggregationTemporality": 2,
                                    "dataPoints": [
                                        {
                                            "attributes": [
                                                {
                                                    "key": "gen_ai.system",
                                                    "value": {"stringValue": "openai"},
                                                },
                                            ],
                                            "startTimeUnixNano": str(start),
                                            "timeUnixNano": str(at_s * S),
                                            "count": str(sum(counts)),
                                            "sum": float(sum(counts)),
                                            "bucketCounts": [str(c) for c in counts],
                                            "explicitBounds": [0.5, 2.0],
                                        }
                                    ],
                                },
                            }
                        ]
                    }
                ],
            }
        ]
    }


def test_each_export_counts_only_the_calls_since_the_last() -> None:
    state = Cumulative(since_ns=START - S)  # firebreak listened before the stream began
    first = events_from_otlp(export(1_060, [3, 1, 0]), "t", cumulative=state)
    second = events_from_otlp(export(1_120, [5, 1, 1]), "t", cumulative=state)
    third = events_from_otlp(export(1_180, [5, 1, 1]), "t", allow_empty=True, cumulative=state)
    assert (len(first), len(second), len(third)) == (4, 3, 0)


def test_a_stream_older_than_the_listener_sets_the_base_only() -> None:
    state = Cumulative(since_ns=START + 500 * S)  # firebreak (re)started after the sender
    first = events_from_otlp(export(1_600, [40, 2, 0]), "t", allow_empty=True, cumulative=state)
    second = events_from_otlp(export(1_660, [42, 2, 0]), "t", cumulative=state)
    assert (len(first), len(second)) == (0, 2)


def test_a_reset_stream_counts_from_zero() -> None:
    state = Cumulative(since_ns=0)
    events_from_otlp(export(1_060, [10, 0, 0]), "t", cumulative=state)
    restarted = events_from_otlp(export(1_200, [2, 0, 0], start=1_150 * S), "t", cumulative=state)
    assert len(restarted) == 2


def test_without_state_one_export_stands_alone() -> None:
    assert len(events_from_otlp(export(1_060, [3, 1, 0]), "t")) == 4
