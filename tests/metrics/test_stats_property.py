"""The percentile rule agrees with numpy's default (linear) on any data."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from firebreak.metrics import Summary, percentile

values = st.lists(st.floats(min_value=0, max_value=1e7, allow_nan=False), min_size=1, max_size=60)


@given(values, st.sampled_from([0, 10, 50, 90, 99, 100]))
def test_percentile_matches_numpy_linear(data: list[float], q: int) -> None:
    ours = percentile(sorted(data), q)
    assert ours is not None
    assert np.isclose(ours, float(np.percentile(data, q)), rtol=1e-9, atol=1e-6)


@given(values)
def test_summary_is_ordered(data: list[float]) -> None:
    s = Summary.of(data)
    assert s.count == len(data)
    assert s.median is not None and s.p90 is not None and s.mean is not None
    assert min(data) <= s.median <= s.p90 <= max(data)
    assert np.isclose(s.median, float(np.median(data)), rtol=1e-9, atol=1e-6)
