"""Times as the viewer reads them: their zone (the person's, else the workspace's), the zone
shown, and a relative hint."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from firebreak.web.timefmt import absolute, relative, time_html, viewer_zone
from firebreak.workspace import load_workspace

NOW = datetime(2026, 12, 1, 8, 13, 33, tzinfo=UTC)


def test_the_person_zone_else_the_workspace_zone(example_workspace: Path) -> None:
    ws = load_workspace(example_workspace).workspace
    assert viewer_zone(ws, "priya").key == "America/New_York"
    assert viewer_zone(ws, "token:ci").key == "Europe/Berlin"  # the workspace's [workspace]
    assert viewer_zone(ws, None).key == "Europe/Berlin"


def test_absolute_with_date_and_zone_and_a_relative_hint(example_workspace: Path) -> None:
    ws = load_workspace(example_workspace).workspace
    berlin = viewer_zone(ws, None)
    assert absolute(NOW, berlin, seconds=True) == "Tue 1 Dec 09:13:33 CET"
    assert absolute(datetime(2026, 7, 1, 8, 0, tzinfo=UTC), berlin) == "Wed 1 Jul 10:00 CEST"
    html = str(time_html(NOW.isoformat(), berlin, NOW + timedelta(minutes=3)))
    assert 'datetime="2026-12-01T08:13:33+00:00"' in html
    assert "Tue 1 Dec 09:13 CET" in html and "(3 min ago)" in html
    assert str(time_html(None, berlin, NOW)) == "—"


def test_relative_words() -> None:
    assert relative(NOW, NOW + timedelta(seconds=10)) == "just now"
    assert relative(NOW, NOW + timedelta(hours=2, minutes=5)) == "2 h 5 min ago"
    assert relative(NOW, NOW + timedelta(days=3, hours=1)) == "3 days ago"
    assert relative(NOW + timedelta(minutes=4), NOW) == "in 4 min"
