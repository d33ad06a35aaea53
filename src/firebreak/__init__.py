"""firebreak: incident response for AI services, as code."""

__version__ = "0.1.0"
