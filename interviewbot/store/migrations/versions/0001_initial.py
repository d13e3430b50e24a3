"""Initial tables: users, bank questions, interview sessions, turns, client messages.

Revision ID: 0001
Revises:
Create Date: 2025-01-01 00:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def json_type() -> sa.types.TypeEngine:
    return sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")


def timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("role", sa.String(16), server_default="candidate", nullable=False),
        sa.Column("created_at", timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("email", name="uq_users_email"),
    )

    op.create_table(
        "bank_questions",
        sa.Column("id", sa.String(120), nullable=False),
        sa.Column("bank_version", sa.String(32), nullable=False),
        sa.Column("area", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("difficulty", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("data", json_type(), nullable=False),
        sa.Column("updated_at", timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_bank_questions"),
    )
    op.create_index("ix_bank_questions_area", "bank_questions", ["area"])

    op.create_table(
        "interview_sessions",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("is_guest", sa.Boolean(), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("plan", json_type(), nullable=False),
        sa.Column("question_ids", json_type(), nullable=False),
        sa.Column("bank_version", sa.String(32), nullable=False),
        sa.Column("resume_token_hash", sa.String(128), nullable=False),
        sa.Column("created_at", timestamp(), nullable=False),
        sa.Column("updated_at", timestamp(), nullable=False),
        sa.Column("finished_at", timestamp(), nullable=True),
        sa.Column("summary", json_type(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_interview_sessions"),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"],
            name="fk_interview_sessions_owner_id_users", ondelete="CASCADE",
        ),
    )
    op.create_index("ix_interview_sessions_owner_id", "interview_sessions", ["owner_id"])
    op.create_index(
        "ix_interview_sessions_owner_id_created_at", "interview_sessions", ["owner_id", "created_at"]
    )

    op.create_table(
        "turns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.String(32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(120), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("parent_position", sa.Integer(), nullable=True),
        sa.Column("concept", sa.String(80), nullable=True),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("answer_text", sa.Text(), nullable=True),
        sa.Column("rating", json_type(), nullable=True),
        sa.Column("client_msg_id", sa.String(80), nullable=True),
        sa.Column("asked_at", timestamp(), nullable=False),
        sa.Column("answered_at", timestamp(), nullable=True),
        sa.Column("deadline", timestamp(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_turns"),
        sa.ForeignKeyConstraint(
            ["session_id"], ["interview_sessions.id"],
            name="fk_turns_session_id_interview_sessions", ondelete="CASCADE",
        ),
        sa.UniqueConstraint("session_id", "position", name="uq_turns_session_id_position"),
        sa.UniqueConstraint("session_id", "client_msg_id", name="uq_turns_session_id_client_msg_id"),
    )
    op.create_index("ix_turns_session_id", "turns", ["session_id"])

    op.create_table(
        "client_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.String(32), nullable=False),
        sa.Column("client_msg_id", sa.String(80), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("replies", json_type(), nullable=False),
        sa.Column("created_at", timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_client_messages"),
        sa.ForeignKeyConstraint(
            ["session_id"], ["interview_sessions.id"],
            name="fk_client_messages_session_id_interview_sessions", ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "session_id", "client_msg_id", name="uq_client_messages_session_id_client_msg_id"
        ),
    )


def downgrade() -> None:
    op.drop_table("client_messages")
    op.drop_index("ix_turns_session_id", table_name="turns")
    op.drop_table("turns")
    op.drop_index("ix_interview_sessions_owner_id_created_at", table_name="interview_sessions")
    op.drop_index("ix_interview_sessions_owner_id", table_name="interview_sessions")
    op.drop_table("interview_sessions")
    op.drop_index("ix_bank_questions_area", table_name="bank_questions")
    op.drop_table("bank_questions")
    op.drop_table("users")
