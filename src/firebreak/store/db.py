"""Open a store, migrate it, and run units of work against it.

Contract::

    store = open_store("sqlite:///ws/firebreak.db")   # or postgresql://user@host/db
    store.upgrade()                                    # Alembic migrations to head
    with store.unit_of_work() as uow:                  # commits on success, rolls back on error
        uow.session.add(...)                           # repositories (uow.incidents, ...) never commit

SQLite runs in WAL mode with ``busy_timeout`` and foreign keys on. Every read-write unit of work
starts with ``BEGIN IMMEDIATE``, so two processes never deadlock upgrading a read lock to a write
lock; ``unit_of_work(readonly=True)`` starts a plain deferred transaction that never blocks writers.
PostgreSQL is reached through psycopg 3: ``postgresql://`` and ``postgres://`` URLs are mapped to
``postgresql+psycopg://``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.orm import Session

from firebreak.errors import InputError, StoreError
from firebreak.store.migrate import current, upgrade
from firebreak.store.repos import (
    AlertRepo,
    IncidentRepo,
    NotificationRepo,
    TimerRepo,
)

BUSY_TIMEOUT_MS = 30_000
_READONLY = "firebreak_readonly"


def normalise_url(url: str) -> str:
    """Map plain PostgreSQL URLs to the psycopg 3 driver; leave others as given."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_events(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        readonly = conn.get_execution_options().get(_READONLY, False)
        conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


class UnitOfWork:
    """One transaction. The context manager that made it commits or rolls back; nothing else does.

    ``session`` is the SQLAlchemy session; the repositories wrap the queries the core needs.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.alerts = AlertRepo(session)
        self.incidents = IncidentRepo(session)
        self.timers = TimerRepo(session)
        self.notifications = NotificationRepo(session)

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name


class Store:
    """An engine plus the ways to use it. Build it with :func:`open_store`."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def unit_of_work(self, *, readonly: bool = False) -> Iterator[UnitOfWork]:
        """A transaction that commits when the block ends normally and rolls back otherwise."""
        session = Session(self.engine, expire_on_commit=False, autoflush=True)
        try:
            if self.dialect == "sqlite":
                session.connection(execution_options={_READONLY: readonly})
            yield UnitOfWork(session=session)
            session.commit()
        except OperationalError as exc:
            session.rollback()
            raise StoreError(f"the store failed: {_short(exc)}") from None
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def upgrade(self, revision: str = "head") -> None:
        """Run the packaged Alembic migrations up to ``revision``."""

        with translated():
            upgrade(self.engine, revision)

    def current_revision(self) -> str | None:

        with translated():
            return current(self.engine)

    def ping(self) -> None:
        with translated(), self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()


def _short(exc: Exception) -> str:
    return str(getattr(exc, "orig", exc)).splitlines()[0][:300]


@contextmanager
def translated() -> Iterator[None]:
    """Turn a database that cannot be reached or used into a StoreError with a short message."""
    try:
        yield
    except DBAPIError as exc:
        raise StoreError(f"the store failed: {_short(exc)}") from None


def open_store(url: str) -> Store:
    """Create the engine for ``url`` (SQLite file or PostgreSQL). Does not migrate."""
    normal = normalise_url(url)
    try:
        parsed = make_url(normal)
    except ArgumentError:
        raise InputError(
            f"not a store URL: {url!r}; expected sqlite:///PATH or postgresql://USER@HOST/DB"
        ) from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            folder = Path(parsed.database).parent
            if not folder.is_dir():
                raise InputError(f"store folder does not exist: {folder}")
        engine = create_engine(normal, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        _sqlite_events(engine)
    elif backend == "postgresql":
        engine = create_engine(normal, pool_pre_ping=True)
    else:
        raise InputError(f"unsupported store {backend!r}: use sqlite:///PATH or postgresql://…")
    return Store(engine, normal)
