"""Charts are plain SVG with gaps for buckets that have no data."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from firebreak.web.charts import (
    LEFT,
    Point,
    duration_axis,
    fmt_duration,
    fmt_percent,
    fraction_axis,
    line_chart,
)


def test_gaps_split_the_line_and_values_are_labelled() -> None:
    svg = line_chart(
        [Point("11-02", 0.5), Point("11-09", None), Point("11-16", 0.25), Point("11-23", 1.0)],
        "False alarm rate",
        fmt_percent,
        axis=fraction_axis,
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


def _axis_labels(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    return [t.text or "" for t in root.findall(f"{ns}text") if t.get("x") == str(LEFT - 8)]


def test_duration_ticks_are_honest() -> None:
    # Each label is exactly the value at its grid line: a 100 s top is 100s, not "2m".
    assert duration_axis(100) == (
        100,
        [(0, "0s"), (25, "25s"), (50, "50s"), (75, "75s"), (100, "100s")],
    )
    top, ticks = duration_axis(7 * 3600 + 60)
    assert top == 8 * 3600 and [label for _, label in ticks] == ["0h", "2h", "4h", "6h", "8h"]
    top, ticks = duration_axis(700)
    assert top >= 700 and all(value == float(label[:-1]) * 60 for value, label in ticks)
    svg = line_chart([Point("11-02", 100.0), Point("11-09", 40.0)], "MTTR", fmt_duration)
    assert _axis_labels(svg) == ["0s", "25s", "50s", "75s", "100s"]


def test_an_empty_chart_has_no_tick_labels() -> None:
    svg = line_chart([Point("11-02", None), Point("11-09", None)], "MTTR", fmt_duration)
    assert _axis_labels(svg) == []
    assert "no data yet" in svg
