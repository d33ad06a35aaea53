"""The maintenance loop: the shift handoff, the weekly review against a baseline, baseline
captures and decay alarms.

Each section is built from the store and the workspace by plain functions; :mod:`render` turns
the result into Markdown, and the CLI, the API and the UI show the same dict.
"""
