"""Check PromQL with the promql-parser package (a binding of a maintained Rust PromQL parser)."""

from __future__ import annotations

import promql_parser


def parse_error(expr: str) -> str | None:
    """Why ``expr`` is not valid PromQL, or None when it parses."""
    try:
        promql_parser.parse(expr)
    except ValueError as exc:
        return str(exc) or "invalid PromQL"
    return None
