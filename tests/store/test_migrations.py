"""Alembic migrations: they build the schema the models describe, and rerunning them is harmless."""
from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from dbutil import fresh_database
from sqlalchemy import Engine, inspect

from interviewbot.store import Base, User, alembic_config, make_engine, upgrade, utcnow

TABLES = {"users", "bank_questions", "interview_sessions", "turns", "client_messages"}


@pytest.fixture
def empty_url(database_kind: str) -> Iterator[str]:
    with fresh_database(database_kind, migrate=False) as url:
        yield url


@pytest.fixture
def engine(empty_url: str) -> Iterator[Engine]:
    engine = make_engine(empty_url)
    yield engine
    engine.dispose()


def head_revision(url: str) -> str:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_upgrade_creates_every_table_on_an_empty_database(empty_url, engine):
    assert not inspect(engine).get_table_names()

    upgrade(empty_url)

    assert TABLES <= set(inspect(engine).get_table_names())
    assert current_revision(engine) == head_revision(empty_url)


def test_second_upgrade_changes_nothing_and_keeps_the_data(empty_url, engine):
    upgrade(empty_url)
    with engine.begin() as connection:
        connection.execute(User.__table__.insert(), {"email": "a@example.com", "created_at": utcnow()})
    tables_before = sorted(inspect(engine).get_table_names())

    upgrade(empty_url)

    assert sorted(inspect(engine).get_table_names()) == tables_before
    assert current_revision(engine) == head_revision(empty_url)
    with engine.connect() as connection:
        assert connection.execute(User.__table__.select()).one().email == "a@example.com"


def test_migrated_schema_matches_the_models(empty_url, engine):
    upgrade(empty_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_constraint_names_follow_the_naming_convention(empty_url, engine):
    upgrade(empty_url)
    inspector = inspect(engine)
    unique = {c["name"] for c in inspector.get_unique_constraints("turns")}
    foreign = {c["name"] for c in inspector.get_foreign_keys("turns")}
    indexes = {i["name"] for i in inspector.get_indexes("interview_sessions")}

    assert unique == {"uq_turns_session_id_position", "uq_turns_session_id_client_msg_id"}
    assert foreign == {"fk_turns_session_id_interview_sessions"}
    assert {"ix_interview_sessions_owner_id",
            "ix_interview_sessions_owner_id_created_at"} <= indexes


def test_processes_starting_together_migrate_once(empty_url, engine):
    script = "import sys; from interviewbot.store import upgrade; upgrade(sys.argv[1])"
    processes = [subprocess.Popen([sys.executable, "-c", script, empty_url],
                                  stderr=subprocess.PIPE, text=True) for _ in range(4)]
    failures = [p.stderr.read() for p in processes if p.wait(timeout=60) != 0]

    assert failures == []
    assert current_revision(engine) == head_revision(empty_url)
