"""Engines, sessions and migrations: the database settings live here and nowhere else.

SQLite (the default) runs in WAL mode with a busy timeout and foreign keys on. Its Python
driver's own transaction handling is switched off and SQLAlchemy emits BEGIN itself, so that a
transaction that will write can take the write lock up front (``BEGIN IMMEDIATE``): a deferred
transaction that reads and then writes can fail at once with "database is locked" when another
writer got in between, and no busy timeout helps with that.
"""
from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_MMAP_BYTES = 1 << 30
BUSY_TIMEOUT_MS = 5000

# Connection execution option read by the SQLite "begin" hook: DEFERRED or IMMEDIATE.
SQLITE_BEGIN = "sqlite_begin"
_BEGIN_MODES = {"DEFERRED", "IMMEDIATE", "EXCLUSIVE"}


def normalise_url(url: str) -> str:
    """Select the psycopg 3 driver for PostgreSQL URLs, as hosting platforms hand out
    ``postgres://`` and ``postgresql://``; any other URL is returned unchanged."""
    for scheme in ("postgres://", "postgresql://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme):]
    return url


def database_url(instance_path: str | os.PathLike[str]) -> str:
    """``DATABASE_URL`` from the environment, else a SQLite file in the instance folder."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return normalise_url(url)
    return f"sqlite:///{os.fspath(instance_path)}/interviewbot.db"


def make_engine(url: str, *, foreign_keys: bool = True) -> Engine:
    """An engine set up for this app. ``foreign_keys=False`` is for SQLite migrations only:
    rebuilding a table drops it, and with foreign keys on that drop would cascade."""
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        return _sqlite_engine(url, foreign_keys)
    return create_engine(url, pool_pre_ping=True)


def _sqlite_engine(url: str, foreign_keys: bool) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def configure_connection(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN, see _begin
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
            # Read pages straight from the mapped file (no copy into SQLite's cache): scans such as
            # the coach's answer search run about 1.5x faster. Address space, not memory.
            cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        options = connection.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT":
            return
        mode = options.get(SQLITE_BEGIN, "DEFERRED")
        if mode not in _BEGIN_MODES:
            raise ValueError(f"{SQLITE_BEGIN} must be one of {sorted(_BEGIN_MODES)}, not {mode!r}")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


@contextmanager
def transaction(session_factory: sessionmaker[Session], for_update: bool = False,
                writer_lock: threading.RLock | None = None) -> Iterator[Session]:
    """One transaction: commit when the block ends, roll back if it raises, always close.

    ``for_update=True`` marks a transaction that will write after reading (answering a turn,
    for example). On SQLite it starts with ``BEGIN IMMEDIATE``, so writers queue on the busy
    timeout instead of failing midway; on PostgreSQL it changes nothing, lock the rows you read
    with ``select(...).with_for_update()``. Commit only by leaving the block: a transaction
    started after a ``commit()`` inside it would be an ordinary one.
    """
    # SQLite's busy handler polls (sleeping) for the write lock and gives up after the timeout:
    # under load, writers of this process queue on a lock instead, in order and without sleeping.
    queued = writer_lock is not None and for_update
    if queued:
        writer_lock.acquire()
    session = session_factory()
    try:
        if for_update:
            session.connection(execution_options={SQLITE_BEGIN: "IMMEDIATE"})
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
        if queued:
            writer_lock.release()


class Database:
    """An engine and its session factory (sessions keep their attributes after commit)."""

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url)
        self.sessionmaker: sessionmaker[Session] = sessionmaker(self.engine, expire_on_commit=False)
        sqlite = make_url(self.url).get_backend_name() == "sqlite"
        self._writer_lock = threading.RLock() if sqlite else None

    def session(self, for_update: bool = False) -> AbstractContextManager[Session]:
        """``with db.session() as s: ...`` — see :func:`transaction`."""
        return transaction(self.sessionmaker, for_update, self._writer_lock)

    def dispose(self) -> None:
        """Close the pooled connections (on shutdown, or before a test drops its database)."""
        self.engine.dispose()


def alembic_config(url: str) -> Config:
    """Alembic settings built in code: the package's migrations, run against ``url``.

    The URL travels in ``Config.attributes`` rather than as an ini option, where ``%`` in an
    encoded password or query string would be taken for interpolation.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["url"] = normalise_url(url)
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database to ``revision``; a no-op when it is there already.

    Safe on every start, also from several processes at once: the migration runs in one
    transaction that first takes a lock (``BEGIN IMMEDIATE`` on SQLite, an advisory lock on
    PostgreSQL), so a second process waits and then finds nothing to do.
    """
    command.upgrade(alembic_config(url), revision)


@contextmanager
def scratch_schema(server_url: str, prefix: str = "scratch") -> Iterator[str]:
    """A new, empty schema on a PostgreSQL server, dropped with everything in it on exit.

    Yields a URL whose connections use that schema (through ``search_path``), so test runs and
    benchmarks can share one server. Dispose of engines made from it before leaving the block.
    """
    schema = f"{prefix}_{secrets.token_hex(8)}"
    admin = create_engine(normalise_url(server_url), poolclass=NullPool)
    try:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        try:
            url = make_url(normalise_url(server_url))
            options = url.query.get("options", "")
            if isinstance(options, tuple):
                options = " ".join(options)
            options = f"{options} -csearch_path={schema}".strip()
            yield url.update_query_dict({"options": options}).render_as_string(hide_password=False)
        finally:
            with admin.begin() as connection:
                connection.exec_driver_sql("SET LOCAL lock_timeout = '10s'")
                connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    finally:
        admin.dispose()
