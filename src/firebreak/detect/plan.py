"""Compile runbook triggers into plans a machine evaluates: checked signal, labels and defaults."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import timedelta

from firebreak.errors import InputError
from firebreak.runbooks.kinds import BY_NAME, spelled
from firebreak.runbooks.model import Runbook, Trigger
from firebreak.signals.schema import LABELS
from firebreak.signals.windows import SESSION_SIGNALS, SIGNAL_STATS

DEFAULT_STEP = timedelta(seconds=30)
STATUS_LABELS = ("provider",)
# burn_rate window pairs when a trigger names none: (long, short, factor, action).
DEFAULT_PAIRS: tuple[tuple[timedelta, timedelta, float, str], ...] = (
    (timedelta(hours=1), timedelta(minutes=5), 14.4, "page"),
    (timedelta(hours=6), timedelta(minutes=30), 6.0, "page"),
    (timedelta(days=3), timedelta(hours=6), 1.0, "ticket"),
)


@dataclass(frozen=True)
class Plan:
    """One trigger of one runbook, ready to evaluate every ``step``."""

    runbook_id: str
    index: int
    trigger: Trigger
    kind: str
    service: str
    scenario: str
    group_labels: tuple[str, ...]
    step_s: float
    tier: str = ""  # burn_rate: "page" or "ticket", the pairs this plan evaluates

    def burn_pairs(self) -> list[tuple[timedelta, timedelta, float, str]]:
        """The burn_rate window pairs of this plan's tier (all of them without a tier)."""
        spec = self.trigger.burn_rate
        raw = spec.pairs if spec is not None and spec.pairs else None
        pairs = [(p.long, p.short, p.factor, p.action) for p in raw] if raw else DEFAULT_PAIRS
        return [p for p in pairs if not self.tier or p[3] == self.tier]

    @property
    def signal(self) -> str:
        return self.trigger.signal

    @property
    def window_s(self) -> float:
        window = self.trigger.window or BY_NAME[self.kind].window
        return window.total_seconds()

    def steps(self, seconds: float) -> int:
        """A duration in whole evaluation steps (rounded up, at least one)."""
        return max(1, math.ceil(seconds / self.step_s - 1e-9))

    @property
    def window_steps(self) -> int:
        return self.steps(self.window_s)

    def for_steps(self, default: timedelta = timedelta(0)) -> int:
        """Evaluations in a row needed to fire: ``for`` in steps plus the first one."""
        held = (self.trigger.for_ or default).total_seconds()
        return (math.ceil(held / self.step_s - 1e-9) if held > 0 else 0) + 1


def compile_plans(runbooks: Iterable[Runbook], step: timedelta = DEFAULT_STEP) -> list[Plan]:
    """Every trigger of every runbook as a plan; a trigger no machine can evaluate is refused."""
    plans = []
    for runbook in runbooks:
        for index, trigger in enumerate(runbook.triggers):
            if trigger.promql is None:  # PromQL triggers are evaluated by detect.promql
                plans.extend(split_tiers(compile_one(runbook, index, trigger, step)))
    return plans


def split_tiers(plan: Plan) -> list[Plan]:
    """A burn_rate trigger as one plan per action: its page pairs page, its ticket pairs open a
    low-urgency incident, so each is its own alert (one fingerprint each)."""
    if plan.kind != "burn_rate":
        return [plan]
    actions = sorted({pair[3] for pair in plan.burn_pairs()})
    return [replace(plan, tier=action) for action in actions]


def compile_one(runbook: Runbook, index: int, trigger: Trigger, step: timedelta) -> Plan:
    where = runbook.key_location("trigger")

    def refuse(message: str) -> InputError:
        return InputError(f"runbook {runbook.id}, trigger {index + 1}: {message}", location=where)

    kind = trigger.kind
    if kind is None:
        raise refuse(f"no kind ({spelled()})")
    signal = trigger.signal
    known = set(SIGNAL_STATS) | SESSION_SIGNALS | {"provider_status"}
    if signal not in known:
        raise refuse(f"unknown signal {signal!r}; known: {', '.join(sorted(known))}")
    labels = STATUS_LABELS if signal == "provider_status" else LABELS
    for name in [*trigger.where, *trigger.group_labels]:
        if name not in labels:
            raise refuse(f"label {name!r} is not one of {', '.join(labels)} for {signal}")
    if signal in SESSION_SIGNALS and kind not in ("runaway", "threshold"):
        raise refuse(f"{signal} is evaluated by runaway or threshold (above) triggers")
    if signal in SESSION_SIGNALS and kind == "threshold" and trigger.above is None:
        raise refuse(f"{signal} takes a threshold above a value, not below")
    watches = BY_NAME[kind].signals
    if watches and signal not in watches:
        raise refuse(f"{kind} triggers watch {' or '.join(watches)}")
    if signal == "provider_status" and kind != "threshold":
        raise refuse("provider_status takes a threshold (above or below)")
    if step.total_seconds() <= 0:
        raise refuse("the evaluation step must be longer than zero")
    return Plan(
        runbook_id=runbook.id,
        index=index,
        trigger=trigger,
        kind=kind,
        service=runbook.service or "",
        scenario=runbook.scenario or "",
        group_labels=tuple(trigger.group_labels),
        step_s=step.total_seconds(),
    )
