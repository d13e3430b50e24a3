"""The coaching tables: built by migration 0002 as the models describe them, with the database
itself holding one active link per coach and candidate and one target per score override."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from dbutil import fresh_database
from sqlalchemy import Engine, delete, func, inspect, select
from sqlalchemy.exc import IntegrityError

from interviewbot.store import (
    Base,
    CalibrationRating,
    CoachLink,
    ScoreOverride,
    Turn,
    TurnComment,
    User,
    alembic_config,
    make_engine,
    upgrade,
    utcnow,
)

COACHING_TABLES = {"coach_links", "coach_invites", "turn_comments", "score_overrides",
                   "share_links", "share_views", "calibration_ratings"}


@pytest.fixture
def empty_url(database_kind: str) -> Iterator[str]:
    with fresh_database(database_kind, migrate=False) as url:
        yield url


@pytest.fixture
def engine(empty_url: str) -> Iterator[Engine]:
    engine = make_engine(empty_url)
    yield engine
    engine.dispose()


@pytest.fixture
def pair(create_user) -> tuple[User, User]:
    return create_user(role="coach"), create_user(role="candidate")


@pytest.fixture
def add_link(database, pair):
    coach, candidate = pair

    def add(ended: bool = False) -> CoachLink:
        now = utcnow()
        row = CoachLink(coach_id=coach.id, candidate_id=candidate.id, created_at=now,
                        ended_at=now if ended else None)
        with database.session() as session:
            session.add(row)
        return row

    return add


@pytest.fixture
def rated_turn(pair, create_session, add_turn) -> Turn:
    _, candidate = pair
    interview = create_session(candidate)
    return add_turn(interview, 0, status="answered", answer_text="An answer.", rating={"score": 40})


@pytest.fixture
def override(pair, rated_turn):
    """A valid turn override's fields: tests change one to break a rule."""
    coach, _ = pair

    def make(**changes) -> ScoreOverride:
        values = {"session_id": rated_turn.session_id, "turn_id": rated_turn.id, "area": None,
                  "author_id": coach.id, "auto_score": 40, "score": 60, "reason": "r"}
        values.update(changes)
        return ScoreOverride(**values)

    return make


def count(database, model) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_upgrade_creates_the_coaching_tables(empty_url, engine):
    upgrade(empty_url)
    assert COACHING_TABLES <= set(inspect(engine).get_table_names())


def test_coaching_schema_matches_the_models(empty_url, engine):
    upgrade(empty_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_one_active_link_index_is_partial_and_unique(empty_url, engine):
    upgrade(empty_url)
    indexes = {i["name"]: i for i in inspect(engine).get_indexes("coach_links")}
    active = indexes["ix_coach_links_active_pair"]

    assert active["unique"]
    assert active["column_names"] == ["coach_id", "candidate_id"]
    where = active["dialect_options"].get(f"{engine.dialect.name}_where")
    assert "ended_at IS NULL" in str(where)
    assert {"ix_coach_links_coach_id", "ix_coach_links_candidate_id"} <= set(indexes)


def test_downgrade_to_0001_removes_only_the_coaching_tables(empty_url, engine):
    upgrade(empty_url)
    command.downgrade(alembic_config(empty_url), "0001")
    tables = set(inspect(engine).get_table_names())

    assert not tables & COACHING_TABLES
    assert {"users", "interview_sessions", "turns"} <= tables


def test_upgrade_after_downgrade_restores_the_coaching_tables(empty_url, engine):
    upgrade(empty_url)
    command.downgrade(alembic_config(empty_url), "0001")
    upgrade(empty_url)
    assert COACHING_TABLES <= set(inspect(engine).get_table_names())


def test_a_second_active_link_for_the_same_pair_is_rejected(database, add_link):
    add_link()
    with pytest.raises(IntegrityError):
        add_link()
    assert count(database, CoachLink) == 1


def test_relinking_after_the_link_ended_is_allowed(database, add_link):
    add_link(ended=True)
    add_link(ended=True)
    add_link()
    assert count(database, CoachLink) == 3


def test_a_coach_may_have_active_links_to_several_candidates(database, create_user, pair):
    coach, candidate = pair
    other = create_user()
    with database.session() as session:
        session.add_all([CoachLink(coach_id=coach.id, candidate_id=candidate.id),
                         CoachLink(coach_id=coach.id, candidate_id=other.id)])
    assert count(database, CoachLink) == 2


def test_a_valid_override_is_stored(database, override, rated_turn):
    with database.session() as session:
        session.add(override())
        session.add(override(turn_id=None, area="escalation"))
    assert count(database, ScoreOverride) == 2


@pytest.mark.parametrize("target", [{"area": "escalation"}, {"turn_id": None}], ids=["both", "neither"])
def test_an_override_names_exactly_one_target(database, override, target):
    with pytest.raises(IntegrityError, match="one_target"):
        with database.session() as session:
            session.add(override(**target))


@pytest.mark.parametrize("score", [-1, 101])
def test_an_override_score_outside_0_to_100_is_rejected(database, override, score):
    with pytest.raises(IntegrityError, match="score_range"):
        with database.session() as session:
            session.add(override(score=score))


def test_a_coach_rates_a_calibration_sample_once(database, pair):
    coach, _ = pair
    values = {"coach_id": coach.id, "question_id": "q", "sample_key": "vague", "sample_text": "t",
              "coach_score": 20, "auto_score": 10}
    with database.session() as session:
        session.add(CalibrationRating(**values))
    with pytest.raises(IntegrityError):
        with database.session() as session:
            session.add(CalibrationRating(**values))


def test_deleting_a_turn_deletes_its_comments_and_overrides(database, pair, rated_turn, override):
    coach, _ = pair
    with database.session() as session:
        session.add(TurnComment(turn_id=rated_turn.id, author_id=coach.id, body="Good."))
        session.add(override())
    with database.session() as session:
        session.execute(delete(Turn).where(Turn.id == rated_turn.id))

    assert count(database, TurnComment) == 0
    assert count(database, ScoreOverride) == 0


def test_deleting_the_admin_who_made_a_link_keeps_the_link(database, create_user, pair):
    coach, candidate = pair
    admin = create_user(role="admin")
    with database.session() as session:
        session.add(CoachLink(coach_id=coach.id, candidate_id=candidate.id, created_by=admin.id,
                              ended_at=utcnow() + timedelta(days=1), ended_by=admin.id))
    with database.session() as session:
        session.execute(delete(User).where(User.id == admin.id))
    with database.session() as session:
        row = session.scalar(select(CoachLink))

    assert (row.created_by, row.ended_by) == (None, None)


def test_deleting_the_coach_deletes_their_links(database, add_link, pair):
    coach, _ = pair
    add_link()
    with database.session() as session:
        session.execute(delete(User).where(User.id == coach.id))
    assert count(database, CoachLink) == 0
