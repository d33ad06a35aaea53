"""PromQL triggers: read series from a Prometheus-compatible API instead of events.

Live, each tick runs an instant query per trigger; ``backtest`` runs ``query_range`` and steps the
same evaluator through the result, so both give the same transitions. Each result series is its
own label set. A threshold follows a Prometheus alerting rule exactly: a series that meets the
condition is pending from its first evaluation and fires once it has held for ``for``; a series
that stops meeting it, or leaves the result, resolves. A query that fails or times out is *no
data*: the evaluator is not stepped (nothing fires, nothing resolves) and the failure is kept in
:class:`SourceHealth` for ``/metrics`` and the UI, never read as an all-clear.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import numpy as np

from firebreak.detect.anomaly import AnomalyCore
from firebreak.detect.cores import ChangeCore
from firebreak.detect.events import DetectorAlert, Firing
from firebreak.detect.kinds import ANOMALY_WARMUP, KEEP_FIRING
from firebreak.durations import format_duration
from firebreak.errors import FirebreakError
from firebreak.notify.apprise_channel import expand_env
from firebreak.runbooks.model import Runbook, Trigger

# Labels the runbook sets itself; a series label of the same name is kept as exported_<name>.
OWN_LABELS = ("service", "scenario")
CORE_STEP = timedelta(seconds=30)  # anomaly and change evaluate on this grid


class PromError(FirebreakError):
    """A query the metrics store did not answer: unreachable, timed out, or refused."""

    code = "metrics_store"
    http_status = 502


@dataclass(frozen=True)
class PromPlan:
    """One promql trigger of one runbook."""

    runbook_id: str
    index: int
    trigger: Trigger
    service: str
    scenario: str

    @property
    def expr(self) -> str:
        assert self.trigger.promql is not None
        return self.trigger.promql

    @property
    def kind(self) -> str:
        return self.trigger.kind or "threshold"

    @property
    def key(self) -> str:
        return f"{self.runbook_id}#{self.index + 1}"


def promql_plans(runbooks: Iterable[Runbook]) -> list[PromPlan]:
    return [
        PromPlan(rb.id, i, t, rb.service or "", rb.scenario or "")
        for rb in runbooks
        for i, t in enumerate(rb.triggers)
        if t.promql is not None and t.kind is not None
    ]


# --- the HTTP API -------------------------------------------------------------------------------

Labels = tuple[tuple[str, str], ...]


class PromClient:
    """The Prometheus HTTP API (``/api/v1/query``, ``/api/v1/query_range``); any compatible store.

    Errors never carry the headers (they may hold a token), only what the server said.
    """

    def __init__(
        self,
        url: str,
        headers: dict[str, str] | None = None,
        timeout_s: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.timeout_s = timeout_s
        self.http = httpx.Client(
            headers=headers or {}, timeout=timeout_s, transport=transport, follow_redirects=False
        )

    def close(self) -> None:
        self.http.close()

    def instant(self, expr: str, at: datetime) -> dict[Labels, float]:
        """The value of every series of ``expr`` at ``at``."""
        data = self._post("/api/v1/query", {"query": expr, "time": f"{at.timestamp():.3f}"})
        kind, result = data.get("resultType"), data.get("result")
        if kind == "scalar" and isinstance(result, list):
            return {(): _number(result[1])}
        if kind != "vector" or not isinstance(result, list):
            raise PromError(f"expected an instant vector, the store answered a {kind}")
        return {_labels(item["metric"]): _number(item["value"][1]) for item in result}

    def range(
        self, expr: str, start: datetime, end: datetime, step: timedelta
    ) -> dict[Labels, dict[float, float]]:
        """Every series of ``expr`` over ``[start, end]`` at ``step``: labels → {time: value}."""
        form = {
            "query": expr,
            "start": f"{start.timestamp():.3f}",
            "end": f"{end.timestamp():.3f}",
            "step": f"{step.total_seconds():g}",
        }
        data = self._post("/api/v1/query_range", form)
        if data.get("resultType") != "matrix" or not isinstance(data.get("result"), list):
            raise PromError(f"expected a range vector, the store answered {data.get('resultType')}")
        return {
            _labels(item["metric"]): {float(t): _number(v) for t, v in item["values"]}
            for item in data["result"]
        }

    def _post(self, path: str, form: dict[str, str]) -> dict[str, Any]:
        try:
            response = self.http.post(self.url + path, data=form)
        except httpx.TimeoutException:
            raise PromError(
                f"the metrics store did not answer within {self.timeout_s:g}s"
            ) from None
        except httpx.HTTPError as exc:
            raise PromError(f"cannot reach the metrics store: {type(exc).__name__}") from None
        try:
            body = response.json()
        except ValueError:
            raise PromError(
                f"the metrics store answered HTTP {response.status_code}, not JSON"
            ) from None
        if not isinstance(body, dict) or body.get("status") != "success":
            detail = body.get("error", "") if isinstance(body, dict) else ""
            kind = body.get("errorType", "") if isinstance(body, dict) else ""
            raise PromError(
                f"the metrics store refused the query (HTTP {response.status_code}"
                f"{', ' + kind if kind else ''}): {str(detail)[:300]}"
            )
        data = body.get("data")
        if not isinstance(data, dict):
            raise PromError("the metrics store answered without data")
        return data


def _labels(metric: dict[str, str]) -> Labels:
    return tuple(sorted(metric.items()))


def _number(text: Any) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        raise PromError(
            f"the metrics store answered a value that is not a number: {text!r}"
        ) from None


def client_for(source: Any) -> PromClient:
    """The client of a ``[sources.prometheus]`` section (``${ENV}`` in header values expanded)."""

    headers = {k: expand_env(v) for k, v in source.headers.items()}
    return PromClient(source.url, headers, source.timeout.total_seconds())


# --- health, for /metrics and the UI ------------------------------------------------------------


@dataclass
class TriggerHealth:
    ok: bool = True
    failures: int = 0
    queries: int = 0
    error: str = ""
    error_at: datetime | None = None
    last_success: datetime | None = None


class SourceHealth:
    """Per promql trigger: whether its last query was answered, and why not."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.triggers: dict[str, TriggerHealth] = {}

    def record(self, key: str, at: datetime, error: str | None) -> None:
        with self._lock:
            health = self.triggers.setdefault(key, TriggerHealth())
            health.queries += 1
            if error is None:
                health.ok, health.last_success = True, at
            else:
                health.ok, health.error, health.error_at = False, error, at
                health.failures += 1

    def failing(self) -> list[tuple[str, TriggerHealth]]:
        with self._lock:
            return [(k, h) for k, h in sorted(self.triggers.items()) if not h.ok]

    def render(self) -> str:
        """Prometheus text: query counts, failures, and 0/1 for the last answer, per trigger."""
        lines = [
            "# HELP firebreak_promql_up 1 when the last query of a promql trigger was answered, "
            "0 when it failed (no data: the trigger neither fires nor resolves).",
            "# TYPE firebreak_promql_up gauge",
        ]
        with self._lock:
            items = sorted(self.triggers.items())
            lines += [f'firebreak_promql_up{{trigger="{_esc(k)}"}} {int(h.ok)}' for k, h in items]
            lines += [
                "# HELP firebreak_promql_queries_failed_total Queries of promql triggers that failed "
                "or timed out.",
                "# TYPE firebreak_promql_queries_failed_total counter",
            ]
            lines += [
                f'firebreak_promql_queries_failed_total{{trigger="{_esc(k)}"}} {h.failures}'
                for k, h in items
            ]
        return "\n".join(lines) + "\n"


def _esc(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


# --- evaluation -----------------------------------------------------------------------------------


@dataclass
class _Series:
    active_since: float
    firing: bool = False
    value: float = math.nan


@dataclass
class PromEvaluator:
    """One promql trigger's state across evaluations; fed by live ticks or a backtest."""

    plan: PromPlan
    series: dict[Labels, _Series] = field(default_factory=dict)
    _core: Any = None
    _rows: dict[Labels, int] = field(default_factory=dict)
    _latched: dict[Labels, bool] = field(default_factory=dict)

    def step(self, at: float, samples: dict[Labels, float]) -> list[DetectorAlert]:
        """One evaluation at ``at`` (seconds) with the query's answer; the transitions."""
        if self.plan.kind == "threshold":
            return self._threshold(at, samples)
        return self._core_step(at, samples)

    def _threshold(self, at: float, samples: dict[Labels, float]) -> list[DetectorAlert]:
        trig = self.plan.trigger
        hold = trig.for_.total_seconds() if trig.for_ else 0.0
        out = []
        for labels, value in samples.items():
            met = value > trig.above if trig.above is not None else value < float(trig.below or 0)
            if not met:
                continue
            state = self.series.setdefault(labels, _Series(active_since=at))
            state.value = value
            if not state.firing and at - state.active_since >= hold - 1e-9:
                state.firing = True
                out.append(self._alert(labels, "firing", at, value))
        for labels in list(self.series):
            value = samples.get(labels, math.nan)
            still = labels in samples and (
                value > trig.above if trig.above is not None else value < float(trig.below or 0)
            )
            if not still:
                state = self.series.pop(labels)
                if state.firing:
                    out.append(
                        self._alert(labels, "resolved", at, None if math.isnan(value) else value)
                    )
        return out

    def _core_step(self, at: float, samples: dict[Labels, float]) -> list[DetectorAlert]:
        if self._core is None:
            self._core = _make_core(self.plan)
        for labels in samples:
            self._rows.setdefault(labels, len(self._rows))
        x = np.full((len(self._rows), 1), np.nan)
        for labels, value in samples.items():
            x[self._rows[labels], 0] = value
        _score, firing, _ref = self._core.extend(x, None)
        out = []
        for labels, row in self._rows.items():
            now_firing = bool(firing[row, -1]) if firing.shape[0] > row else False
            if now_firing != self._latched.get(labels, False):
                self._latched[labels] = now_firing
                status = "firing" if now_firing else "resolved"
                out.append(self._alert(labels, status, at, samples.get(labels)))
        return out

    def _alert(self, series: Labels, status: str, at: float, value: float | None) -> DetectorAlert:
        plan = self.plan
        labels = {"service": plan.service, "scenario": plan.scenario, **plan.trigger.labels}
        for name, val in series:
            labels[f"exported_{name}" if name in OWN_LABELS else name] = val
        shown = "no data" if value is None else f"{value:.4g}"
        text = f"promql {shown} {_condition(plan)}"
        where = ", ".join(f"{k}={v}" for k, v in series)
        text += f" [{where}]" if where else ""
        group = tuple(sorted(k for k in labels if k not in OWN_LABELS))
        return DetectorAlert(
            runbook_id=plan.runbook_id,
            trigger_index=plan.index,
            signal="promql",
            kind=plan.kind,
            labels=labels,
            status=status,
            at=datetime.fromtimestamp(at, tz=UTC),
            value=value,
            summary=f"{plan.runbook_id}: {text}"
            if status == "firing"
            else f"{plan.runbook_id}: resolved: {text}",
            group_labels=group,
        )


def _condition(plan: PromPlan) -> str:
    trig = plan.trigger
    if plan.kind == "threshold":
        side = f"above {trig.above:g}" if trig.above is not None else f"below {trig.below:g}"
        return side + (f" for {format_duration(trig.for_)}" if trig.for_ else "")
    return f"{plan.kind} detected"


def _make_core(plan: PromPlan) -> Any:

    trig, step = plan.trigger, CORE_STEP.total_seconds()
    need_on = 1 + (math.ceil(trig.for_.total_seconds() / step) if trig.for_ else 0)
    off = max(1, math.ceil(KEEP_FIRING.total_seconds() / step))
    if trig.anomaly is not None:
        spec = trig.anomaly
        return AnomalyCore(
            max(1, round(spec.baseline.total_seconds() / step)),
            spec.sensitivity,
            spec.direction,
            max(need_on, 5),
            off,
            warmup=max(1, round(ANOMALY_WARMUP.total_seconds() / step)),
        )
    assert trig.change is not None
    return ChangeCore(step, trig.change.shift, trig.change.direction, need_on, off)


# --- live and backtest ------------------------------------------------------------------------------


class PromqlDetector:
    """The live side: one instant query per trigger per tick (anomaly and change: per 30s step)."""

    def __init__(
        self, runbooks: Iterable[Runbook], client: PromClient, health: SourceHealth
    ) -> None:
        self.client, self.health = client, health
        self.evaluators = [PromEvaluator(p) for p in promql_plans(runbooks)]
        self._last: dict[str, float] = {}

    def tick(self, now: datetime) -> list[DetectorAlert]:
        out: list[DetectorAlert] = []
        for ev in self.evaluators:
            at = now.timestamp()
            if ev.plan.kind != "threshold":
                at = math.floor(at / CORE_STEP.total_seconds()) * CORE_STEP.total_seconds()
                if self._last.get(ev.plan.key) == at:
                    continue
            try:
                samples = self.client.instant(ev.plan.expr, datetime.fromtimestamp(at, tz=UTC))
            except PromError as exc:
                self.health.record(ev.plan.key, now, exc.message)
                continue  # no data: hold every state as it is
            self.health.record(ev.plan.key, now, None)
            self._last[ev.plan.key] = at
            out.extend(ev.step(at, samples))
        return out


def backtest(
    runbooks: Iterable[Runbook],
    client: PromClient,
    since: datetime,
    until: datetime,
    step: timedelta,
) -> list[tuple[PromPlan, list[Firing]]]:
    """Every promql trigger's firing intervals over ``[since, until]``, from ``query_range``."""
    out = []
    for plan in promql_plans(runbooks):
        grid = step if plan.kind == "threshold" else CORE_STEP
        answer = client.range(plan.expr, since, until, grid)
        times = sorted(
            {t for values in answer.values() for t in values} | set(_grid(since, until, grid))
        )
        ev = PromEvaluator(plan)
        open_: dict[str, DetectorAlert] = {}
        firings: list[Firing] = []
        for t in times:
            samples = {labels: values[t] for labels, values in answer.items() if t in values}
            for alert in ev.step(t, samples):
                if alert.status == "firing":
                    open_[alert.fingerprint] = alert
                elif alert.fingerprint in open_:
                    firings.append(_firing(open_.pop(alert.fingerprint), alert.at))
        firings.extend(_firing(a, None) for a in open_.values())
        firings.sort(key=lambda f: (f.start, sorted(f.labels.items())))
        out.append((plan, firings))
    return out


def _grid(since: datetime, until: datetime, step: timedelta) -> list[float]:
    start, end, size = since.timestamp(), until.timestamp(), step.total_seconds()
    n = int((end - start) // size) + 1
    return [start + i * size for i in range(max(n, 0))]


def _firing(alert: DetectorAlert, end: datetime | None) -> Firing:
    return Firing(
        runbook_id=alert.runbook_id,
        trigger_index=alert.trigger_index,
        signal="promql",
        kind=alert.kind,
        labels=alert.labels,
        start=alert.at,
        end=end,
        peak=alert.value,
    )
