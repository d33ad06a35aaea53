"""Markdown for the handoff and the review: short sections a person reads in a chat message or
pastes into a wiki page. Every section is always present; an empty one says so."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any


def _dur(seconds: Any) -> str:
    if not isinstance(seconds, int | float):
        return "—"
    if seconds >= 86400:
        return f"{seconds / 86400:.1f} d"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.0f} s"


def _pct(value: Any) -> str:
    return f"{value:.0%}" if isinstance(value, int | float) else "—"


def _when(value: Any) -> str:
    if not value:
        return "—"
    return datetime.fromisoformat(str(value)).strftime("%a %d %b %H:%M UTC")


def _section(title: str, lines: Sequence[str], empty: str) -> list[str]:
    return [f"## {title}", "", *(lines or [f"_{empty}_"]), ""]


def _findings(items: Sequence[Mapping[str, Any]]) -> list[str]:
    return [f"- `{f['code']}` {f['path']}:{f['line']}: {f['message']}" for f in items]


def _drills(items: Sequence[Mapping[str, Any]]) -> list[str]:
    return [
        f"- **{d['drill']}**: "
        + (f"last run {_when(d['last_run'])}" if d["last_run"] else "never run")
        for d in items
    ]


def _skipped(items: Sequence[Mapping[str, Any]]) -> list[str]:
    return [
        f"- {s['runbook']} `{s['step']}` {s['text']}: skipped in {s['skipped']} of "
        f"{s['incidents']} incident(s)"
        for s in items
    ]


def handoff_markdown(data: Mapping[str, Any]) -> str:
    shift = data["shift"]
    out = [
        f"# Handoff: {data['workspace']}",
        "",
        f"Shift {_when(shift['since'])} to {_when(shift['until'])}.",
        "",
    ]
    out += _section(
        "Incidents of the shift",
        [
            f"- #{i['id']} [{i['severity']}] {i['title']}: **{i['status']}**"
            + (f" ({i['resolution']})" if i["resolution"] else "")
            + f", commander {i['commander'] or 'nobody'}"
            for i in data["incidents"]
        ],
        "No incident in this shift.",
    )
    out += _section(
        "Open follow-ups",
        [
            f"- #{f['incident']} {f['title']} ({f['status']}, open {_dur(f['open_for_s'])}): "
            f"{f['next']}"
            for f in data["follow_ups"]
        ],
        "Nothing left open.",
    )
    out += _section(
        "Noisy triggers",
        [
            f"- `{t['trigger']}`: {t['false_alarms']} false alarm(s) of {t['resolved']} resolved"
            for t in data["noisy_triggers"]
        ],
        "No false alarm in this shift.",
    )
    out += _section("Runbook steps skipped", _skipped(data["skipped_steps"]), "No step skipped.")
    lines = []
    for s in data["oncall"]:
        who = s["on_call"]["name"] if s["on_call"] else "**nobody**"
        nxt = s["handoffs"][0] if s["handoffs"] else None
        then = (
            f"; next {nxt['to']['name'] if nxt['to'] else 'nobody'} at {_when(nxt['at'])}"
            if nxt
            else ""
        )
        gaps = f"; {len(s['gaps'])} gap(s) ahead" if s["gaps"] else ""
        lines.append(f"- {s['name']}: {who}{then}{gaps}")
    out += _section("On call next", lines, "No schedule.")
    out += _section(
        "Stale runbooks", _findings(data["stale_runbooks"]), "Every runbook is current."
    )
    out += _section("Drills due", _drills(data["drills_due"]), "No drill is due.")
    return "\n".join(out).rstrip() + "\n"


def review_markdown(data: Mapping[str, Any]) -> str:
    period = data["period"]
    fig = data["figures"]
    out = [
        f"# Weekly review: {data['workspace']}",
        "",
        f"Period {_when(period['since'])} to {_when(period['until'])}.",
        "",
    ]
    if data["decay"]:
        out += _section("DECAY ALARMS", [f"- **{a['message']}**" for a in data["decay"]], "")
    else:
        out += ["_No decay alarm: no figure worsened past its limit._", ""]
    figure_lines = [
        f"- Incidents: {fig['incidents']} ({fig['resolved']} resolved)",
        f"- MTTA median {_dur(fig['mtta_s']['median'])}, MTTR median "
        f"{_dur(fig['mttr_s']['median'])} (p90 {_dur(fig['mttr_s']['p90'])}), MTTD median "
        f"{_dur(fig['mttd_s']['median'])}",
        f"- False alarm rate {_pct(fig['false_alarm_rate'])}",
        f"- Drill pass rate {_pct(fig['drill_pass_rate'])} "
        f"({fig['drills']['passed']} of {fig['drills']['run']})",
    ]
    comp = data["comparison"]
    if comp:
        figure_lines.append(f"- Against baseline **{comp['baseline']}**:")
        for c in comp["figures"]:
            if c["figure"] in (
                "mttr_s.median",
                "mtta_s.median",
                "false_alarm_rate",
                "drill_pass_rate",
            ):
                pct = c["change_pct"]
                moved = f" ({pct:+.0f}%)" if isinstance(pct, int | float) else ""
                figure_lines.append(f"  - {c['figure']}: {c['verdict']}{moved}")
    else:
        figure_lines.append(
            "- No baseline saved yet: `firebreak baseline start` captures two weeks before you "
            "change anything."
        )
    out += _section("The three figures", figure_lines, "")
    captures = [
        f"- {c['name']}: {c['state']}"
        + (
            f" until {_when(c['until'])}"
            if c["state"] == "capturing"
            else f" on {_when(c['saved_at'])}"
        )
        for c in data["baseline_captures"]
    ]
    out += _section("Baseline captures", captures, "No capture started.")
    trend = [
        f"| {p['start'][:10]} | {p['incidents']} | {_dur(p['mttr_median_s'])} | "
        f"{_pct(p['false_alarm_rate'])} | {_pct(p['drill_pass_rate'])} |"
        for p in data["trend"]
    ]
    if trend:
        trend = [
            "| week of | incidents | MTTR median | false alarms | drill pass |",
            "|---|---|---|---|---|",
            *trend,
        ]
    out += _section("Trend by week", trend, "No week to show.")
    out += _section(
        "Runbooks gone stale", _findings(data["stale_runbooks"]), "Every runbook is current."
    )
    out += _section("Drills not run", _drills(data["drills_not_run"]), "Every drill ran recently.")
    gaps = []
    for g in data["execution_gaps"]:
        gaps.append(f"- **{g['runbook']}** ({g['incidents']} worked incident(s))")
        gaps += [f"  - skipped `{s['step']}` {s['text']}: {s['incidents']}x" for s in g["skipped"]]
        gaps += [
            f"  - `{s['step']}` done before `{s['done_before']}`: {s['incidents']}x"
            for s in g["out_of_order"]
        ]
        gaps += [
            f"  - `{s['step']}` Expect not seen: {s['incidents']}x" for s in g["expect_not_seen"]
        ]
    out += _section("Execution gaps", gaps, "Responders followed every runbook as written.")
    cover = [
        f"- {c['person']}: " + ", ".join(u["runbook"] for u in c["undrilled"])
        for c in data["drill_coverage"]
    ]
    out += _section("Not drilled on what they may be paged for", cover, "Everyone has drilled.")
    noisy = []
    for t in data["noisy_triggers"]:
        line = f"- `{t['trigger']}`: {t['false_alarms_per_week']:.1f} false alarm(s)/week"
        thr = t["threshold"]
        if thr:
            way = "above" if thr["above"] is not None else "below"
            line += f" ({thr['signal']} {way} {thr[way]}"
            if t["suggested"] is not None:
                line += f"; backtest suggests {way} {t['suggested']}"
            line += ")"
        noisy.append(line)
    out += _section("Triggers by false alarms", noisy, "No false alarm.")
    out += _section("Key-person risk", _findings(data["key_person"]), "No key-person risk found.")
    return "\n".join(out).rstrip() + "\n"
