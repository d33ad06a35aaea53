"""The anomaly core on the Numenta Anomaly Benchmark (NAB), scored with NAB's own scorer.

Runs ``firebreak detect --kind anomaly`` on every data file of a NAB checkout (or the
categories named), counts a detection where an alarm begins (a row whose alarm is 1 after a
0: when firebreak would page), and prints NAB's standard, low-FP and low-FN scores. NAB's
scorer runs from the checkout in its own environment (NAB needs pandas):

    git clone https://github.com/numenta/NAB && python -m venv nab-venv
    nab-venv/bin/pip install pandas simplejson python-dateutil
    python benchmarks/nab.py --nab NAB --nab-python nab-venv/bin/python [--categories realTweets,...]

There is no threshold optimisation: the alarm is what a user would be paged on, with the
default sensitivity (or ``--sensitivity``) for every file.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NAME = "firebreak"
PROFILES = ("standard", "reward_low_FP_rate", "reward_low_FN_rate")


def detect(src: Path, out: Path, sensitivity: float) -> list[str]:
    """The alarm column of ``firebreak detect`` on one file."""
    cmd = [sys.executable, "-m", "firebreak", "detect", "--kind", "anomaly"]
    cmd += ["--sensitivity", str(sensitivity), "--input", str(src), "--output", str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"detect failed on {src}: {done.stderr.strip()[-300:]}")
    with out.open() as fh:
        return [row["alarm"] for row in csv.DictReader(fh)]


def write_result(
    dst: Path, src: Path, alarms: list[str], labels: dict[str, list[list[str]]]
) -> None:
    """A NAB results file: the onset of each alarm as its anomaly score."""
    with src.open() as fh:
        rows = list(csv.DictReader(fh))
    if len(rows) != len(alarms):
        sys.exit(f"{src}: {len(alarms)} output rows for {len(rows)} input rows")
    dst.parent.mkdir(parents=True, exist_ok=True)
    with dst.open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["timestamp", "value", "anomaly_score", "label"])
        prev = "0"
        for row, alarm in zip(rows, alarms, strict=True):
            onset = 1.0 if alarm == "1" and prev != "1" else 0.0
            prev = alarm
            stamp = row["timestamp"]
            inside = any(a[:19] <= stamp <= b[:19] for a, b in labels)
            out.writerow([stamp, row["value"], onset, int(inside)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nab", type=Path, required=True, help="a NAB checkout")
    parser.add_argument("--nab-python", default=sys.executable, help="a Python with pandas")
    parser.add_argument("--categories", default="", help="comma-separated data folders")
    parser.add_argument("--sensitivity", type=float, default=5.0)
    args = parser.parse_args()
    nab: Path = args.nab.resolve()
    wanted = {c for c in args.categories.split(",") if c}
    files = sorted(
        f for f in (nab / "data").rglob("*.csv") if not wanted or f.parent.name in wanted
    )
    if not files:
        sys.exit(f"no data files under {nab / 'data'}")
    windows = json.loads((nab / "labels" / "combined_windows.json").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for part in ("nab", "config", "labels"):
            shutil.copytree(nab / part, work / part)
        shutil.copy(nab / "run.py", work / "run.py")
        (work / "data").mkdir()
        for f in files:  # real folders: NAB's corpus does not follow linked ones
            (work / "data" / f.parent.name).mkdir(exist_ok=True)
            (work / "data" / f.parent.name / f.name).symlink_to(f)
        t0 = time.perf_counter()
        for f in files:
            key = f"{f.parent.name}/{f.name}"
            alarms = detect(f, work / "detect.csv", args.sensitivity)
            for name in (NAME, "null"):
                dst = work / "results" / name / f.parent.name / f"{name}_{f.name}"
                write_result(dst, f, alarms if name == NAME else ["0"] * len(alarms), windows[key])
        detect_s = time.perf_counter() - t0
        thresholds = json.loads((work / "config" / "thresholds.json").read_text())
        for name in (NAME, "null"):
            thresholds[name] = {p: {"score": 0.0, "threshold": 0.5} for p in PROFILES}
        (work / "thresholds.json").write_text(json.dumps(thresholds))
        keep = {key: windows[key] for key in (f"{f.parent.name}/{f.name}" for f in files)}
        (work / "labels" / "combined_windows.json").write_text(json.dumps(keep))
        run = [args.nab_python, "run.py", "-d", f"null,{NAME}", "--score", "--normalize"]
        run += ["--skipConfirmation", "-n", "2", "--resultsDir", "results", "-t", "thresholds.json"]
        done = subprocess.run(run, cwd=work, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"NAB's scorer failed: {done.stderr.strip()[-500:]}")
        final = json.loads((work / "results" / "final_results.json").read_text())[NAME]
    print(
        json.dumps(
            {
                "standard": round(final["standard"], 2),
                "low_fp": round(final["reward_low_FP_rate"], 2),
                "low_fn": round(final["reward_low_FN_rate"], 2),
                "files": len(files),
                "detect_s": round(detect_s, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
