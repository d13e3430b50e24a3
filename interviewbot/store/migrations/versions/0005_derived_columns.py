"""Columns the database derives from others, for the coach's search and caseload:
``turns.answer_lower``, the answer in lower case (on PostgreSQL the trigram index moves onto it
from ``lower(answer_text)``), and ``interview_sessions.summary_score`` and ``summary_areas``, the
summary's overall and area scores; and an index of the sessions in progress by owner, which the
coach's dashboard lists (a partial index: few sessions are in progress at a time).

The search tests ``lower(answer) LIKE '%word%'`` on the answers of the coach's candidates. On
PostgreSQL ``lower()`` of a UTF-8 answer costs several times the ``LIKE`` itself, and a word in
half the sessions makes it run on most of those answers at every search: reading the lower-cased
text instead makes that search about three times faster, with the same matches (the same
function computes it). The caseload reads the scores of a candidate's last 40 sessions: out of
the summaries, which PostgreSQL keeps compressed, each read unpacks a whole summary.

On PostgreSQL the columns are stored (``GENERATED ... STORED``): adding them rewrites the two
tables, locked meanwhile (for 100,000 turns on a small busy machine about 30 s, and 15 s more to
rebuild the trigram index, which is rebuilt on the column when pg_trgm is installed: migration
0004 installs it when it can). The turns table's heap grows by about a quarter (114 to 146 MB
for those turns; 440 to 500 MB with its TOAST and indexes). SQLite can add only virtual columns
(computed when read) to a table: ``answer_lower`` is one, which the search does not use there
(SQLite's ``LIKE`` ignores the case of ASCII letters as its ``lower()`` does), and
interview_sessions is rebuilt with the two scores stored.

Revision ID: 0005
Revises: 0004
Create Date: 2025-01-05 00:00:00
"""
from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_turns_answer_lower_trgm"
OLD_INDEX = "ix_turns_answer_text_trgm"
ACTIVE_INDEX = "ix_interview_sessions_owner_id_active"
ACTIVE = "status = 'active'"
log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    score, areas = "summary ->> 'score'", "summary -> 'areas'"
    if not postgresql and sqlite3.sqlite_version_info < (3, 38):  # before SQLite had -> and ->>
        score, areas = "json_extract(summary, '$.score')", "json_extract(summary, '$.areas')"
    op.add_column("turns", sa.Column("answer_lower", sa.Text(),
                                     sa.Computed("lower(answer_text)", persisted=postgresql)))
    scores = [sa.Column("summary_score", sa.Text(), sa.Computed(score, persisted=True)),
              sa.Column("summary_areas", sa.JSON().with_variant(JSONB(), "postgresql"),
                        sa.Computed(areas, persisted=True))]
    # SQLite adds only virtual columns to a table: interview_sessions is rebuilt with stored ones,
    # so that reading a score does not parse the summary there either.
    with op.batch_alter_table("interview_sessions", recreate="auto" if postgresql else "always") as batch:
        for column in scores:
            batch.add_column(column)
    op.create_index(ACTIVE_INDEX, "interview_sessions", ["owner_id"], sqlite_where=sa.text(ACTIVE),
                    postgresql_where=sa.text(ACTIVE))
    if not postgresql:
        return
    op.execute(f"DROP INDEX IF EXISTS {OLD_INDEX}")
    opclass = trigram_opclass(bind)
    if opclass is None:
        log.warning("pg_trgm is not installed: %s not created, searching answers will scan them", INDEX)
        return
    op.create_index(INDEX, "turns", ["answer_lower"], postgresql_using="gin",
                    postgresql_ops={"answer_lower": opclass})


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {INDEX}")
        opclass = trigram_opclass(bind)
        if opclass is not None:
            op.create_index(
                OLD_INDEX, "turns", [sa.func.lower(sa.column("answer_text")).label("answer_text_lower")],
                postgresql_using="gin", postgresql_ops={"answer_text_lower": opclass})
    op.drop_index(ACTIVE_INDEX, table_name="interview_sessions")
    with op.batch_alter_table("interview_sessions") as batch:
        batch.drop_column("summary_areas")
        batch.drop_column("summary_score")
    with op.batch_alter_table("turns") as batch:
        batch.drop_column("answer_lower")


def trigram_opclass(bind: sa.Connection) -> str | None:
    """pg_trgm's operator class named with the extension's schema, or None without pg_trgm."""
    schema = bind.execute(sa.text(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm'")).scalar()
    if schema is None:
        return None
    return f"{bind.dialect.identifier_preparer.quote_schema(schema)}.gin_trgm_ops"
