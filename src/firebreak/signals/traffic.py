"""Normal traffic for one service over one hour block, drawn from a seeded generator."""

from __future__ import annotations

from typing import Any

import numpy as np

from firebreak.signals.faults import Raw
from firebreak.signals.schema import Cat, Events

ARRAY = np.ndarray[Any, np.dtype[Any]]


def block_raw(
    rng: np.random.Generator, block: int, profile: Any, scale: float, catalog: Any
) -> Raw:
    """Calls of ``profile``'s service in hour ``block`` (agent steps may run past its end)."""
    minutes = block * 3600 + 60 * np.arange(60) + 30.0
    rate = profile.peak_rps * catalog.daily_shape(minutes) * scale * 60
    index: ARRAY
    names: list[str]
    if profile.sessions:
        starts = _arrivals(rng, minutes, rate / 10)
        steps = rng.integers(5, 16, starts.shape[0])
        session = np.repeat(np.arange(starts.shape[0]), steps)
        first = np.repeat(np.cumsum(steps) - steps, steps)
        index = np.arange(session.shape[0]) - first
        gaps = np.where(index == 0, 0.0, rng.exponential(4.0, session.shape[0]) + 1.0)
        gaps_total = np.cumsum(gaps)
        time = starts[session] + (gaps_total - gaps_total[first])
        names = [f"{profile.name}-{block}-{i}" for i in range(starts.shape[0])]
        per_session = rng.random(starts.shape[0])
        choose = per_session[session]
    else:
        time = _arrivals(rng, minutes, rate)
        session = np.full(time.shape[0], -1)
        index = np.zeros(time.shape[0])
        names = []
        choose = rng.random(time.shape[0])
    n = time.shape[0]
    provider = _pick(choose, profile.providers, catalog.PROVIDERS)
    model = _models(rng.random(n) if not profile.sessions else (choose * 7) % 1, provider, catalog)
    input_tokens = np.rint(rng.lognormal(np.log(profile.input_median), 0.5, n) * (1 + 0.15 * index))
    output_tokens = np.rint(rng.lognormal(np.log(profile.output_median), 0.6, n))
    per_token = np.array([catalog.SECONDS_PER_TOKEN[m] for m in catalog.MODEL_LIST])[model]
    latency = (0.25 + output_tokens * per_token) * rng.lognormal(0, 0.25, n)
    ttft = np.minimum(rng.lognormal(np.log(0.35), 0.35, n), latency)
    scored = rng.random(n) < profile.quality_share
    quality = np.where(scored, rng.beta(17, 3, n), np.nan)
    refusal = (rng.random(n) < 0.02).astype(np.float64)
    return Raw(
        time,
        profile.name,
        provider,
        model,
        profile.operation,
        session,
        names,
        input_tokens,
        output_tokens,
        latency,
        ttft,
        quality,
        refusal,
        _base_errors(rng.random(n), catalog),
        rng.random(n),
    )


def _arrivals(rng: np.random.Generator, minutes: ARRAY, per_minute: ARRAY) -> ARRAY:
    counts = rng.poisson(per_minute)
    base = np.repeat(minutes - 30.0, counts)
    return np.sort(base + rng.uniform(0, 60, base.shape[0]))


def _pick(u: ARRAY, weights: dict[str, float], names: tuple[str, ...]) -> ARRAY:
    keys = list(weights)
    cum = np.cumsum([weights[k] for k in keys])
    slot = np.minimum(np.searchsorted(cum / cum[-1], u, side="right"), len(keys) - 1)
    return np.array([names.index(k) for k in keys])[slot]


def _models(u: ARRAY, provider: ARRAY, catalog: Any) -> ARRAY:
    model = np.zeros(provider.shape[0], dtype=np.int64)
    for p_index, p_name in enumerate(catalog.PROVIDERS):
        rows = provider == p_index
        chosen = _pick(u[rows], catalog.MODELS[p_name], catalog.MODEL_LIST)
        model[rows] = chosen
    return model


def _base_errors(u: ARRAY, catalog: Any) -> ARRAY:
    types = list(catalog.BASE_ERRORS)
    cum = np.cumsum([catalog.BASE_ERRORS[t] for t in types])
    slot = np.searchsorted(cum, u, side="right")
    codes = np.array([catalog.ERROR_TYPES.index(t) for t in types] + [-1])
    return codes[slot]


def raw_to_events(raw: Raw, catalog: Any) -> Events:
    """Price the calls and encode the labels; failed calls cost nothing and have no quality."""
    n = raw.time.shape[0]
    error = raw.error_type >= 0
    output = np.where(error, 0.0, raw.output_tokens)
    prices = np.array([catalog.PRICES[m] for m in catalog.MODEL_LIST])
    cost = (raw.input_tokens * prices[raw.model, 0] + output * prices[raw.model, 1]) / 1e6
    cost = np.where(error, 0.0, cost)
    labels = {
        "service": Cat.constant(raw.service, n),
        "provider": Cat(raw.provider.astype(np.int32), list(catalog.PROVIDERS)),
        "model": Cat(raw.model.astype(np.int32), list(catalog.MODEL_LIST)),
        "operation": Cat.constant(raw.operation, n),
        "error_type": Cat(raw.error_type.astype(np.int32), list(catalog.ERROR_TYPES)),
        "session": Cat(raw.session.astype(np.int32), raw.session_names),
    }
    numbers = {
        "latency_s": raw.latency,
        "ttft_s": raw.ttft,
        "input_tokens": raw.input_tokens,
        "output_tokens": output,
        "cost_usd": cost,
        "quality": np.where(error, np.nan, raw.quality),
    }
    return Events(raw.time, labels, error, numbers, np.where(error, np.nan, raw.refusal)).sorted()


def runaway_to_events(spec: dict[str, Any], catalog: Any) -> Events:
    n = spec["time"].shape[0]
    model = (
        "claude-sonnet-4-5"
        if spec["provider"] == "anthropic"
        else catalog.MODELS[spec["provider"]].__iter__().__next__()
    )
    price_in, price_out = catalog.PRICES[model]
    cost = (spec["input_tokens"] * price_in + spec["output_tokens"] * price_out) / 1e6
    numbers = {
        "latency_s": 1.0 + spec["output_tokens"] * 0.014,
        "ttft_s": np.full(n, 0.4),
        "input_tokens": spec["input_tokens"],
        "output_tokens": spec["output_tokens"],
        "cost_usd": cost,
        "quality": spec["quality"],
    }
    labels = {
        "service": Cat.constant(spec["service"], n),
        "provider": Cat.constant(spec["provider"], n),
        "model": Cat.constant(model, n),
        "operation": Cat.constant("invoke_agent", n),
        "error_type": Cat.constant(None, n),
        "session": Cat.constant(spec["session"], n),
    }
    return Events(spec["time"], labels, np.zeros(n, dtype=bool), numbers, np.zeros(n))
