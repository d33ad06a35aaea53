"""Drills: scenarios, the run on the drill clock through the real pipeline, responders, grading."""
