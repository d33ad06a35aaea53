"""Lint: the rule registry, findings, and their output formats."""
