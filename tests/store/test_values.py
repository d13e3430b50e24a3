"""Values come back as they went in: JSON documents, UTC timestamps, defaults."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import StatementError

from interviewbot.store import BankQuestion, ClientMessage, InterviewSession, Turn


def test_json_documents_round_trip(database, create_session):
    plan = {"areas": ["escalation", "metrics"], "count": 5, "mode": "mock",
            "difficulty": [1, 3], "time_limit": 180.5, "note": "première fois — ✓"}
    interview = create_session(plan=plan, question_ids=["a", "b", "c"],
                               summary={"score": 72, "areas": {"metrics": {"score": 60}}})

    with database.session() as session:
        loaded = session.get(InterviewSession, interview.id)

    assert loaded.plan == plan
    assert loaded.question_ids == ["a", "b", "c"]
    assert loaded.summary == {"score": 72, "areas": {"metrics": {"score": 60}}}


def test_json_replies_and_ratings_round_trip(database, create_session, add_turn):
    interview = create_session()
    rating = {"score": 64, "concepts": [{"id": "ownership", "hit": True, "evidence": [[3, 9]]}]}
    turn = add_turn(interview, 0, rating=rating)
    replies = [{"type": "feedback", "turn": 0}, {"type": "ask", "text": "Next?"}]
    with database.session() as session:
        session.add(ClientMessage(session_id=interview.id, client_msg_id="m", type="answer",
                                  replies=replies))

    with database.session() as session:
        assert session.get(Turn, turn.id).rating == rating
        assert session.scalars(select(ClientMessage.replies)).one() == replies


def test_a_missing_json_value_is_sql_null(database, create_session):
    interview = create_session(summary=None)
    with database.session() as session:
        is_null = session.execute(
            text("SELECT summary IS NULL FROM interview_sessions WHERE id = :id"),
            {"id": interview.id},
        ).scalar_one()
    assert is_null in (True, 1)


def test_timestamps_come_back_aware_in_utc(database, create_session, add_turn):
    paris = timezone(timedelta(hours=2))
    deadline = datetime(2025, 6, 1, 14, 30, 15, 123456, tzinfo=paris)
    interview = create_session()
    turn = add_turn(interview, 0, deadline=deadline)

    with database.session() as session:
        loaded = session.get(Turn, turn.id)
        created = session.get(InterviewSession, interview.id).created_at

    assert loaded.deadline == deadline
    assert loaded.deadline.tzinfo == timezone.utc
    assert loaded.deadline.hour == 12
    assert created.tzinfo == timezone.utc
    assert abs(datetime.now(timezone.utc) - created) < timedelta(minutes=1)


def test_naive_timestamps_are_refused(database, create_session, add_turn):
    interview = create_session()
    with pytest.raises(StatementError, match="naive datetime"):
        add_turn(interview, 0, deadline=datetime(2025, 6, 1, 12, 0))


def test_defaults_fill_in_a_new_session(create_session):
    interview = create_session()
    assert len(interview.id) >= 22
    assert interview.status == "active"
    assert interview.created_at.tzinfo == timezone.utc


def test_session_ids_differ(create_session):
    assert len({create_session().id for _ in range(20)}) == 20


def test_turns_load_in_position_order(database, create_session, add_turn):
    interview = create_session()
    for position in (2, 0, 1):
        add_turn(interview, position)
    with database.session() as session:
        turns = session.get(InterviewSession, interview.id).turns
        assert [t.position for t in turns] == [0, 1, 2]


def test_bank_questions_keep_their_data(database):
    question = BankQuestion(id="esc-angry-customer", bank_version="2025.1", area="escalation",
                            kind="behavioural", difficulty=2, text="Tell me about...",
                            data={"follow_ups": [{"concept": "empathy", "text": "How?"}]})
    with database.session() as session:
        session.add(question)
    with database.session() as session:
        loaded = session.get(BankQuestion, "esc-angry-customer")
    assert loaded.data == {"follow_ups": [{"concept": "empathy", "text": "How?"}]}
    assert loaded.updated_at.tzinfo == timezone.utc
