"""The coach's pages run as many SQL statements for many sessions, turns and candidates as for
few: no query per row (N+1), in the storage functions or in the templates that render them.

Statements are counted on the engine (``before_cursor_execute``) around the functions the pages
call and around the pages themselves, served by the Flask app. Interviews are real ones, run
through the interview operations and rated; coaches comment on and re-score every answer, so a
loop that loaded comments, overrides or people one row at a time would show in the count.
"""
from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import event, select

from interviewbot.engine.protocol import parse_client_message
from interviewbot.store import Database, Turn, User
from interviewbot.store.accounts import get_user
from interviewbot.store.coaching import (add_comment, can_view_session, comments_for_session,
                                         effective_session_scores, is_linked, link, override_area,
                                         override_history, override_turn)
from interviewbot.store.coaching_views import SessionFilters, caseload, coach_session_page
from interviewbot.store.sessions import attempts, transcript_for_owner
from interviewbot.web import create_app

PER_PAGE = 25  # the coach's session list
CLOSING = " In the quarterly review the board saw CSAT rise."  # every answer ends so: search for it
_ids = itertools.count(1)


def message(type_: str, **fields: Any):
    return parse_client_message(json.dumps({"type": type_, "id": f"m{next(_ids)}", **fields}))


@pytest.fixture
def app(db_url):
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": db_url,
                      "LOG_LEVEL": "WARNING"})
    yield app
    app.extensions["db"].dispose()


@dataclass
class Coaching:
    """A coach with linked candidates, and ways to give them coached interviews."""

    app: Any
    coach: User
    admin: User

    @property
    def db(self) -> Database:
        return self.app.extensions["db"]

    def candidate(self) -> User:
        user = User(email=f"candidate{next(_ids)}@example.com", role="candidate")
        with self.db.session() as s:
            s.add(user)
        link(self.db, self.coach.id, user.id, self.admin.id)
        return user

    def interview(self, owner: User, count: int = 2, areas: tuple[str, ...] = ("budgeting", "escalation"),
                  coached: bool = True) -> str:
        """A finished practice interview answered with the bank's example answers (and
        :data:`CLOSING`); with
        ``coached``, every answer has a comment and a new score, and the first area too."""
        bank = self.app.extensions["bank"]
        service = self.app.extensions["interviews"]
        started = service.start(owner.id, message("start", areas=list(areas), count=count))
        frames = started.frames
        while frames[-1]["type"] in ("question", "follow_up"):
            question = bank.questions[frames[-1]["question_id"]]
            frames = service.handle(started.session_id,
                                    message("answer", text=question.example_answer + CLOSING))
        if coached:
            for turn in self.turns(started.session_id):
                add_comment(self.db, turn.id, self.coach, "Lead with the **outcome**.")
                override_turn(self.db, turn.id, self.coach, 60, "The rater missed the trade-off.")
            area = sorted(effective_session_scores(self.db, started.session_id)["areas"])[0]
            override_area(self.db, started.session_id, area, self.coach, 70, "Better than the mean says.")
        return started.session_id

    def turns(self, session_id: str) -> list[Turn]:
        with self.db.session() as s:
            return list(s.scalars(select(Turn).where(Turn.session_id == session_id,
                                                     Turn.rating.is_not(None))))

    def signed_in(self, user: User):
        client = self.app.test_client()
        with client.session_transaction() as session:
            session["user_id"] = user.id
        return client


@pytest.fixture
def coaching(app) -> Coaching:
    db = app.extensions["db"]
    coach = User(email="coach@example.com", role="coach")
    admin = User(email="admin@example.com", role="admin")
    with db.session() as s:
        s.add_all([coach, admin])
    return Coaching(app, coach, admin)


@pytest.fixture
def count_statements(app) -> Iterator[Callable[[Callable[[], Any]], int]]:
    """count_statements(fn): how many SQL statements fn() runs."""
    engine = app.extensions["db"].engine
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)

    def run(fn: Callable[[], Any]) -> int:
        statements.clear()
        fn()
        return len(statements)

    yield run
    event.remove(engine, "before_cursor_execute", record)


FILTERS = {
    "all": SessionFilters(),
    "filtered": SessionFilters(area="escalation", mode="practice", status="finished", score_min=0),
    "search": SessionFilters(text="quarterly csat"),
}


def listing_counts(c: Coaching, count_statements, page: int = 1) -> dict[str, int]:
    return {name: count_statements(lambda f=f: coach_session_page(c.db, c.coach.id, f, page, PER_PAGE))
            for name, f in FILTERS.items()}


def test_the_session_list_and_search_run_as_many_statements_for_30_sessions_as_for_3(
        coaching, count_statements):
    candidate = coaching.candidate()
    for _ in range(3):
        coaching.interview(candidate)
    few = listing_counts(coaching, count_statements)
    assert coach_session_page(coaching.db, coaching.coach.id, FILTERS["search"]).total == 3

    others = [coaching.candidate() for _ in range(3)]
    for n in range(27):
        coaching.interview(others[n % 3])
    many = listing_counts(coaching, count_statements)
    second_page = listing_counts(coaching, count_statements, page=2)

    listing = coach_session_page(coaching.db, coaching.coach.id, FILTERS["search"])
    assert (listing.total, len(listing.rows), all(r.snippet for r in listing.rows)) == (30, PER_PAGE, True)
    assert many == few
    assert second_page == few


def test_the_caseload_runs_as_many_statements_for_six_candidates_as_for_one(coaching, count_statements):
    first = coaching.candidate()
    coaching.interview(first)
    one = count_statements(lambda: caseload(coaching.db, coaching.coach.id))

    for _ in range(5):
        more = coaching.candidate()
        for _ in range(3):
            coaching.interview(more)
    six = count_statements(lambda: caseload(coaching.db, coaching.coach.id))

    people = caseload(coaching.db, coaching.coach.id)
    assert [(p.sessions, p.average is not None) for p in people] == [(1, True)] + [(3, True)] * 5
    assert six == one


def review_loads(c: Coaching, session_id: str) -> None:
    """What the coach's review page loads (interviewbot/web/coach.py)."""
    row = can_view_session(c.db, c.coach, session_id)
    comments_for_session(c.db, row.id)
    override_history(c.db, row.id)
    effective_session_scores(c.db, row.id)
    is_linked(c.db, c.coach.id, row.owner_id)
    get_user(c.db, row.owner_id)


def own_transcript_loads(c: Coaching, session_id: str, owner: User) -> None:
    """What the candidate's own transcript page loads (interviewbot/web/history.py)."""
    row = transcript_for_owner(c.db, session_id, owner.id)
    attempts(c.db, owner.id, [t.question_id for t in row.turns if t.kind == "question"])
    comments_for_session(c.db, row.id)
    override_history(c.db, row.id)


def test_a_transcript_loads_in_as_many_statements_with_ten_coached_answers_as_with_one(
        coaching, count_statements):
    candidate = coaching.candidate()
    short = coaching.interview(candidate, count=1, areas=("budgeting",))
    long = coaching.interview(candidate, count=10, areas=("budgeting", "escalation", "metrics"))
    assert len(coaching.turns(short)) <= 2 < 10 <= len(coaching.turns(long))

    assert (count_statements(lambda: review_loads(coaching, long))
            == count_statements(lambda: review_loads(coaching, short)))
    assert (count_statements(lambda: own_transcript_loads(coaching, long, candidate))
            == count_statements(lambda: own_transcript_loads(coaching, short, candidate)))


# -- the pages, templates included ----------------------------------------------------------------
PAGES = ("/coach", "/coach/sessions", "/coach/sessions?q=quarterly+csat",
         "/coach/sessions?area=escalation&mode=practice&status=finished&score_min=0")


def page_counts(client, count_statements, paths=PAGES) -> dict[str, int]:
    counts = {}
    for path in paths:
        def get(path=path):
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
        counts[path] = count_statements(get)
    return counts


def test_the_coachs_pages_run_as_many_statements_for_many_candidates_and_sessions_as_for_few(
        coaching, count_statements):
    client = coaching.signed_in(coaching.coach)
    candidate = coaching.candidate()
    for _ in range(2):
        coaching.interview(candidate)
    few = page_counts(client, count_statements)

    others = [coaching.candidate() for _ in range(4)]
    for n in range(28):
        coaching.interview(others[n % 4])
    many = page_counts(client, count_statements)
    later = page_counts(client, count_statements, ["/coach/sessions?page=2"])

    assert many == few
    assert later["/coach/sessions?page=2"] == few["/coach/sessions"]


def test_the_transcript_pages_run_as_many_statements_with_ten_coached_answers_as_with_one(
        coaching, count_statements):
    candidate = coaching.candidate()
    short = coaching.interview(candidate, count=1, areas=("budgeting",))
    long = coaching.interview(candidate, count=10, areas=("budgeting", "escalation", "metrics"))
    coach, own = coaching.signed_in(coaching.coach), coaching.signed_in(candidate)

    for client, prefix in ((coach, "/coach/sessions/"), (own, "/sessions/")):
        counts = page_counts(client, count_statements, [prefix + short, prefix + long])
        assert counts[prefix + long] == counts[prefix + short], prefix
