"""``prices.yaml``: provider -> model -> {input, output} in USD per million tokens.

Calls whose ``cost_usd`` is absent are priced from their token counts; calls whose provider and
model are not in the file keep no cost (they count as zero spend in ``cost_usd_rate``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from firebreak.errors import InputError, Location
from firebreak.signals.schema import Events
from firebreak.yamlsrc import YMap, loads, locate, read_text

Prices = dict[tuple[str, str], tuple[float, float]]


def load_prices(path: Path) -> Prices:
    source = str(path)
    data = loads(read_text(path, source), source)
    if data is None:
        return {}
    if not isinstance(data, YMap):
        raise InputError("expected provider -> model -> {input, output}", location=Location(source))
    prices: Prices = {}
    for provider, models in data.items():
        if not isinstance(models, YMap):
            line, col = locate(data, [provider])
            raise InputError(
                f"{provider}: expected a mapping of models", location=Location(source, line, col)
            )
        for model, entry in models.items():
            prices[(str(provider), str(model))] = _entry(entry, data, [provider, model], source)
    return prices


def _entry(entry: object, root: YMap, path: list[object], source: str) -> tuple[float, float]:
    line, col = locate(root, path)
    where = Location(source, line, col)
    if not isinstance(entry, dict) or set(entry) != {"input", "output"}:
        raise InputError(
            f"{'.'.join(map(str, path))}: expected {{input: USD, output: USD}} per million tokens",
            location=where,
        )
    values = []
    for key in ("input", "output"):
        value = entry[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise InputError(
                f"{'.'.join(map(str, path))}.{key}: expected a number >= 0, got {value!r}",
                location=where,
            )
        values.append(float(value))
    return values[0], values[1]


def apply_prices(events: Events, prices: Prices) -> int:
    """Fill absent ``cost_usd`` from token counts; return how many calls were priced."""
    cost = events.numbers["cost_usd"]
    missing = np.isnan(cost)
    if not missing.any() or not prices:
        return 0
    provider, model = events.labels["provider"], events.labels["model"]
    tokens_in = np.nan_to_num(events.numbers["input_tokens"])
    tokens_out = np.nan_to_num(events.numbers["output_tokens"])
    priced = 0
    for (prov, mod), (usd_in, usd_out) in prices.items():
        rows = (
            missing
            & (provider.codes == provider.code_of(prov))
            & (model.codes == model.code_of(mod))
        )
        cost[rows] = (tokens_in[rows] * usd_in + tokens_out[rows] * usd_out) / 1e6
        priced += int(rows.sum())
    return priced
