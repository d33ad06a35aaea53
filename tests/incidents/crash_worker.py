"""A worker process for the crash test: one escalation tick at a given instant.

Usage: python crash_worker.py DB_URL WORKSPACE RECORD_FILE NOW_ISO PAUSE_S

It sends through a RecordingChannel that pauses PAUSE_S after recording each page, so a SIGKILL
from the test is likely to land after a page went out but before the send log marked it sent.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path

from firebreak.incidents.escalation import run_due
from firebreak.notify.channels import Message, RecordingChannel, SendResult
from firebreak.store.db import open_store
from firebreak.workspace import load_workspace


class SlowRecording(RecordingChannel):
    def __init__(self, path: Path, pause: float) -> None:
        super().__init__(path)
        self.pause = pause

    def send(self, message: Message) -> SendResult:
        result = super().send(message)
        time.sleep(self.pause)
        return result


def main() -> None:
    db_url, root, record, now_iso, pause = sys.argv[1:6]
    workspace = load_workspace(Path(root)).workspace
    store = open_store(db_url)
    now = datetime.fromisoformat(now_iso)
    sent = run_due(
        store, workspace, now, f"worker-{now_iso}", {"*": SlowRecording(Path(record), float(pause))}
    )
    print(sent, flush=True)


if __name__ == "__main__":
    main()
