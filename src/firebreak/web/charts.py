"""Line charts as inline SVG, rendered on the server: no script, no library, no network."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 720, 200
LEFT, RIGHT, TOP, BOTTOM = 72, 16, 16, 40


@dataclass(frozen=True)
class Point:
    label: str  # shown under the x axis (a date)
    value: float | None  # None: no data in that bucket (drawn as a gap, never as zero)


# Units a duration axis may count in, and the steps it may take in that unit (so every tick
# label is exactly the value at its line: a 100 s top reads "100s", never "2m").
DURATION_UNITS = (
    (1.0, "s", 300.0),
    (60.0, "m", 300 * 60.0),
    (3600.0, "h", 72 * 3600.0),
    (86400.0, "d", 0.0),
)
NICE_STEPS = (1.0, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0, 50.0, 100.0, 200.0, 250.0, 500.0)
Axis = tuple[float, list[tuple[float, str]]]  # the axis top and its (value, label) ticks


def _fmt_number(value: float) -> str:
    return f"{value:.10g}"


def _ticks(top_in_unit: float, unit: float, suffix: str, count: int = 4) -> Axis:
    """Ticks at 0, step, 2·step … covering ``top_in_unit`` with at most ``count`` steps."""
    step = next((s for s in NICE_STEPS if s * count >= top_in_unit), NICE_STEPS[-1])
    while step * count < top_in_unit:
        step *= 10
    n = max(1, -(-top_in_unit // step))
    ticks = [(i * step * unit, f"{_fmt_number(i * step)}{suffix}") for i in range(int(n) + 1)]
    return ticks[-1][0], ticks


def duration_axis(largest: float) -> Axis:
    """An axis for seconds, counted in s, m, h or d, whichever the largest value reads best in."""
    if largest <= 0:
        return 60.0, [(0.0, "0s"), (60.0, "1m")]
    for unit, suffix, below in DURATION_UNITS:
        if largest < below or not below:
            return _ticks(largest / unit, unit, suffix)
    raise AssertionError("unreachable")  # pragma: no cover


def fraction_axis(largest: float) -> Axis:
    """An axis for a rate from 0 to 1, in percent, always up to 100%."""
    del largest
    return 1.0, [(v / 4, f"{v * 25:.0f}%") for v in range(5)]


def _segments(points: Sequence[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    runs: list[list[tuple[float, float]]] = [[]]
    for p in points:
        if p is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(p)
    return [r for r in runs if r]


def line_chart(
    points: Sequence[Point],
    title: str,
    fmt: Callable[[float], str],
    axis: Callable[[float], Axis] = duration_axis,
    css_class: str = "series",
) -> str:
    """An accessible SVG line chart; gaps where a bucket has no data.

    ``axis`` gives the y axis' top and its ticks from the largest value; an empty chart draws no
    tick labels (there is nothing to measure), only its baseline and "no data yet".
    """
    values = [p.value for p in points if p.value is not None]
    top, ticks = axis(max(values, default=0.0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n = max(len(points) - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return LEFT + plot_w * i / n, TOP + plot_h * (1 - min(v, top) / top)

    coords = [xy(i, p.value) if p.value is not None else None for i, p in enumerate(points)]
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for value, label in ticks if values else [(0.0, "")]:
        y = TOP + plot_h * (1 - value / top)
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
        )
        if label:
            parts.append(
                f'<text class="axis" x="{LEFT - 8}" y="{y + 4:.1f}" '
                f'text-anchor="end">{escape(label)}</text>'
            )
    if not values:
        parts.append(
            f'<text class="empty" x="{WIDTH / 2}" y="{HEIGHT / 2}" '
            'text-anchor="middle">no data yet</text>'
        )
    for run in _segments(coords):
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
        parts.append(f'<polyline class="{css_class}" points="{path}"/>')
    for i, (p, c) in enumerate(zip(points, coords, strict=True)):
        if c is not None and p.value is not None:
            parts.append(
                f'<circle class="{css_class}-dot" cx="{c[0]:.1f}" cy="{c[1]:.1f}" r="4">'
                f"<title>{escape(p.label)}: {escape(fmt(p.value))}</title></circle>"
            )
        if _show_label(i, len(points)):
            x = LEFT + plot_w * i / n
            anchor = "end" if i == len(points) - 1 and i else "middle"
            parts.append(
                f'<text class="axis" x="{x:.1f}" y="{HEIGHT - 10}" '
                f'text-anchor="{anchor}">{escape(p.label)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _show_label(i: int, count: int) -> bool:
    """At most about six x labels: the first, the last, and evenly spaced ones between."""
    if count <= 6:
        return True
    every = -(-count // 6)
    return i == count - 1 or (i % every == 0 and count - 1 - i >= every // 2)


def fmt_duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f}s"
    if seconds < 5400:
        return f"{seconds / 60:.0f}m"
    if seconds < 172800:
        return f"{seconds / 3600:.1f}h"
    return f"{seconds / 86400:.1f}d"


def fmt_percent(value: float) -> str:
    return f"{value * 100:.0f}%"
