"""Connection settings, database URLs, and the transaction helper."""
from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from interviewbot.store import Database, User, database_url, make_engine, normalise_url


def sqlite_file(database: Database) -> str:
    if database.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    return make_url(database.url).database


def pragma(database: Database, name: str):
    with database.engine.connect() as connection:
        return connection.exec_driver_sql(f"PRAGMA {name}").scalar()


def test_sqlite_runs_in_wal_mode(database):
    sqlite_file(database)
    assert pragma(database, "journal_mode") == "wal"


def test_sqlite_waits_five_seconds_for_a_lock(database):
    sqlite_file(database)
    assert pragma(database, "busy_timeout") == 5000


def test_sqlite_enforces_foreign_keys(database):
    sqlite_file(database)
    assert pragma(database, "foreign_keys") == 1


def test_postgresql_checks_connections_before_use(database):
    if database.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    assert database.engine.pool._pre_ping
    assert database.engine.dialect.driver == "psycopg"


def other_writer_can_start(path: str) -> bool:
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
        return False
    finally:
        other.close()


def test_a_transaction_for_update_holds_the_write_lock_from_the_start(database):
    path = sqlite_file(database)
    with database.session(for_update=True) as session:
        session.scalar(select(func.count()).select_from(User))
        assert not other_writer_can_start(path)
    assert other_writer_can_start(path)


def test_an_ordinary_transaction_does_not_block_writers_while_reading(database):
    path = sqlite_file(database)
    with database.session() as session:
        session.scalar(select(func.count()).select_from(User))
        assert other_writer_can_start(path)


def test_reads_in_a_transaction_see_one_snapshot(database, create_user):
    sqlite_file(database)
    create_user()
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 1
        create_user()
        assert session.scalar(select(func.count()).select_from(User)) == 1
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 2


def test_session_commits_when_the_block_ends(database):
    with database.session() as session:
        session.add(User(email="kept@example.com"))
    with database.session() as session:
        assert session.scalars(select(User.email)).all() == ["kept@example.com"]


def test_session_rolls_back_when_the_block_raises(database):
    with pytest.raises(RuntimeError):
        with database.session(for_update=True) as session:
            session.add(User(email="lost@example.com"))
            session.flush()
            raise RuntimeError("boom")
    with database.session() as session:
        assert session.scalars(select(User.email)).all() == []


def test_objects_stay_readable_after_the_session_closes(database):
    with database.session() as session:
        user = User(email="ana@example.com")
        session.add(user)
    assert user.id is not None
    assert user.email == "ana@example.com"


def test_database_url_defaults_to_sqlite_in_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert database_url(tmp_path) == f"sqlite:///{tmp_path}/interviewbot.db"


def test_database_url_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://app@db/interviews")
    assert database_url(tmp_path) == "postgresql+psycopg://app@db/interviews"


@pytest.mark.parametrize("given", ["postgres://u:p@h:5432/d", "postgresql://u:p@h:5432/d"])
def test_postgres_urls_use_psycopg(monkeypatch, tmp_path, given):
    monkeypatch.setenv("DATABASE_URL", given)
    assert database_url(tmp_path) == "postgresql+psycopg://u:p@h:5432/d"


def test_other_urls_are_left_alone():
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"
    assert normalise_url("postgresql+psycopg://h/d") == "postgresql+psycopg://h/d"


def test_make_engine_accepts_a_bare_postgres_url():
    engine = make_engine("postgres://u@127.0.0.1/d")
    assert engine.dialect.driver == "psycopg"
    engine.dispose()
