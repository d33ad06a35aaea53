"""The running workspace: what ``serve`` and ``worker`` page with, and how it changes under them.

A :class:`RunningWorkspace` holds the workspace a process runs. :meth:`reload` reads the files
again (on a file change, SIGHUP or ``POST /api/workspace/reload``): a workspace that loads is
adopted whole and snapshotted in the store; one with errors is refused whole and the running one
keeps paging. :meth:`start` is the same at process start, except that broken files fall back to
the newest snapshot, so a bad commit plus a restart cannot take paging down.

The files are read once into memory and loaded from a private copy, so the snapshot and the
revision are exactly what was loaded. The revision is the git commit when the workspace is a
clean git checkout, the commit plus a content hash when it has local changes, else the content
hash alone.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select

from firebreak.clock import Clock
from firebreak.errors import WorkspaceError
from firebreak.lint.findings import Finding
from firebreak.store.db import Store
from firebreak.store.tables import WorkspaceProcess, WorkspaceSnapshot
from firebreak.workspace import Workspace, load_workspace

log = logging.getLogger("firebreak.workspace")
KEEP_SNAPSHOTS = 20
HEARTBEAT_S = 10.0
LIVE_AFTER_S = 3 * HEARTBEAT_S  # a process not seen for this long is reported as not live


def is_workspace_file(relative: str) -> bool:
    """Whether a path (relative to the workspace, ``/``-separated) is one the loader reads."""
    parts = relative.split("/")
    if any(p.startswith(".") for p in parts):
        return False
    if relative in ("firebreak.toml", "prices.yaml"):
        return True
    if len(parts) == 2 and parts[0] in ("org", "drills"):
        return parts[1].endswith((".yaml", ".yml"))
    return parts[0] == "runbooks" and relative.endswith(".md")


def read_files(root: Path) -> dict[str, str]:
    """Every file the loader reads, relative path → text (undecodable bytes replaced)."""
    files: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(root).as_posix()
        if is_workspace_file(relative):
            files[relative] = path.read_bytes().decode("utf-8", errors="replace")
    return files


def content_hash(files: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name].encode() + b"\0")
    return digest.hexdigest()[:16]


def _git(root: Path, *args: str) -> str | None:
    git = shutil.which("git")
    if git is None:
        return None
    try:
        done = subprocess.run(
            [git, "-C", str(root), *args], capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def revision_of(root: Path, files: dict[str, str]) -> str:
    """The git commit of a clean checkout, ``<commit>+<hash>`` with local changes, else
    ``sha256:<hash>`` of the files' contents."""
    digest = content_hash(files)
    commit = _git(root, "rev-parse", "--verify", "-q", "HEAD")
    if not commit:
        return f"sha256:{digest}"
    dirty = _git(root, "status", "--porcelain", "--", ".")
    return commit if dirty == "" else f"{commit[:12]}+{digest}"


def load_files(root: Path, files: dict[str, str]) -> tuple[Workspace | None, list[Finding]]:
    """Load ``files`` as the workspace at ``root``: the workspace, or None and its errors."""
    with tempfile.TemporaryDirectory(prefix="firebreak-ws-") as tmp:
        copy = Path(tmp)
        for name, text in files.items():
            target = copy / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        result = load_workspace(copy)
    if result.errors:
        return None, result.errors
    workspace = result.workspace
    workspace.root = root
    return workspace, []


def error_dicts(errors: list[Finding]) -> list[dict[str, Any]]:
    return [
        {"path": f.path, "line": f.line, "col": f.col, "code": f.code, "message": f.message}
        for f in errors
    ]


@dataclass
class Reload:
    """The outcome of one load attempt."""

    ok: bool
    at: datetime
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "at": self.at.isoformat(), "errors": self.errors}


Listener = Callable[[Workspace, bool], None]  # the new workspace; whether its runbooks changed


class RunningWorkspace:
    """The workspace one process runs, its revision, and its reload history."""

    def __init__(self, root: Path, store: Store, clock: Clock, process_id: str) -> None:
        self.root = root
        self.store = store
        self.clock = clock
        self.process_id = process_id
        self.workspace: Workspace | None = None
        self.revision: str | None = None
        self.loaded_at: datetime | None = None
        self.source = "none"  # files | snapshot | none
        self.last_reload: Reload | None = None
        self.last_success: datetime | None = None
        self._runbooks = ""
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()
        self._read = ""  # content hash of the files the last attempt read

    def on_change(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def start(self) -> Workspace:
        """Load the files; when they are broken, run the newest snapshot (and say so). Raises
        WorkspaceError only when neither is usable."""
        outcome = self.reload()
        if outcome.ok:
            assert self.workspace is not None
            return self.workspace
        snapshot = self._latest_snapshot()
        shown = "; ".join(
            f"{e['path']}:{e['line']}:{e['col']}: {e['code']} {e['message']}"
            for e in outcome.errors[:5]
        )
        if snapshot is None:
            raise WorkspaceError(
                f"the workspace has {len(outcome.errors)} error(s) and the store holds no "
                f"snapshot to run instead: {shown}"
            )
        workspace, _ = load_files(self.root, snapshot.files)
        if workspace is None:  # a snapshot always loaded once; refuse rather than guess
            raise WorkspaceError(f"the workspace and its last snapshot fail to load: {shown}")
        log.warning(
            "the workspace files have %d error(s) (%s); running the last good snapshot, "
            "revision %s from %s",
            len(outcome.errors),
            shown,
            snapshot.revision,
            snapshot.taken_at.isoformat(),
        )
        self._adopt(workspace, snapshot.revision, "snapshot", snapshot.files)
        self._report(self.clock.now())
        return workspace

    def adopt_loaded(self, workspace: Workspace) -> None:
        """Run a workspace the caller already loaded from ``root`` (tests, embedded use)."""
        files = read_files(self.root)
        self._adopt(workspace, revision_of(self.root, files), "files", files)
        self._report(self.clock.now())

    def reload(self) -> Reload:
        """Read the files again; adopt them whole if they load, else keep what runs."""
        with self._lock:
            now = self.clock.now()
            try:
                files = read_files(self.root)
                self._read = content_hash(files)
                workspace, errors = load_files(self.root, files)
            except (OSError, WorkspaceError) as exc:
                workspace, errors, files = None, [], {}
                problem = {"path": str(self.root), "line": 0, "col": 0, "code": "FB100"}
                outcome = Reload(False, now, [{**problem, "message": str(exc)}])
            else:
                outcome = Reload(workspace is not None, now, error_dicts(errors))
            self.last_reload = outcome
            if workspace is None:
                log.warning(
                    "workspace reload refused (%d error(s)); still running revision %s",
                    len(outcome.errors),
                    self.revision,
                )
            else:
                revision = revision_of(self.root, files)
                self._adopt(workspace, revision, "files", files)
                self._snapshot(revision, files)
            self._report(now)
            return outcome

    def _adopt(
        self, workspace: Workspace, revision: str, source: str, files: dict[str, str]
    ) -> None:
        runbooks = content_hash({k: v for k, v in files.items() if k.startswith("runbooks/")})
        changed = runbooks != self._runbooks
        self.workspace, self.revision, self.source = workspace, revision, source
        self.loaded_at = self.clock.now()
        if source == "files":
            self.last_success = self.loaded_at
        self._runbooks = runbooks
        for listener in self._listeners:
            listener(workspace, changed)

    def _latest_snapshot(self) -> WorkspaceSnapshot | None:
        with self.store.unit_of_work(readonly=True) as uow:
            query = select(WorkspaceSnapshot).order_by(WorkspaceSnapshot.id.desc()).limit(1)
            return uow.session.scalars(query).first()

    def _snapshot(self, revision: str, files: dict[str, str]) -> None:
        """Keep the files that loaded (unless the newest snapshot already is this revision)."""
        latest = self._latest_snapshot()
        if latest is not None and latest.revision == revision and latest.files == files:
            return
        with self.store.unit_of_work() as uow:
            uow.session.add(
                WorkspaceSnapshot(revision=revision, taken_at=self.clock.now(), files=files)
            )
            uow.session.flush()
            keep = select(WorkspaceSnapshot.id).order_by(WorkspaceSnapshot.id.desc())
            old = list(uow.session.scalars(keep.offset(KEEP_SNAPSHOTS)))
            if old:
                uow.session.execute(delete(WorkspaceSnapshot).where(WorkspaceSnapshot.id.in_(old)))

    def _report(self, now: datetime) -> None:
        """Record in the store which revision this process runs (for ``/api/workspace``)."""
        last = self.last_reload
        with self.store.unit_of_work() as uow:
            row = uow.session.get(WorkspaceProcess, self.process_id)
            if row is None:
                row = WorkspaceProcess(id=self.process_id, source=self.source, seen_at=now)
                uow.session.add(row)
            row.revision, row.source, row.loaded_at = self.revision, self.source, self.loaded_at
            row.last_reload_ok = last.ok if last is not None else True
            row.last_reload_at = last.at if last is not None else None
            row.seen_at = now

    def heartbeat(self, stop: threading.Event) -> None:
        """Refresh this process's row every few seconds until ``stop`` (a thread's target)."""
        while not stop.wait(HEARTBEAT_S):
            try:
                self._report(self.clock.now())
            except Exception as exc:  # the store may be down; paging goes on
                log.warning("could not record the workspace revision: %s", type(exc).__name__)

    def watch(self, stop: threading.Event) -> None:
        """Reload whenever a workspace file changes, until ``stop`` (a thread's target)."""
        from watchfiles import watch

        root = self.root.resolve()

        def wanted(_change: object, path: str) -> bool:
            try:
                return is_workspace_file(Path(path).resolve().relative_to(root).as_posix())
            except ValueError:
                return False

        settled = False  # the first timeout: the watcher is live; catch edits made before it was
        changes = watch(
            root,
            watch_filter=wanted,
            stop_event=stop,
            raise_interrupt=False,
            yield_on_timeout=True,
            rust_timeout=1000,
        )
        try:
            for changed in changes:
                if not changed:  # a timeout, no change
                    first, settled = not settled, True
                    if not first or content_hash(read_files(self.root)) == self._read:
                        continue
                try:
                    self.reload()
                except Exception as exc:  # the store may be down: keep watching
                    log.warning("workspace reload failed: %s: %s", type(exc).__name__, exc)
        except Exception as exc:
            log.error("the workspace watcher stopped: %s: %s", type(exc).__name__, exc)

    def start_threads(self, watch: bool) -> threading.Event:
        """Start the heartbeat (and the watcher): set the returned event to stop them."""
        stop = threading.Event()
        targets = [self.heartbeat, *([self.watch] if watch else [])]
        for target in targets:
            threading.Thread(target=target, args=(stop,), daemon=True).start()
        return stop

    def request_reload(self) -> None:
        """Reload on a thread of its own (from a signal handler: SIGHUP)."""
        threading.Thread(target=self._reload_logged, daemon=True).start()

    def _reload_logged(self) -> None:
        try:
            outcome = self.reload()
        except Exception as exc:
            log.warning("workspace reload failed: %s: %s", type(exc).__name__, exc)
            return
        if outcome.ok:
            log.warning("workspace reloaded: revision %s", self.revision)

    def status(self) -> dict[str, Any]:
        """``GET /api/workspace``: what runs here, and what every live process runs."""
        return {
            "revision": self.revision,
            "loaded_at": self.loaded_at.isoformat() if self.loaded_at else None,
            "source": self.source,
            "last_reload": self.last_reload.as_json() if self.last_reload else None,
            "process": self.process_id,
            "processes": self.processes(),
        }

    def processes(self) -> list[dict[str, Any]]:
        """Every process that reported a revision in the last day, with whether it is live."""
        now = self.clock.now()
        with self.store.unit_of_work(readonly=True) as uow:
            rows = uow.session.scalars(
                select(WorkspaceProcess)
                .where(WorkspaceProcess.seen_at >= now - timedelta(days=1))
                .order_by(WorkspaceProcess.id)
            )
            return [
                {
                    "id": r.id,
                    "revision": r.revision,
                    "source": r.source,
                    "loaded_at": r.loaded_at.isoformat() if r.loaded_at else None,
                    "last_reload_ok": r.last_reload_ok,
                    "seen_at": r.seen_at.isoformat(),
                    "live": (now - r.seen_at).total_seconds() <= LIVE_AFTER_S,
                }
                for r in rows
            ]
