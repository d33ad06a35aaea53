"""Runbooks: the model, the Markdown parser (with source positions) and the runbook lint rules."""
