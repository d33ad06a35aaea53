"""Durations as the workspace writes them: ``30s``, ``5m``, ``2h``, ``7d``, ``1w``."""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")
_WHOLE = re.compile(r"^(?:\d+(?:\.\d+)?[smhdw])+$")


def parse_duration(text: object) -> timedelta:
    """Parse ``1h30m`` and friends; raise ValueError saying what is accepted."""
    if isinstance(text, timedelta):
        return text
    if not isinstance(text, str) or not _WHOLE.match(text.strip()):
        raise ValueError(f"expected a duration such as 30s, 5m, 2h or 7d, got {text!r}")
    seconds = sum(float(n) * _UNITS[u] for n, u in _PART.findall(text.strip()))
    if seconds <= 0:
        raise ValueError(f"a duration must be longer than zero, got {text!r}")
    return timedelta(seconds=seconds)


def format_duration(delta: timedelta | float) -> str:
    """The shortest exact spelling: 300 seconds is ``5m``, 5400 is ``1h30m``."""
    total = int(delta.total_seconds() if isinstance(delta, timedelta) else delta)
    if total == 0:
        return "0s"
    sign = "-" if total < 0 else ""
    total = abs(total)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        n, total = divmod(total, size)
        if n:
            parts.append(f"{n}{unit}")
    return sign + "".join(parts)
