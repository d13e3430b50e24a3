"""Scheduling: a person's time zone, coach availability, bookings, the cells of time they hold
(one booking per person per cell, enforced by a unique constraint), calendar feeds.

Revision ID: 0003
Revises: 0002
Create Date: 2025-01-03 00:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE_FEED = "revoked_at IS NULL"


def json_type() -> sa.types.TypeEngine:
    return sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")


def timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def user_fk(column: str, table: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["users.id"], name=f"fk_{table}_{column}_users", ondelete=ondelete
    )


def upgrade() -> None:
    op.add_column("users", sa.Column("timezone", sa.String(64), nullable=True))

    op.create_table(
        "coach_availability",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coach_id", sa.Integer(), nullable=False),
        sa.Column("zone", sa.String(64), nullable=False),
        sa.Column("slot_minutes", sa.Integer(), nullable=False),
        sa.Column("buffer_minutes", sa.Integer(), nullable=False),
        sa.Column("notice_minutes", sa.Integer(), nullable=False),
        sa.Column("windows", json_type(), nullable=False),
        sa.Column("exceptions", json_type(), nullable=False),
        sa.Column("updated_at", timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_coach_availability"),
        user_fk("coach_id", "coach_availability", "CASCADE"),
        sa.UniqueConstraint("coach_id", name="uq_coach_availability_coach_id"),
    )

    op.create_table(
        "bookings",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("coach_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("start_utc", timestamp(), nullable=False),
        sa.Column("end_utc", timestamp(), nullable=False),
        sa.Column("zone", sa.String(64), nullable=False),
        sa.Column("areas", json_type(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(120), nullable=False),
        sa.Column("session_id", sa.String(32), nullable=True),
        sa.Column("created_at", timestamp(), nullable=False),
        sa.Column("updated_at", timestamp(), nullable=False),
        sa.Column("cancelled_at", timestamp(), nullable=True),
        sa.Column("cancelled_by", sa.Integer(), nullable=True),
        sa.Column("candidate_joined_at", timestamp(), nullable=True),
        sa.Column("coach_joined_at", timestamp(), nullable=True),
        sa.Column("no_show_of", sa.String(16), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_bookings"),
        user_fk("coach_id", "bookings", "CASCADE"),
        user_fk("candidate_id", "bookings", "CASCADE"),
        user_fk("cancelled_by", "bookings", "SET NULL"),
        sa.ForeignKeyConstraint(
            ["session_id"], ["interview_sessions.id"],
            name="fk_bookings_session_id_interview_sessions", ondelete="SET NULL",
        ),
        sa.UniqueConstraint("uid", name="uq_bookings_uid"),
        sa.CheckConstraint("end_utc > start_utc", name=op.f("ck_bookings_ends_after_start")),
        sa.CheckConstraint(
            "status IN ('booked', 'cancelled', 'completed', 'no_show')", name=op.f("ck_bookings_status")
        ),
        sa.CheckConstraint(
            "no_show_of IS NULL OR no_show_of IN ('candidate', 'coach')",
            name=op.f("ck_bookings_no_show_of"),
        ),
    )
    op.create_index("ix_bookings_session_id", "bookings", ["session_id"])
    op.create_index("ix_bookings_coach_id_start_utc", "bookings", ["coach_id", "start_utc"])
    op.create_index("ix_bookings_candidate_id_start_utc", "bookings", ["candidate_id", "start_utc"])

    op.create_table(
        "booking_cells",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("cell_start_utc", timestamp(), nullable=False),
        sa.Column("booking_id", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_booking_cells"),
        user_fk("user_id", "booking_cells", "CASCADE"),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name="fk_booking_cells_booking_id_bookings", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("user_id", "cell_start_utc", name="uq_booking_cells_user_id_cell_start_utc"),
    )
    op.create_index("ix_booking_cells_booking_id", "booking_cells", ["booking_id"])

    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", timestamp(), nullable=False),
        sa.Column("revoked_at", timestamp(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_calendar_feeds"),
        user_fk("user_id", "calendar_feeds", "CASCADE"),
        sa.UniqueConstraint("token_hash", name="uq_calendar_feeds_token_hash"),
    )
    op.create_index("ix_calendar_feeds_user_id", "calendar_feeds", ["user_id"])
    op.create_index(
        "ix_calendar_feeds_active_user", "calendar_feeds", ["user_id"], unique=True,
        sqlite_where=sa.text(ACTIVE_FEED), postgresql_where=sa.text(ACTIVE_FEED),
    )


def downgrade() -> None:
    op.drop_index("ix_calendar_feeds_active_user", table_name="calendar_feeds")
    op.drop_index("ix_calendar_feeds_user_id", table_name="calendar_feeds")
    op.drop_table("calendar_feeds")
    op.drop_index("ix_booking_cells_booking_id", table_name="booking_cells")
    op.drop_table("booking_cells")
    op.drop_index("ix_bookings_candidate_id_start_utc", table_name="bookings")
    op.drop_index("ix_bookings_coach_id_start_utc", table_name="bookings")
    op.drop_index("ix_bookings_session_id", table_name="bookings")
    op.drop_table("bookings")
    op.drop_table("coach_availability")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("timezone")
