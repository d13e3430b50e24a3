"""Indexes for the coach's pages with many sessions: turns by session and question (the area
filter reads no turn rows), and on PostgreSQL a trigram index on the answers' lower-case text
for the search (pg_trgm; created if it is missing).

The extension goes into the ``public`` schema when it can, so that a schema dropped with
everything in it (tests, benchmarks) does not take it away from the others; its operator class
is named with its schema, wherever it is. If the extension cannot be had (the database role may
not create it), the trigram index is left out with a warning: searching still works, scanning
the candidates' answers instead.

Revision ID: 0004
Revises: 0003
Create Date: 2025-01-04 00:00:00
"""
from __future__ import annotations

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.exc import DBAPIError

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGRAM_INDEX = "ix_turns_answer_text_trgm"
log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    op.create_index("ix_turns_session_id_question_id", "turns", ["session_id", "question_id"])

    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    schema = trigram_schema(bind)
    if schema is None:
        log.warning("pg_trgm is not available to this database role: %s not created, searching "
                    "answers will scan them", TRIGRAM_INDEX)
        return
    opclass = f"{bind.dialect.identifier_preparer.quote_schema(schema)}.gin_trgm_ops"
    op.create_index(
        TRIGRAM_INDEX, "turns", [sa.func.lower(sa.column("answer_text")).label("answer_text_lower")],
        postgresql_using="gin", postgresql_ops={"answer_text_lower": opclass},
    )


def trigram_schema(bind: sa.Connection) -> str | None:
    """The schema of the pg_trgm extension, after creating it if it is not there yet: in
    ``public``, or failing that in the schema being migrated."""
    found = extension_schema(bind)
    if found is not None:
        return found
    targets = ["public", bind.execute(sa.text("SELECT current_schema()")).scalar()]
    for target in dict.fromkeys(t for t in targets if t is not None):
        try:
            with bind.begin_nested():
                bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA "
                                     + bind.dialect.identifier_preparer.quote_schema(target))
        except DBAPIError as exc:  # no privilege, no such schema, or another migration made it
            log.info("CREATE EXTENSION pg_trgm WITH SCHEMA %s: %s", target, exc.orig)
        found = extension_schema(bind)
        if found is not None:
            return found
    return None


def extension_schema(bind: sa.Connection) -> str | None:
    return bind.execute(sa.text(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm'")).scalar()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")  # the extension stays: others may use it
    op.drop_index("ix_turns_session_id_question_id", table_name="turns")
