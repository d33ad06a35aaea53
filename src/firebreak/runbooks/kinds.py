"""The trigger kinds, one record each, in one table that every other part reads.

The runbook model's one-kind check, lint's and the detectors' messages, FB303's numeric keys,
the default windows, which signals a kind can watch and which kinds take a PromQL expression all
come from ``KINDS``. A kind's settings are a model in ``runbooks.model`` (the ``Trigger`` field
named ``key``); its evaluator is in ``detect.kinds.EVALUATORS`` under the same name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class TriggerKind:
    name: str
    key: str | None  # the trigger key holding its settings; None for threshold (above/below)
    numbers: tuple[str, ...]  # keys under ``key`` that take a number (a word there is FB303)
    window: timedelta  # the window when the trigger names none
    signals: tuple[str, ...] = ()  # the only signals it can watch; empty: any request signal
    promql: bool = False  # may read a PromQL expression instead of a signal

    @property
    def written(self) -> str:
        """How a runbook spells the kind."""
        return self.key or "above/below"


KINDS: tuple[TriggerKind, ...] = (
    TriggerKind("threshold", None, (), timedelta(minutes=5), promql=True),
    TriggerKind(
        "burn_rate",
        "burn_rate",
        ("objective",),
        timedelta(minutes=5),
        ("error_ratio", "timeout_ratio", "throttle_ratio"),
    ),
    TriggerKind("anomaly", "anomaly", ("sensitivity",), timedelta(minutes=15), promql=True),
    TriggerKind("change", "change", ("shift",), timedelta(minutes=10), promql=True),
    TriggerKind("budget", "budget", ("usd",), timedelta(hours=1), ("cost_usd_rate",)),
    TriggerKind(
        "runaway", "runaway", (), timedelta(hours=1), ("session_steps_max", "session_cost_max")
    ),
)
BY_NAME: dict[str, TriggerKind] = {kind.name: kind for kind in KINDS}
TRIGGER_KINDS: tuple[str, ...] = tuple(BY_NAME)
PROMQL_KINDS: tuple[str, ...] = tuple(kind.name for kind in KINDS if kind.promql)


def spelled(kinds: tuple[TriggerKind, ...] = KINDS) -> str:
    """The kinds as a runbook writes them, for messages: "above/below, burn_rate, … or runaway"."""
    names = [kind.written for kind in kinds]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
