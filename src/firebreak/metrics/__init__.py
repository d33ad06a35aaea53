"""MTTA, MTTR, MTTD, false alarm rate, drill pass rate, baselines and series over time.

Pure functions over plain records (:mod:`firebreak.metrics.records`); the store builds the
records (:mod:`firebreak.metrics.load`) and the CLI and web UI call these.
"""

from firebreak.metrics.baselines import Comparison, compare, headline
from firebreak.metrics.figures import (
    Period,
    compute,
    drill_pass_rate,
    false_alarm_rate,
    false_alarm_rate_by,
    mtta,
    mttd,
    mttr,
)
from firebreak.metrics.records import DrillRunRecord, IncidentRecord, StepInfo
from firebreak.metrics.skipped import SkippedStep, skipped_steps
from firebreak.metrics.stats import Rate, Summary, percentile
from firebreak.metrics.timeseries import timeseries

__all__ = [
    "Comparison",
    "DrillRunRecord",
    "IncidentRecord",
    "Period",
    "Rate",
    "SkippedStep",
    "StepInfo",
    "Summary",
    "compare",
    "compute",
    "drill_pass_rate",
    "false_alarm_rate",
    "false_alarm_rate_by",
    "headline",
    "mtta",
    "mttd",
    "mttr",
    "percentile",
    "skipped_steps",
    "timeseries",
]
