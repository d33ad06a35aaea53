"""The model providers the traffic generator simulates; a drill's fault can only name one of these.

Kept apart from the generator so that checking a drill file (``firebreak lint``) does not load
NumPy."""

from __future__ import annotations

PROVIDERS: tuple[str, ...] = ("anthropic", "google", "mistral", "openai")
