"""Figures over time, one point per bucket (day or week), for the charts of the web UI."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from firebreak.metrics.figures import counted, drill_pass_rate, false_alarm_rate, mttr
from firebreak.metrics.records import DrillRunRecord, IncidentRecord

Bucket = Literal["day", "week"]
MAX_BUCKETS = 1000


def bucket_start(instant: datetime, bucket: Bucket) -> datetime:
    """The start of the bucket holding ``instant``: UTC midnight, and Monday for weeks."""
    day = instant.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if bucket == "week":
        return day - timedelta(days=day.weekday())
    return day


def _step(bucket: Bucket) -> timedelta:
    return timedelta(days=7 if bucket == "week" else 1)


def timeseries(
    records: Iterable[IncidentRecord],
    drill_runs: Iterable[DrillRunRecord],
    bucket: Bucket = "week",
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[dict[str, Any]]:
    """One point per bucket from the first to the last (empty buckets included, values None).

    Incidents fall in the bucket they opened in, drills in the bucket they started in; drills are
    kept out of the incident figures. Each point: ``start``, ``end``, ``incidents``,
    ``mttr_median_s``, ``false_alarm_rate``, ``drill_pass_rate``, ``drills``.
    """
    if bucket not in ("day", "week"):
        raise ValueError(f"bucket is 'day' or 'week', got {bucket!r}")
    incidents = [r for r in records if not r.is_drill]
    runs = list(drill_runs)
    instants = [r.opened_at for r in incidents] + [d.started_at for d in runs]
    if since is None and not instants:
        return []
    first = bucket_start(since or min(instants), bucket)
    last = (
        bucket_start(until - timedelta(microseconds=1), bucket)
        if until
        else bucket_start(max(instants), bucket)
    )
    step = _step(bucket)
    if (last - first) / step >= MAX_BUCKETS:
        raise ValueError(f"more than {MAX_BUCKETS} {bucket}s asked for; choose a shorter period")
    by_bucket: dict[datetime, list[IncidentRecord]] = defaultdict(list)
    for record in incidents:
        by_bucket[bucket_start(record.opened_at, bucket)].append(record)
    runs_by_bucket: dict[datetime, list[DrillRunRecord]] = defaultdict(list)
    for run in runs:
        runs_by_bucket[bucket_start(run.started_at, bucket)].append(run)
    points = []
    start = first
    while start <= last:
        in_bucket = by_bucket.get(start, [])
        runs_in = runs_by_bucket.get(start, [])
        points.append(
            {
                "start": start.isoformat(),
                "end": (start + step).isoformat(),
                "incidents": len(in_bucket),
                "mttr_median_s": mttr(in_bucket).median,
                "false_alarm_rate": false_alarm_rate(in_bucket).value,
                "drill_pass_rate": drill_pass_rate(runs_in).value,
                "drills": len(counted(runs_in)),
            }
        )
        start += step
    return points
