"""Who may see what: every page and API route, for an anonymous visitor, the owner of a session,
another candidate, a coach and an admin. A session that is not yours answers 404, never 403, and
nobody's answers show up in anyone else's responses.

One set of accounts and real interviews per database, shared by the whole module (the requests
here change nothing except the owner's own delete, which uses a session of its own).
"""
from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from dbutil import database_urls, fresh_database
from sqlalchemy import func, select

from interviewbot.engine.protocol import parse_client_message
from interviewbot.store import InterviewSession, Turn
from interviewbot.store.accounts import create_user
from interviewbot.web import create_app

PASSWORD = "a long enough password"
A_ANSWER = "Candidate A private answer: I cut our budget by 4% with finance and kept CSAT at 88."
B_ANSWER = "Candidate B private answer: I calmed the customer, apologised and owned the fix."
_ids = itertools.count(1)


def message(type_: str, **fields):
    return parse_client_message(json.dumps({"type": type_, "id": f"x{next(_ids)}", **fields}))


def run_interview(app, owner_id: int, areas: list[str], answer: str) -> str:
    service = app.extensions["interviews"]
    started = service.start(owner_id, message("start", areas=areas, count=1, mode="practice"))
    frames = started.frames
    while frames[-1]["type"] in ("question", "follow_up"):
        frames = service.handle(started.session_id, message("answer", text=answer))
    return started.session_id


@dataclass
class World:
    app: object
    clients: dict[str, object]
    a_session: str  # candidate A's practice session, answered
    a_spare: str  # another of A's sessions, for A to delete
    b_session: str
    question: str  # the question A answered (on budgeting; B was never asked it)

    def count(self, model, **where) -> int:
        with self.app.extensions["db"].session() as s:
            query = select(func.count()).select_from(model)
            for name, value in where.items():
                query = query.where(getattr(model, name) == value)
            return s.scalar(query)


WHO = ("anonymous", "owner", "other_candidate", "coach", "admin")


@pytest.fixture(scope="module", params=database_urls())
def world(request):
    with fresh_database(request.param) as url:
        app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": url,
                          "WTF_CSRF_ENABLED": False, "LOGIN_RATE_LIMIT": "1000 per minute"})
        db = app.extensions["db"]
        people = {"owner": create_user(db, "a@example.com", PASSWORD),
                  "other_candidate": create_user(db, "b@example.com", PASSWORD),
                  "coach": create_user(db, "coach@example.com", PASSWORD, "coach"),
                  "admin": create_user(db, "admin@example.com", PASSWORD, "admin")}
        a_session = run_interview(app, people["owner"].id, ["budgeting"], A_ANSWER)
        a_spare = run_interview(app, people["owner"].id, ["budgeting"], A_ANSWER)
        b_session = run_interview(app, people["other_candidate"].id, ["escalation"], B_ANSWER)
        with db.session() as s:
            question = s.scalar(select(Turn.question_id).where(Turn.session_id == a_session))
        clients = {"anonymous": app.test_client()}
        for who, person in people.items():
            client = app.test_client()
            response = client.post("/signin", data={"email": person.email, "password": PASSWORD})
            assert response.status_code == 302
            clients[who] = client
        yield World(app, clients, a_session, a_spare, b_session, question)
        db.dispose()


SIGN_IN = "sign-in"
# route -> (method, path, expected status for: anonymous, owner, other candidate, coach, admin)
ROUTES = {
    "home": ("GET", "/", (200, 200, 200, 200, 200)),
    "practice": ("GET", "/practice", (200, 200, 200, 200, 200)),
    "interview": ("GET", "/interview/{a}", (200, 200, 404, 404, 404)),
    "sessions": ("GET", "/sessions", (SIGN_IN, 200, 200, 200, 200)),
    "transcript": ("GET", "/sessions/{a}", (SIGN_IN, 200, 404, 404, 404)),
    "markdown": ("GET", "/sessions/{a}.md", (SIGN_IN, 200, 404, 404, 404)),
    "json": ("GET", "/sessions/{a}.json", (SIGN_IN, 200, 404, 404, 404)),
    "delete": ("POST", "/sessions/{a}/delete", (SIGN_IN, 302, 404, 404, 404)),
    "delete-get": ("GET", "/sessions/{a}/delete", (405, 405, 405, 405, 405)),
    "account": ("GET", "/account", (SIGN_IN, 200, 200, 200, 200)),
    "account-export": ("GET", "/account/export.json", (SIGN_IN, 200, 200, 200, 200)),
    "api-sessions": ("GET", "/api/sessions", (401, 200, 200, 200, 200)),
    "api-session": ("GET", "/api/sessions/{a}", (401, 200, 404, 404, 404)),
    "example": ("GET", "/questions/{q}/example?session={a}", (SIGN_IN, 200, 404, 404, 404)),
    "retry": ("GET", "/retry/{q}", (SIGN_IN, 200, 404, 404, 404)),
}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("route", ROUTES)
def test_access(world, route, who):
    method, template, expected = ROUTES[route]
    expected = expected[WHO.index(who)]
    target = world.a_spare if (route == "delete" and who == "owner") else world.a_session
    path = template.format(a=target, q=world.question)
    before = world.count(InterviewSession)

    response = world.clients[who].open(path, method=method)
    body = response.get_data(as_text=True)

    if expected == SIGN_IN:
        assert response.status_code == 302
        location = urlsplit(response.headers["Location"])
        assert location.path == "/signin" and not location.netloc
    else:
        assert response.status_code == expected, body[:500]
    if route == "delete" and who == "owner":
        assert response.headers["Location"] == "/sessions"
        assert world.count(InterviewSession, id=world.a_spare) == 0
    else:
        assert world.count(InterviewSession) == before  # nothing else deletes anything
    if path.startswith("/api/") and response.status_code in (401, 404):
        assert response.is_json and response.get_json()["error"]
    _assert_no_one_elses_data(world, who, path, body)


def _assert_no_one_elses_data(world, who: str, path: str, body: str) -> None:
    others = {"owner": [B_ANSWER, world.b_session],
              "other_candidate": [A_ANSWER, world.a_session, world.a_spare]}.get(
        who, [A_ANSWER, B_ANSWER, world.a_session, world.a_spare, world.b_session])
    for secret in others:
        if secret in path:
            continue  # an id the caller typed in may come back (a redirect's next=, the guest page)
        assert secret not in body and json.dumps(secret)[1:-1] not in body, f"{secret!r} leaked to {who}"


@pytest.mark.parametrize("route", ["sessions", "api-sessions", "account-export"])
def test_own_listings_show_own_sessions(world, route):
    _, path, _ = ROUTES[route]
    mine = world.clients["other_candidate"].get(path).get_data(as_text=True)
    assert world.b_session in mine and world.a_session not in mine
    owners = world.clients["owner"].get(path).get_data(as_text=True)
    assert world.a_session in owners and world.b_session not in owners


def test_owner_sees_own_answer_in_transcript_and_exports(world):
    client = world.clients["owner"]
    for path in ("/sessions/{a}", "/sessions/{a}.md", "/api/sessions/{a}"):
        body = client.get(path.format(a=world.a_session)).get_data(as_text=True)
        assert "Candidate A private answer" in body


def test_unknown_session_looks_the_same_as_someone_elses(world):
    client = world.clients["other_candidate"]
    foreign = client.get(f"/sessions/{world.a_session}")
    unknown = client.get("/sessions/no-such-session-id-000")
    assert foreign.status_code == unknown.status_code == 404
    assert _without_tokens(foreign.get_data()) == _without_tokens(unknown.get_data())


def _without_tokens(page: bytes) -> bytes:
    return re.sub(rb'<meta name="csrf-token" content="[^"]*">', b"", page)
