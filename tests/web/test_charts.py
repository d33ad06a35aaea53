"""Charts are plain SVG with gaps for buckets that have no data."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from firebreak.web.charts import Point, fmt_duration, fmt_percent, line_chart


def test_gaps_split_the_line_and_values_are_labelled() -> None:
    svg = line_chart(
        [Point("11-02", 0.5), Point("11-09", None), Point("11-16", 0.25), Point("11-23", 1.0)],
        "False alarm rate",
        fmt_percent,
        y_max=1.0,
    )
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    lines = root.findall(f"{ns}polyline")
    assert len(lines) == 2  # the empty week is a gap, not a zero
    dots = [c.find(f"{ns}title").text for c in root.findall(f"{ns}circle")]  # type: ignore[union-attr]
    assert dots == ["11-02: 50%", "11-16: 25%", "11-23: 100%"]


def test_no_data_says_so() -> None:
    svg = line_chart([Point("11-02", None)], "MTTR", fmt_duration)
    assert "no data yet" in svg and "<polyline" not in svg


def test_formats() -> None:
    assert [fmt_duration(s) for s in (42, 600, 7200, 259200)] == ["42s", "10m", "2.0h", "3.0d"]
    assert fmt_percent(0.125) == "12%"
