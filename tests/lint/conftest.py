"""Fixtures for lint tests (the helpers live in lint_workspace.py)."""

from __future__ import annotations

from lint_workspace import lint_text, small_ws

__all__ = ["lint_text", "small_ws"]
