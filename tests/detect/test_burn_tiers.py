"""Burn-rate triggers: page pairs and ticket pairs are separate alerts; a ticket stops when the
burn stops, not when its long windows forget it."""

from __future__ import annotations

from datetime import timedelta

from detect_helpers import make_runbook
from test_kinds import at, steady

from firebreak.detect.batch import run_batch
from firebreak.detect.plan import compile_plans
from firebreak.incidents.detector import to_alert

TICKET = {
    "signal": "error_ratio",
    "where": {"service": "chat-api"},
    "burn_rate": {
        "objective": 99.0,
        "pairs": [{"long": "2h", "short": "1h", "factor": 1, "action": "ticket"}],
    },
}


def test_default_pairs_make_a_page_plan_and_a_ticket_plan() -> None:
    trig = {"signal": "error_ratio", "burn_rate": {"objective": 99.5}}
    plans = compile_plans([make_runbook(trig)])
    assert [(p.index, p.tier) for p in plans] == [(0, "page"), (0, "ticket")]
    assert [len(p.burn_pairs()) for p in plans] == [2, 1]


def test_a_ticket_stops_within_minutes_of_the_burn_stopping() -> None:
    # 20% errors (20x the 1% budget) from minute 70 to minute 100, then none for 100 minutes.
    bad = {k: 4 for k in range(140, 200)}
    (out,) = run_batch([make_runbook(TICKET)], steady(200, 20, bad))
    (firing,) = out.firings
    assert at(72 * 60) <= firing.start <= at(78 * 60)
    # the 1h short window holds errors until minute 160; the ticket's recent window (1h/12)
    # lets it go once the last five minutes are clean
    assert firing.end is not None and at(100 * 60) < firing.end <= at(106 * 60)


def test_a_ticket_alert_is_low_urgency_sev4_with_its_own_fingerprint() -> None:
    bad = {k: 4 for k in range(140, 200)}
    (out,) = run_batch([make_runbook(TICKET)], steady(200, 20, bad))
    alert = out.alerts[0]
    assert alert.tier == "ticket" and "ticket: a slow burn" in alert.summary
    inbox = to_alert(alert)
    assert inbox.labels["urgency"] == "low" and inbox.severity == "sev4"
    page = type(alert)(**{**alert.__dict__, "tier": "page"})
    assert page.fingerprint != alert.fingerprint
    assert to_alert(page).severity is None and "urgency" not in to_alert(page).labels


def test_the_page_pairs_still_page_on_a_fast_burn() -> None:
    trig = {
        "signal": "error_ratio",
        "where": {"service": "chat-api"},
        "burn_rate": {"objective": 99.5},
    }
    bad = {k: 5 for k in range(60, 120)}  # 50% errors: 100x burn
    page, ticket = run_batch([make_runbook(trig)], steady(60, 10, bad))
    assert page.plan.tier == "page" and page.firings
    assert page.firings[0].start - at(30 * 60) <= timedelta(minutes=10)
    assert ticket.plan.tier == "ticket"
