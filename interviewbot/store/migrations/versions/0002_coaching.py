"""Coaching: coach links and invites, turn comments, score overrides, share links and their
views, calibration ratings.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-02 00:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE_LINK = "ended_at IS NULL"


def timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def user_fk(column: str, table: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["users.id"], name=f"fk_{table}_{column}_users", ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "coach_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coach_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("created_at", timestamp(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("ended_at", timestamp(), nullable=True),
        sa.Column("ended_by", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_coach_links"),
        user_fk("coach_id", "coach_links", "CASCADE"),
        user_fk("candidate_id", "coach_links", "CASCADE"),
        user_fk("created_by", "coach_links", "SET NULL"),
        user_fk("ended_by", "coach_links", "SET NULL"),
    )
    op.create_index("ix_coach_links_coach_id", "coach_links", ["coach_id"])
    op.create_index("ix_coach_links_candidate_id", "coach_links", ["candidate_id"])
    op.create_index(
        "ix_coach_links_active_pair", "coach_links", ["coach_id", "candidate_id"], unique=True,
        sqlite_where=sa.text(ACTIVE_LINK), postgresql_where=sa.text(ACTIVE_LINK),
    )

    op.create_table(
        "coach_invites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("created_at", timestamp(), nullable=False),
        sa.Column("expires_at", timestamp(), nullable=False),
        sa.Column("accepted_by", sa.Integer(), nullable=True),
        sa.Column("accepted_at", timestamp(), nullable=True),
        sa.Column("revoked_at", timestamp(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_coach_invites"),
        user_fk("candidate_id", "coach_invites", "CASCADE"),
        user_fk("accepted_by", "coach_invites", "SET NULL"),
        sa.UniqueConstraint("code_hash", name="uq_coach_invites_code_hash"),
    )
    op.create_index("ix_coach_invites_candidate_id", "coach_invites", ["candidate_id"])

    op.create_table(
        "turn_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("turn_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", timestamp(), nullable=False),
        sa.Column("updated_at", timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_turn_comments"),
        sa.ForeignKeyConstraint(
            ["turn_id"], ["turns.id"], name="fk_turn_comments_turn_id_turns", ondelete="CASCADE"
        ),
        user_fk("author_id", "turn_comments", "CASCADE"),
    )
    op.create_index("ix_turn_comments_turn_id", "turn_comments", ["turn_id"])

    op.create_table(
        "score_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.String(32), nullable=False),
        sa.Column("turn_id", sa.Integer(), nullable=True),
        sa.Column("area", sa.String(40), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("auto_score", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_score_overrides"),
        sa.ForeignKeyConstraint(
            ["session_id"], ["interview_sessions.id"],
            name="fk_score_overrides_session_id_interview_sessions", ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["turn_id"], ["turns.id"], name="fk_score_overrides_turn_id_turns", ondelete="CASCADE"
        ),
        user_fk("author_id", "score_overrides", "CASCADE"),
        sa.CheckConstraint(
            "(turn_id IS NULL AND area IS NOT NULL) OR (turn_id IS NOT NULL AND area IS NULL)",
            name=op.f("ck_score_overrides_one_target"),
        ),
        sa.CheckConstraint("score >= 0 AND score <= 100", name=op.f("ck_score_overrides_score_range")),
    )
    op.create_index("ix_score_overrides_session_id", "score_overrides", ["session_id"])
    op.create_index("ix_score_overrides_turn_id", "score_overrides", ["turn_id"])
    op.create_index("ix_score_overrides_author_id", "score_overrides", ["author_id"])

    op.create_table(
        "share_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.String(32), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", timestamp(), nullable=False),
        sa.Column("expires_at", timestamp(), nullable=False),
        sa.Column("revoked_at", timestamp(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_share_links"),
        sa.ForeignKeyConstraint(
            ["session_id"], ["interview_sessions.id"],
            name="fk_share_links_session_id_interview_sessions", ondelete="CASCADE",
        ),
        user_fk("created_by", "share_links", "CASCADE"),
        sa.UniqueConstraint("token_hash", name="uq_share_links_token_hash"),
    )
    op.create_index("ix_share_links_session_id", "share_links", ["session_id"])

    op.create_table(
        "share_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("share_link_id", sa.Integer(), nullable=False),
        sa.Column("viewed_at", timestamp(), nullable=False),
        sa.Column("ip", sa.String(64), nullable=True),
        sa.Column("user_agent", sa.String(300), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_share_views"),
        sa.ForeignKeyConstraint(
            ["share_link_id"], ["share_links.id"],
            name="fk_share_views_share_link_id_share_links", ondelete="CASCADE",
        ),
    )
    op.create_index("ix_share_views_share_link_id", "share_views", ["share_link_id"])

    op.create_table(
        "calibration_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coach_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(120), nullable=False),
        sa.Column("sample_key", sa.String(80), nullable=False),
        sa.Column("sample_text", sa.Text(), nullable=False),
        sa.Column("coach_score", sa.Integer(), nullable=False),
        sa.Column("auto_score", sa.Integer(), nullable=False),
        sa.Column("created_at", timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_calibration_ratings"),
        user_fk("coach_id", "calibration_ratings", "CASCADE"),
        sa.UniqueConstraint(
            "coach_id", "question_id", "sample_key",
            name="uq_calibration_ratings_coach_id_question_id_sample_key",
        ),
        sa.CheckConstraint(
            "coach_score >= 0 AND coach_score <= 100",
            name=op.f("ck_calibration_ratings_coach_score_range"),
        ),
    )


def downgrade() -> None:
    op.drop_table("calibration_ratings")
    op.drop_index("ix_share_views_share_link_id", table_name="share_views")
    op.drop_table("share_views")
    op.drop_index("ix_share_links_session_id", table_name="share_links")
    op.drop_table("share_links")
    op.drop_index("ix_score_overrides_author_id", table_name="score_overrides")
    op.drop_index("ix_score_overrides_turn_id", table_name="score_overrides")
    op.drop_index("ix_score_overrides_session_id", table_name="score_overrides")
    op.drop_table("score_overrides")
    op.drop_index("ix_turn_comments_turn_id", table_name="turn_comments")
    op.drop_table("turn_comments")
    op.drop_index("ix_coach_invites_candidate_id", table_name="coach_invites")
    op.drop_table("coach_invites")
    op.drop_index("ix_coach_links_active_pair", table_name="coach_links")
    op.drop_index("ix_coach_links_candidate_id", table_name="coach_links")
    op.drop_index("ix_coach_links_coach_id", table_name="coach_links")
    op.drop_table("coach_links")
