"""The HTTP service: intake, API, web UI and the background ticks, in one ASGI app."""
