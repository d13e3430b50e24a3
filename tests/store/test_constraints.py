"""Constraints that keep a session's record straight, enforced by the database itself."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from interviewbot.store import ClientMessage, InterviewSession, Turn, User


def count(database, model, **where) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(model).filter_by(**where))


def test_a_second_turn_at_the_same_position_is_rejected(database, create_session, add_turn):
    interview = create_session()
    add_turn(interview, 0)

    with pytest.raises(IntegrityError):
        add_turn(interview, 0)
    assert count(database, Turn, session_id=interview.id) == 1


def test_the_same_position_is_free_in_another_session(database, create_session, add_turn):
    first, second = create_session(), create_session()
    add_turn(first, 0)
    add_turn(second, 0)
    assert count(database, Turn) == 2


def test_a_client_message_id_answers_one_turn_per_session(database, create_session, add_turn):
    interview = create_session()
    add_turn(interview, 0, client_msg_id="m-1")

    with pytest.raises(IntegrityError):
        add_turn(interview, 1, client_msg_id="m-1")


def test_turns_without_a_client_message_id_are_many(database, create_session, add_turn):
    interview = create_session()
    for position in range(3):
        add_turn(interview, position, client_msg_id=None)
    assert count(database, Turn, session_id=interview.id) == 3


def test_a_client_message_is_stored_once_per_session(database, create_session):
    interview = create_session()
    with database.session() as session:
        session.add(ClientMessage(session_id=interview.id, client_msg_id="m-1", type="answer"))

    with pytest.raises(IntegrityError):
        with database.session() as session:
            session.add(ClientMessage(session_id=interview.id, client_msg_id="m-1", type="answer"))
    assert count(database, ClientMessage, session_id=interview.id) == 1


def test_the_same_client_message_id_is_free_in_another_session(database, create_session):
    first, second = create_session(), create_session()
    with database.session() as session:
        session.add_all([ClientMessage(session_id=s.id, client_msg_id="m-1", type="answer")
                         for s in (first, second)])
    assert count(database, ClientMessage) == 2


def test_a_turn_needs_an_existing_session(database):
    with pytest.raises(IntegrityError):
        with database.session() as session:
            session.add(Turn(session_id="no-such-session", position=0, question_id="q", prompt="?"))


def test_emails_are_unique(create_user):
    create_user("ana@example.com")
    with pytest.raises(IntegrityError):
        create_user("ana@example.com")


def populate(database, interview, add_turn) -> None:
    add_turn(interview, 0, client_msg_id="m-1")
    add_turn(interview, 1, kind="follow_up", parent_position=0, concept="empathy")
    with database.session() as session:
        session.add(ClientMessage(session_id=interview.id, client_msg_id="m-1", type="answer",
                                  replies=[{"type": "feedback"}]))


def test_deleting_a_session_removes_its_turns_and_messages(database, create_session, add_turn):
    interview, other = create_session(), create_session()
    populate(database, interview, add_turn)
    populate(database, other, add_turn)

    with database.session() as session:
        session.execute(delete(InterviewSession).where(InterviewSession.id == interview.id))

    assert count(database, Turn, session_id=interview.id) == 0
    assert count(database, ClientMessage, session_id=interview.id) == 0
    assert count(database, Turn, session_id=other.id) == 2
    assert count(database, ClientMessage, session_id=other.id) == 1


def test_deleting_a_loaded_session_through_the_orm_cascades_too(database, create_session, add_turn):
    interview = create_session()
    populate(database, interview, add_turn)

    with database.session() as session:
        session.delete(session.get(InterviewSession, interview.id))

    assert count(database, Turn) == 0
    assert count(database, ClientMessage) == 0


def test_deleting_a_user_removes_their_sessions(database, create_user, create_session, add_turn):
    user = create_user()
    interview = create_session(owner=user)
    guest = create_session()
    populate(database, interview, add_turn)

    with database.session() as session:
        session.delete(session.get(User, user.id))

    assert count(database, InterviewSession, id=interview.id) == 0
    assert count(database, Turn) == 0
    assert count(database, InterviewSession, id=guest.id) == 1
