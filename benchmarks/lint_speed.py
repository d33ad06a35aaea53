"""Time `firebreak lint` end to end on 1,000 runbooks and a 200-person org, and `firebreak --help`.

Prints the median of several runs of each, beside the start-up time of a bare Python interpreter
measured in the same run (the machine is small and noisy: compare against that baseline).

    python benchmarks/lint_speed.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

TEAMS = 20
PEOPLE_PER_TEAM = 10
RUNBOOKS = 1000
SCENARIOS = ["inference_outage", "quality_anomaly", "cost_spike", "third_party_failure"]


def write_org(root: Path, today: date) -> None:
    start = (today - timedelta(days=today.weekday() + 28)).isoformat()
    people, teams, services, schedules, policies = [], [], [], [], []
    for t in range(TEAMS):
        members = [f"p{t:02d}{i}" for i in range(PEOPLE_PER_TEAM)]
        for m in members:
            people.append(
                f"  - {{id: {m}, name: Person {m}, timezone: Europe/Berlin, contacts: "
                f"[{{type: email, address: {m}@example.com}}]}}"
            )
        teams.append(f"  - {{id: team{t}, members: [{', '.join(members)}]}}")
        services.append(f"  - {{id: svc{t}, team: team{t}, escalation: page{t}}}")
        schedules.append(
            f"  - {{id: primary{t}, timezone: Europe/Berlin, rotation: "
            f'{{members: [{", ".join(members[:5])}], start: "{start}T09:00", shift: 7d}}}}\n'
            f"  - {{id: secondary{t}, timezone: America/New_York, rotation: "
            f'{{members: [{", ".join(members[5:])}], start: "{start}T09:00", shift: 7d}}}}'
        )
        policies.append(
            f"  - {{id: page{t}, repeat: 1, levels: [{{targets: [schedule:primary{t}], "
            f"ack_within: 5m}}, {{targets: [schedule:secondary{t}], ack_within: 5m}}]}}"
        )
    (root / "org").mkdir(parents=True)
    (root / "org" / "people.yaml").write_text(
        "people:\n" + "\n".join(people) + "\nteams:\n" + "\n".join(teams) + "\n"
    )
    (root / "org" / "services.yaml").write_text("services:\n" + "\n".join(services) + "\n")
    (root / "org" / "oncall.yaml").write_text(
        "schedules:\n"
        + "\n".join(schedules)
        + "\nescalation_policies:\n"
        + "\n".join(policies)
        + "\n"
    )
    (root / "firebreak.toml").write_text('[workspace]\nprofile = "mid"\n')


def runbook_text(n: int, today: date) -> str:
    t = n % TEAMS
    return f"""---
id: rb{n:04d}
title: Runbook {n}
service: svc{t}
scenario: {SCENARIOS[n % 4]}
severity: sev2
owner: team:team{t}
escalation: page{t}
roles:
  commander: schedule:primary{t}
  communications: person:p{t:02d}9
  operations: schedule:secondary{t}
trigger:
  - {{signal: error_ratio, where: {{service: svc{t}}}, above: 0.05, window: 5m, for: 2m, min_requests: 50}}
done_when:
  - {{signal: error_ratio, where: {{service: svc{t}}}, below: 0.01, for: 15m}}
reviewed: {(today - timedelta(days=10)).isoformat()}
review_every: 90d
---
# Runbook {n}

## Meaning
The service fails more than 5% of requests for 2 minutes.

## Impact
Users see errors.

## Diagnosis
1. Break the errors down by provider and model. *(operations)*
   ```sh
   firebreak signals top error_ratio --service svc{t} --by provider,model --last 15m
   ```
   Expect: one provider or model carries most errors.

## Mitigation
1. Fail over to the secondary provider. *(operations)*
   ```sh
   curl -fsS -X POST "$GATEWAY/admin/routes/svc{t}/failover?to=anthropic"
   ```
   Expect: error_ratio below 1% within 5 minutes.
2. Post a status update on [the status page](https://status.example.com/admin). *(communications)*
   Expect: the status page shows the incident.
"""


def timed(cmd: list[str], runs: int) -> tuple[float, int]:
    times, code = [], 0
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        times.append(time.perf_counter() - t0)
        code = proc.returncode
    return statistics.median(times), code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    today = date.today()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        write_org(root, today)
        (root / "runbooks").mkdir()
        for n in range(RUNBOOKS):
            (root / "runbooks" / f"rb{n:04d}.md").write_text(runbook_text(n, today))
        exe = [sys.executable, "-m", "firebreak"]
        bare, _ = timed([sys.executable, "-c", "pass"], args.runs)
        help_s, _ = timed([*exe, "--help"], args.runs)
        lint_s, code = timed([*exe, "lint", str(root), "--format", "json"], args.runs)
        findings = subprocess.run(
            [*exe, "lint", str(root), "--format", "json"], capture_output=True, text=True
        ).stdout.count('"code"')
    print(f"python -c pass (baseline):          {bare:.3f} s")
    print(f"firebreak --help:                   {help_s:.3f} s")
    print(
        f"firebreak lint (1,000 runbooks, {TEAMS * PEOPLE_PER_TEAM} people): {lint_s:.3f} s"
        f"  (exit {code}, {findings} findings)"
    )


if __name__ == "__main__":
    main()
