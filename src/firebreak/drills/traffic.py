"""The drill's traffic: the telemetry generator over the workspace's services, with the faults.

Every service of the workspace gets normal traffic (so a third-party fault hurts all of them and
a noisy trigger anywhere shows up as a false page). A fault can be cut short: when responders
finish a runbook's mitigation, the fault ends then (:meth:`DrillTraffic.mitigate`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from firebreak.drills.scenario import FaultSpec, Scenario
from firebreak.org.model import Org
from firebreak.signals.faults import Fault
from firebreak.signals.generate import DEFAULT_SERVICES, PROVIDERS, ServiceProfile, TrafficGenerator
from firebreak.signals.schema import Telemetry

STATUS_EVERY = timedelta(minutes=1)


def profiles(org: Org) -> list[ServiceProfile]:
    """A traffic profile per workspace service: the generator's own when it knows the name."""
    known = {p.name: p for p in DEFAULT_SERVICES}
    out = []
    for service in org.services.values():
        if service.id in known:
            out.append(known[service.id])
            continue
        providers = [p for p in service.providers if p in PROVIDERS] or ["openai"]
        share = 1.0 / len(providers)
        out.append(ServiceProfile(service.id, 2.0, dict.fromkeys(providers, share)))
    return out


def to_fault(spec: FaultSpec, scenario: Scenario, start: datetime, index: int) -> Fault:
    """A scenario fault as the generator's :class:`Fault`, at absolute times."""
    service = spec.service or scenario.service
    return Fault(
        kind=spec.kind,
        start=start + spec.at,
        end=start + spec.ends_at,
        strength=spec.strength,
        service=None if service == "*" else service,
        provider=spec.provider,
        gradual=spec.profile == "gradual",
        error_type=spec.error_type,
        tags={"drill": scenario.name, "fault": str(index)},
    )


class DrillTraffic:
    """Telemetry for consecutive pieces of the drill, faults applied as they stand then."""

    def __init__(self, scenario: Scenario, org: Org, start: datetime) -> None:
        self.faults = [to_fault(f, scenario, start, i) for i, f in enumerate(scenario.faults)]
        self.seed = scenario.traffic.seed
        self.scale = scenario.traffic.scale
        self.services = profiles(org)
        self.generator = self._build()

    def _build(self) -> TrafficGenerator:
        return TrafficGenerator(
            seed=self.seed, faults=list(self.faults), services=self.services, scale=self.scale
        )

    def telemetry(self, start: datetime, end: datetime) -> Telemetry:
        return self.generator.telemetry(start, end)

    def mitigate(self, at: datetime) -> bool:
        """End every fault under way at ``at``; True when one was cut short."""
        changed = False
        for i, fault in enumerate(self.faults):
            if fault.start <= at < fault.stop:
                self.faults[i] = replace(fault, end=at, duration=None)
                changed = True
        if changed:
            self.generator = self._build()
        return changed

    def ended_at(self) -> datetime:
        return max(f.stop for f in self.faults)
