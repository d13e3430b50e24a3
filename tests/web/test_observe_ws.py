"""The live view: a coach watches a linked candidate's session over `/ws/observe/<session>` on a
real server, with real websocket clients signed in through the sign-in form. Through Redis when
TEST_REDIS_URL is set: the candidate on one server, the coach on another.
"""
from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest
import websocket
from argon2 import PasswordHasher

import interviewbot.store.accounts
from interviewbot.store.accounts import create_user
from interviewbot.store.coaching import end_link, link

PASSWORD = "a long enough password"
REDIS_URL = os.environ.get("TEST_REDIS_URL")
WEAK = ("At my last job we had some problems with customers and I worked hard with everyone to "
        "sort things out. We talked a lot and people were happier afterwards and it went well.")
DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"


@pytest.fixture(autouse=True)
def quick_hashing(monkeypatch):
    monkeypatch.setattr(interviewbot.store.accounts, "_hasher",
                        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def live(start_server):
    return start_server(WTF_CSRF_ENABLED=False, LOGIN_RATE_LIMIT="1000 per minute")


class People:
    """Accounts on a server's database, each with a signed-in session cookie."""

    def __init__(self, server):
        self.server = server
        db = server.app.extensions["db"]
        self.users = {"cand_a": create_user(db, "cand-a@example.com", PASSWORD),
                      "cand_b": create_user(db, "cand-b@example.com", PASSWORD),
                      "coach_a": create_user(db, "coach-a@example.com", PASSWORD, "coach"),
                      "coach_b": create_user(db, "coach-b@example.com", PASSWORD, "coach"),
                      "admin": create_user(db, "admin@example.com", PASSWORD, "admin")}
        admin = self.users["admin"].id
        self.link_a = link(db, self.users["coach_a"].id, self.users["cand_a"].id, admin)
        link(db, self.users["coach_b"].id, self.users["cand_b"].id, admin)
        self._cookies: dict[str, str] = {}

    def cookie(self, who: str) -> str:
        """The `Cookie` header of someone signed in through the form."""
        if who not in self._cookies:
            client = self.server.app.test_client()
            response = client.post("/signin", data={"email": self.users[who].email, "password": PASSWORD})
            assert response.status_code == 302
            self._cookies[who] = f"session={client.get_cookie('session').value}"
        return self._cookies[who]


@pytest.fixture
def people(live):
    return People(live)


class Watcher:
    """A websocket client on /ws/observe/<session>."""

    def __init__(self, server, session_id: str, cookie: str | None = None, **kw):
        url = f"ws://127.0.0.1:{server.port}/ws/observe/{session_id}"
        self.ws = websocket.create_connection(url, timeout=10, **({"cookie": cookie} if cookie else {}), **kw)
        self.frames: list[dict] = []

    def recv(self) -> dict:
        frame = json.loads(self.ws.recv())
        self.frames.append(frame)
        return frame

    def until(self, test) -> dict:
        while True:
            frame = self.recv()
            if test(frame):
                return frame

    def close(self) -> None:
        try:
            self.ws.close()
        except Exception:
            pass


@pytest.fixture
def watch():
    opened: list[Watcher] = []

    def open_(server, session_id: str, cookie: str | None = None, **kw) -> Watcher:
        w = Watcher(server, session_id, cookie, **kw)
        opened.append(w)
        return w

    yield open_
    for w in opened:
        w.close()


@pytest.fixture
def candidate(connect, people):
    """candidate(server=live): candidate A's interview socket, signed in, with a session started."""
    def open_(server=None):
        client = connect((server or people.server).ws_url, cookie=people.cookie("cand_a"))
        frames = client.request("start", ("question",), areas=["budgeting"], count=2)
        client.session_id = frames[0]["session"]
        client.question = frames[-1]
        return client
    return open_


def watching(frame: dict, n: int | None = None) -> bool:
    return frame["type"] == "watching" and (n is None or frame["observers"] == n)


def close_code(ws) -> int:
    opcode, data = ws.recv_data(control_frame=True)
    assert opcode == websocket.ABNF.OPCODE_CLOSE
    return int.from_bytes(data[:2], "big")


# -- who may watch ------------------------------------------------------------------------------
@pytest.mark.parametrize("who, code", [
    ("anonymous", "sign_in_required"), ("cand_a", "session_not_found"), ("cand_b", "session_not_found"),
    ("coach_b", "session_not_found"), ("admin", "session_not_found"),
])
def test_only_a_linked_coach_may_watch(live, people, candidate, watch, who, code):
    c = candidate()

    w = watch(live, c.session_id, None if who == "anonymous" else people.cookie(who))
    frame = w.recv()

    assert frame == {"type": "error", "code": code, "message": frame["message"]}
    assert close_code(w.ws) == 1008


def test_the_linked_coach_gets_the_session_so_far(live, people, candidate, watch):
    c = candidate()

    first = watch(live, c.session_id, people.cookie("coach_a")).recv()

    assert first["type"] == "observing" and first["session"] == c.session_id
    assert first["status"] == "active" and first["observers"] == 1
    assert first["turns"] == [{"turn": 0, "kind": "question", "question_id": c.question["question_id"],
                               "text": c.question["text"], "status": "asked", "answer": None}]


def test_an_unknown_session_looks_like_a_foreign_one(live, people, watch):
    w = watch(live, "no-such-session", people.cookie("coach_a"))

    assert w.recv()["code"] == "session_not_found"


def test_a_page_of_another_site_may_not_open_a_watcher(live, people, candidate, watch):
    c = candidate()

    w = watch(live, c.session_id, people.cookie("coach_a"), origin="http://evil.example")

    assert w.recv()["code"] == "forbidden_origin"
    assert close_code(w.ws) == 1008


# -- watching -----------------------------------------------------------------------------------
def test_the_coach_sees_each_answer_and_its_feedback_as_it_happens(live, people, candidate, watch):
    c = candidate()
    w = watch(live, c.session_id, people.cookie("coach_a"))
    w.recv()
    assert c.recv() == {"type": "watching", "observers": 1}

    c.request("answer", ("follow_up", "question"), text=WEAK, turn=0)
    update = w.until(lambda f: f["type"] == "update")

    assert update["turns"][0] == {"turn": 0, "kind": "question", "question_id": c.question["question_id"],
                                  "text": c.question["text"], "status": "answered", "answer": WEAK}
    assert [f["type"] for f in update["frames"]][0] == "feedback"
    assert update["frames"][0]["turn"] == 0 and "score" in update["frames"][0]
    assert "token" not in json.dumps(update)


def test_a_finished_session_is_sent_with_its_feedback_and_summary(live, people, candidate, watch, connect):
    c = candidate()
    c.request("end", ("summary",))

    first = watch(live, c.session_id, people.cookie("coach_a")).recv()

    assert first["status"] == "finished"
    assert first["frames"][-1]["type"] == "summary"


def test_the_candidate_is_told_when_a_coach_starts_and_stops_watching(live, people, candidate, watch):
    c = candidate()

    w = watch(live, c.session_id, people.cookie("coach_a"))
    joined = c.recv()
    w.close()
    left = c.recv()

    assert joined == {"type": "watching", "observers": 1}
    assert left == {"type": "watching", "observers": 0}


def test_a_candidate_who_connects_while_a_coach_watches_is_told_at_once(live, people, candidate, watch, connect):
    c = candidate()
    w = watch(live, c.session_id, people.cookie("coach_a"))
    w.recv()
    c.close()

    again = connect(live.ws_url, cookie=people.cookie("cand_a"))
    again.request("resume", ("question",), session=c.session_id, token="")

    assert again.recv() == {"type": "watching", "observers": 1}


def test_two_coaches_are_counted(live, people, candidate, watch):
    c = candidate()
    db = live.app.extensions["db"]
    other = create_user(db, "coach-c@example.com", PASSWORD, "coach")
    link(db, other.id, people.users["cand_a"].id, people.users["admin"].id)
    people.users["coach_c"] = other

    watch(live, c.session_id, people.cookie("coach_a")).recv()
    second = watch(live, c.session_id, people.cookie("coach_c")).recv()

    assert second["observers"] == 2
    assert any(watching(f, 2) for f in drain(c))


def drain(client, seconds: float = 1.0) -> list[dict]:
    frames, deadline = [], time.monotonic() + seconds
    client.ws.settimeout(0.2)
    while time.monotonic() < deadline:
        try:
            frames.append(client.recv())
        except websocket.WebSocketTimeoutException:
            continue
    client.ws.settimeout(10)
    return frames


def test_ending_the_link_stops_the_live_view(live, people, candidate, watch):
    c = candidate()
    w = watch(live, c.session_id, people.cookie("coach_a"))
    w.recv()

    assert c.recv() == {"type": "watching", "observers": 1}
    end_link(live.app.extensions["db"], people.link_a.id, people.users["cand_a"].id)
    c.request("answer", ("follow_up", "question"), text=WEAK, turn=0)
    frame = w.until(lambda f: f["type"] in ("error", "update"))

    assert frame["type"] == "error" and frame["code"] == "access_ended"
    assert close_code(w.ws) == 1008


def test_a_watcher_may_ping_and_nothing_else(live, people, candidate, watch):
    c = candidate()
    w = watch(live, c.session_id, people.cookie("coach_a"))
    w.recv()

    w.ws.send(json.dumps({"type": "ping", "id": "p1"}))
    pong = w.until(lambda f: f["type"] in ("pong", "error"))
    w.ws.send(json.dumps({"type": "answer", "id": "x", "text": "I am the coach"}))
    refused = w.until(lambda f: f["type"] in ("pong", "error"))

    assert pong == {"type": "pong", "reply_to": "p1"}
    assert refused["code"] == "bad_message"


def test_an_idle_watcher_is_closed(start_server, connect, watch):
    server = start_server(WTF_CSRF_ENABLED=False, LOGIN_RATE_LIMIT="1000 per minute", WS_IDLE_TIMEOUT=0.5)
    people = People(server)
    c = connect(server.ws_url, cookie=people.cookie("cand_a"))
    session_id = c.request("start", ("question",), areas=["budgeting"], count=1)[0]["session"]
    w = watch(server, session_id, people.cookie("coach_a"))
    w.recv()

    frame = w.until(lambda f: f["type"] == "error")

    assert frame["code"] == "idle_timeout"
    assert close_code(w.ws) == 1000


# -- across processes (Redis) -------------------------------------------------------------------
@pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL is not set")
def test_a_coach_on_another_server_watches_through_redis(start_server, connect, watch):
    a = start_server(WTF_CSRF_ENABLED=False, LOGIN_RATE_LIMIT="1000 per minute", REDIS_URL=REDIS_URL)
    b = start_server(WTF_CSRF_ENABLED=False, LOGIN_RATE_LIMIT="1000 per minute", REDIS_URL=REDIS_URL)
    people = People(a)  # one database: both servers see the same accounts and links
    c = connect(a.ws_url, cookie=people.cookie("cand_a"))
    frames = c.request("start", ("question",), areas=["budgeting"], count=2)

    w = watch(b, frames[0]["session"], people.cookie("coach_a"))
    assert w.recv()["type"] == "observing"
    joined = c.recv()
    c.request("answer", ("follow_up", "question"), text=WEAK, turn=0)
    update = w.until(lambda f: f["type"] == "update")

    assert joined == {"type": "watching", "observers": 1}
    assert update["turns"][0]["answer"] == WEAK
    assert a.app.extensions["live"].__class__.__name__ == "RedisFanout"


@pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL is not set")
def test_watchers_on_two_servers_are_counted_together(start_server, connect, watch):
    a = start_server(WTF_CSRF_ENABLED=False, LOGIN_RATE_LIMIT="1000 per minute", REDIS_URL=REDIS_URL)
    b = start_server(WTF_CSRF_ENABLED=False, LOGIN_RATE_LIMIT="1000 per minute", REDIS_URL=REDIS_URL)
    people = People(a)
    db = a.app.extensions["db"]
    other = create_user(db, "coach-c@example.com", PASSWORD, "coach")
    link(db, other.id, people.users["cand_a"].id, people.users["admin"].id)
    people.users["coach_c"] = other
    c = connect(a.ws_url, cookie=people.cookie("cand_a"))
    session_id = c.request("start", ("question",), areas=["budgeting"], count=2)[0]["session"]

    watch(a, session_id, people.cookie("coach_a")).recv()
    second = watch(b, session_id, people.cookie("coach_c")).recv()

    assert second["observers"] == 2


# -- the documentation --------------------------------------------------------------------------
def documented_frames() -> dict[str, set[str]]:
    text = DOC.read_text(encoding="utf-8")
    table = text[text.index("<!-- observer-frames -->"):].split("\n\n")[0]
    found = {}
    for line in table.splitlines()[3:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        found[cells[0].strip("`")] = set(re.findall(r"`([a-z_]+)`", cells[1]))
    return found


def test_the_documented_watcher_frames_are_the_ones_a_watcher_gets(live, people, candidate, watch):
    c = candidate()
    w = watch(live, c.session_id, people.cookie("coach_a"))
    w.recv()
    assert c.recv() == {"type": "watching", "observers": 1}
    c.request("answer", ("follow_up", "question"), text=WEAK, turn=0)
    w.until(lambda f: f["type"] == "update")
    w.ws.send(json.dumps({"type": "ping", "id": "p1"}))
    w.until(lambda f: f["type"] == "pong")
    w.ws.send("not json")
    w.until(lambda f: f["type"] == "error")
    refused = watch(live, c.session_id)
    refused.recv()

    documented = documented_frames()
    for frame in w.frames + refused.frames:
        assert frame["type"] in documented, frame["type"]
        assert set(frame) == documented[frame["type"]], frame["type"]
    assert {f["type"] for f in w.frames + refused.frames} == set(documented)
