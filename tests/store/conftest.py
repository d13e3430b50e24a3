"""Fixtures for the storage layer: a migrated database per test, on every configured engine,
and factories that add rows and return them."""
from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from dbutil import database_urls, fresh_database

from interviewbot.store import Database, InterviewSession, Turn, User


@pytest.fixture(params=database_urls())
def database_kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def db_url(database_kind: str) -> Iterator[str]:
    with fresh_database(database_kind) as url:
        yield url


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    db = Database(db_url)
    yield db
    db.dispose()


@pytest.fixture
def create_user(database: Database) -> Callable[..., User]:
    numbers = itertools.count(1)

    def create(email: str | None = None, **fields: Any) -> User:
        user = User(email=email or f"user{next(numbers)}@example.com", **fields)
        with database.session() as session:
            session.add(user)
        return user

    return create


@pytest.fixture
def create_session(database: Database) -> Callable[..., InterviewSession]:
    def create(owner: User | None = None, **fields: Any) -> InterviewSession:
        values: dict[str, Any] = {
            "owner_id": owner.id if owner else None,
            "is_guest": owner is None,
            "mode": "practice",
            "plan": {"areas": ["escalation"], "count": 2, "mode": "practice",
                     "difficulty": None, "time_limit": None},
            "question_ids": ["esc-angry-customer", "esc-vip-outage"],
            "bank_version": "v1",
            "resume_token_hash": "0" * 64,
        }
        values.update(fields)
        interview = InterviewSession(**values)
        with database.session() as session:
            session.add(interview)
        return interview

    return create


@pytest.fixture
def add_turn(database: Database) -> Callable[..., Turn]:
    def add(interview: InterviewSession, position: int, **fields: Any) -> Turn:
        values: dict[str, Any] = {
            "session_id": interview.id,
            "position": position,
            "question_id": interview.question_ids[0],
            "prompt": "Tell me about a time you turned an angry customer around.",
        }
        values.update(fields)
        turn = Turn(**values)
        with database.session() as session:
            session.add(turn)
        return turn

    return add
