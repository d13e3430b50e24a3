"""Faults a live interview must survive: connections dropped at any point, the database failing
for a moment, garbage on the socket and message floods. Real server, real websocket, real
database (SQLite, and PostgreSQL when TEST_DATABASE_URL is set)."""
from __future__ import annotations

import json
import logging
import random
import secrets
import socket
import sqlite3
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest
import websocket
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from interviewbot.store import ClientMessage, Turn

REPLY_ENDS = ("question", "follow_up", "summary", "error")
WEAK = ("At my last job we had some problems with customers and I worked hard with everyone to "
        "sort things out. We talked a lot and people were happier afterwards and it went well.")


def read_reply(ws: websocket.WebSocket, msg_id: str) -> list[dict[str, Any]]:
    """The frames answering `msg_id`, up to the one that ends a reply (practice mode sends
    nothing unasked, so every frame must carry the id)."""
    frames = []
    while True:
        frame = json.loads(ws.recv())
        assert frame.get("reply_to") == msg_id, (msg_id, frame)
        frames.append(frame)
        if frame["type"] in REPLY_ENDS:
            return frames


def answered_turns(server, session_ids) -> list[tuple[str, str | None, str]]:
    with server.app.extensions["db"].session() as s:
        return s.execute(select(Turn.session_id, Turn.client_msg_id, Turn.answer_text)
                         .where(Turn.session_id.in_(list(session_ids)), Turn.answer_text.is_not(None))).all()


# -- 1,000 dropped connections ---------------------------------------------------------------

DROPS = ("before_hello", "after_resume", "half_frame", "after_send", "mid_reply", "after_reply")


class Candidate:
    """Keeps interviews going across dropped connections, as docs/protocol.md tells a client to:
    it remembers its session, token and the answer it has not seen acknowledged, and after every
    reconnect it resumes and sends that answer again with the same id. A `server_error` reply is
    retried with the same id too."""

    def __init__(self, url: str, rng: random.Random, name: str, answers: list[str]):
        self.url, self.rng, self.name, self.answers = url, rng, name, answers
        self.session: str | None = None
        self.token: str | None = None
        self.prompt: dict[str, Any] | None = None  # the open question or follow-up, or the summary
        self.pending: dict[str, Any] | None = None  # an answer sent but not acknowledged
        self.sent: dict[str, dict[str, str]] = defaultdict(dict)  # session -> answer id -> text
        self.server_errors = 0
        self.n = 0

    def new_id(self, kind: str) -> str:
        self.n += 1
        return f"{self.name}-{kind}{self.n}"

    def cycle(self, drop: str) -> None:
        """One connection: resume (or start), settle the pending answer, maybe send a new one,
        and drop the connection at the scripted point."""
        ws = websocket.create_connection(self.url, timeout=20)
        try:
            if drop == "before_hello":
                return
            assert json.loads(ws.recv())["type"] == "hello"
            if self.session is None or self.prompt["type"] == "summary":
                frames = self.request(ws, {"type": "start", "id": self.new_id("start"), "areas": "all", "count": 4})
                self.session, self.token = frames[0]["session"], frames[0]["token"]
            else:
                frames = self.request(ws, {"type": "resume", "id": self.new_id("resume"),
                                           "session": self.session, "token": self.token})
                assert frames[0]["type"] == "session" and frames[0]["resumed"], frames[0]
            self.prompt = frames[-1]
            if self.pending is not None:
                self.settle(self.request(ws, self.pending))
            if drop == "after_resume" or self.prompt["type"] == "summary":
                return
            msg = {"type": "answer", "id": self.new_id("a"), "text": self.rng.choice(self.answers),
                   "turn": self.prompt["turn"]}
            self.pending = msg
            self.sent[self.session][msg["id"]] = msg["text"]
            data = json.dumps(msg)
            if drop == "half_frame":
                frame = websocket.ABNF.create_frame(data, websocket.ABNF.OPCODE_TEXT).format()
                ws.sock.sendall(frame[: self.rng.randrange(1, len(frame))])
                return
            ws.send(data)
            if drop == "after_send":
                return
            if drop == "mid_reply":
                json.loads(ws.recv())  # the first frame of the reply; the rest is still coming
                return
            frames = read_reply(ws, msg["id"])
            self.settle(frames if frames[-1].get("code") != "server_error" else self.request(ws, msg, retry=True))
        finally:
            if self.rng.random() < 0.5:
                ws.shutdown()  # the network goes away: no close frame
            else:
                ws.close(timeout=1)

    def request(self, ws: websocket.WebSocket, msg: dict[str, Any], retry: bool = False) -> list[dict[str, Any]]:
        """Send `msg` and read its reply; after `server_error`, send it again with the same id."""
        for attempt in range(1, 6):
            if retry:
                self.server_errors += 1
                time.sleep(0.05 * attempt)
            ws.send(json.dumps(msg))
            frames = read_reply(ws, msg["id"])
            if frames[-1]["type"] != "error" or frames[-1]["code"] != "server_error":
                return frames
            retry = True
        raise AssertionError(f"{msg['type']} {msg['id']} kept failing with server_error")

    def settle(self, frames: list[dict[str, Any]]) -> None:
        """The reply to the pending answer has arrived: it is acknowledged."""
        assert frames[0]["type"] == "feedback" and frames[0]["turn"] == self.pending["turn"], frames[0]
        self.prompt = frames[-1]
        self.pending = None


def server_errors(caplog) -> list[logging.LogRecord]:
    """Errors the server logged. Left out: the websocket client's own log, and SQLite's "database
    is locked" after its busy timeout, which the server turns into `server_error` (retried by the
    client like any other; a known limit of SQLite under many concurrent writers)."""
    def expected(r: logging.LogRecord) -> bool:
        return r.name == "websocket" or (r.exc_info is not None and "database is locked" in str(r.exc_info[1]))

    return [r for r in caplog.records if r.levelno >= logging.ERROR and not expected(r)]


def test_a_thousand_dropped_connections_lose_and_duplicate_no_answer(server, caplog):
    bank = server.app.extensions["bank"]
    answers = [WEAK] + [q.example_answer for q in list(bank.questions.values())[:12]]
    workers, cycles = 10, 100
    rng = random.Random(20240611)
    candidates = [Candidate(server.ws_url, random.Random(rng.random()), f"w{k}", answers) for k in range(workers)]

    def work(c: Candidate) -> int:
        done = 0
        for _ in range(cycles):
            c.cycle(c.rng.choice(DROPS))
            done += 1
        while c.pending is not None:  # a last reconnect settles what is still unacknowledged
            c.cycle("after_resume")
            done += 1
        return done

    with caplog.at_level(logging.ERROR), ThreadPoolExecutor(workers) as pool:
        total = sum(pool.map(work, candidates))

    assert total >= 1000
    sent = {(sid, mid): t for c in candidates for sid, ids in c.sent.items() for mid, t in ids.items()}
    rows = answered_turns(server, {sid for sid, _ in sent})
    stored = {(sid, mid): t for sid, mid, t in rows}
    assert len(rows) == len(stored) == len(sent) > 400  # one row per answer, none without an id
    assert stored == sent
    assert not server_errors(caplog)


# -- the database failing for a moment --------------------------------------------------------

def is_postgres(server) -> bool:
    return server.app.extensions["db"].engine.dialect.name == "postgresql"


def tagged(db_url: str, name: str) -> str:
    """The same database, with connections PostgreSQL can tell apart (application_name)."""
    if not db_url.startswith("postgresql"):
        return db_url
    return make_url(db_url).update_query_dict({"application_name": name}).render_as_string(hide_password=False)


class Outage:
    """Make the app's database fail the way a real outage does.

    `commit_fails()`: the next COMMIT of the app fails after every statement of its transaction
    ran (PostgreSQL: the app's backend is terminated just before it commits; SQLite: the driver
    reports a disk I/O error instead of committing). `down()`: until `up()`, the app cannot
    reach the database (PostgreSQL: its backends are terminated and it reconnects to a closed
    port; SQLite: the pool is emptied and it reopens the file under a path that does not exist).
    """

    def __init__(self, server, name: str):
        self.db = server.app.extensions["db"]
        self.engine = self.db.engine
        self.name = name
        self.postgres = is_postgres(server)
        self.admin = create_engine(tagged(self.db.url, f"{name}_admin"), poolclass=NullPool) if self.postgres else None
        self.statements: list[str] = []  # of the transaction whose commit failed
        self._current: list[str] = []
        self._unreachable = False
        event.listen(self.engine, "before_cursor_execute", self._record)
        event.listen(self.engine, "do_connect", self._connect)

    def _record(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self._current.append(statement)

    def _connect(self, dialect, conn_rec, cargs, cparams) -> None:
        if self._unreachable:
            if self.postgres:
                cparams["port"] = closed_port()
            else:
                cargs[0] = f"/nonexistent-{secrets.token_hex(4)}/interviewbot.db"

    def terminate_backends(self) -> int:
        with self.admin.begin() as c:
            return len(c.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                      "WHERE application_name = :name AND pid <> pg_backend_pid()"),
                                 {"name": self.name}).all())

    @contextmanager
    def commit_fails(self):
        dialect = self.engine.dialect
        real_commit = dialect.do_commit
        failed = threading.Event()

        def do_commit(dbapi_connection):
            if failed.is_set():
                return real_commit(dbapi_connection)
            failed.set()
            self.statements = list(self._current)
            if self.postgres:
                self.terminate_backends()
                return real_commit(dbapi_connection)  # fails: the backend is gone
            raise sqlite3.OperationalError("disk I/O error")

        def begin(conn) -> None:
            self._current = []

        dialect.do_commit = do_commit
        event.listen(self.engine, "begin", begin)
        try:
            yield failed
        finally:
            dialect.do_commit = real_commit
            event.remove(self.engine, "begin", begin)

    def down(self) -> None:
        self._unreachable = True
        if self.postgres:
            assert self.terminate_backends() > 0
        else:
            self.engine.pool.dispose()

    def up(self) -> None:
        self._unreachable = False

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)
        event.remove(self.engine, "do_connect", self._connect)
        if self.admin is not None:
            self.admin.dispose()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


@pytest.fixture
def outage_server(start_server, db_url):
    name = f"faults_{secrets.token_hex(4)}"
    server = start_server(DATABASE_URL=tagged(db_url, name))
    outage = Outage(server, name)
    yield server, outage
    outage.up()
    outage.close()


def start_session(ws_url: str) -> tuple[websocket.WebSocket, dict[str, Any], dict[str, Any]]:
    ws = websocket.create_connection(ws_url, timeout=20)
    assert json.loads(ws.recv())["type"] == "hello"
    ws.send(json.dumps({"type": "start", "id": "s1", "areas": ["budgeting"], "count": 2}))
    frames = read_reply(ws, "s1")
    return ws, frames[0], frames[-1]


def test_an_answer_whose_commit_fails_is_not_half_written_and_its_retry_is_stored_once(outage_server):
    server, outage = outage_server
    ws, session, question = start_session(server.ws_url)
    answer = {"type": "answer", "id": "a1", "text": WEAK, "turn": question["turn"]}
    with outage.commit_fails() as failed:
        ws.send(json.dumps(answer))
        (error,) = read_reply(ws, "a1")
    assert failed.is_set() and error["code"] == "server_error"
    written = [s.split()[0:3] for s in outage.statements if not s.lstrip().upper().startswith("SELECT")]
    assert ["UPDATE", "turns", "SET"] in written and ["INSERT", "INTO", "client_messages"] in written

    with server.app.extensions["db"].session() as s:  # the failed transaction left nothing behind
        turns = s.execute(select(Turn.position, Turn.status, Turn.answer_text, Turn.client_msg_id)
                          .where(Turn.session_id == session["session"])).all()
        replies = s.scalars(select(ClientMessage.client_msg_id)
                            .where(ClientMessage.session_id == session["session"])).all()
    assert turns == [(0, "asked", None, None)] and replies == ["s1"]

    ws.send(json.dumps(answer))  # the database is back: the same message again
    first = read_reply(ws, "a1")
    ws.send(json.dumps(answer))
    again = read_reply(ws, "a1")
    ws.close()
    assert first[0]["type"] == "feedback" and first[0]["turn"] == 0 and again == first
    assert answered_turns(server, [session["session"]]) == [(session["session"], "a1", WEAK)]


def test_a_client_retrying_through_a_database_outage_gets_server_error_then_exactly_one_answer(outage_server):
    server, outage = outage_server
    ws, session, question = start_session(server.ws_url)
    answer = json.dumps({"type": "answer", "id": "a1", "text": WEAK, "turn": question["turn"]})
    outage.down()
    codes = []
    try:
        for attempt in range(3):  # what a client does: the same message, a little later
            ws.send(answer)
            (error,) = read_reply(ws, "a1")
            codes.append(error["code"])
            time.sleep(0.1)
    finally:
        outage.up()
    assert codes == ["server_error"] * 3
    assert answered_turns(server, [session["session"]]) == []
    for attempt in range(2):
        ws.send(answer)
        frames = read_reply(ws, "a1")
        assert frames[0]["type"] == "feedback" and frames[0]["turn"] == 0
    ws.close()
    assert answered_turns(server, [session["session"]]) == [(session["session"], "a1", WEAK)]


# -- garbage on the socket --------------------------------------------------------------------

ERROR_CODES = {  # docs/protocol.md, "Error codes"; server_error is a crash, never expected here
    "bad_json", "binary_frame", "bad_message", "unknown_type", "invalid_field", "missing_field",
    "too_large", "empty_answer", "out_of_order", "unknown_area", "unknown_question", "invalid_plan",
    "session_not_found", "session_finished", "stale_turn", "not_in_mock", "sign_in_required",
    "rate_limited", "duplicate_id", "unsupported_version",
}
FRAME_TYPES = {"session", "question", "follow_up", "feedback", "hint", "summary", "transcript", "pong", "error",
               "watching"}

CHARS = st.characters()  # NUL included: see also test_nul_characters_are_refused_or_stored_never_a_server_error
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(CHARS, max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(CHARS, max_size=10), inner, max_size=4),
    max_leaves=10,
)
ids = st.text(CHARS, min_size=1, max_size=6)  # short, so that ids repeat: replays and duplicate_id
# Messages the server may accept, to reach the session's own checks ...
valid = st.one_of(
    st.fixed_dictionaries({"type": st.just("answer"), "id": ids, "text": st.text(CHARS, max_size=300)},
                          optional={"turn": st.integers(-2, 12)}),
    st.fixed_dictionaries({"type": st.sampled_from(["hint", "skip", "end", "ping"]), "id": ids}),
    st.fixed_dictionaries(
        {"type": st.just("start"), "id": ids,
         "areas": st.sampled_from(["all", ["budgeting"], ["budgeting", "escalation"], ["cooking"], []]),
         "count": st.integers(-1, 22)},
        optional={"mode": st.sampled_from(["practice", "mock", "exam"]), "difficulty": st.sampled_from([None, 1, 3, 4]),
                  "time_limit": st.integers(0, 2000), "questions": st.lists(st.sampled_from(
                      ["budgeting-annual-budget-build", "nope"]), max_size=3)}),
    st.fixed_dictionaries({"type": st.just("resume"), "id": ids, "session": st.text(CHARS, max_size=30),
                           "token": st.text(CHARS, max_size=30)}),
)


@st.composite
def mutated(draw, message=valid):
    """A message that may accept, with one thing wrong: a field dropped, retyped or added."""
    msg = dict(draw(message))
    how = draw(st.sampled_from(["none", "drop", "retype", "add", "version"]))
    if how == "drop":
        msg.pop(draw(st.sampled_from(sorted(msg))))
    elif how == "retype":
        msg[draw(st.sampled_from(sorted(msg)))] = draw(json_values)
    elif how == "add":
        msg[draw(st.text(CHARS, max_size=8))] = draw(json_values)
    elif how == "version":
        msg["v"] = draw(json_values)
    return msg


OVERSIZED = "x" * (1024 * 1024 + 1)  # over the websocket limit: the server closes with 1009
fuzz_frames = st.one_of(
    mutated().map(json.dumps),
    json_values.map(json.dumps),
    st.text(CHARS, max_size=200),
    st.binary(max_size=200),
)
EDGES = [  # each run sends these as well
    [OVERSIZED], ["y" * 64_001], ["[" * 50_000], [b"\x00" * 70_000], ["", "null", "[]", "{}"],
    ['{"type": "ping", "id": "' + "i" * 81 + '"}', '{"type": "ping", "id": "x", "v": 2}'],
    [json.dumps({"type": "answer", "id": "long", "text": "y" * 20_001})],
    [json.dumps({"type": "answer", "id": "nan", "text": "x", "turn": float("nan")})],
    [json.dumps({"type": "answer", "id": "blank", "text": " \n\t"})],
]


class Fuzzer:
    """One connection bound to a session, fed whatever the strategies make; reopened (and bound
    again) when the server closes it for a frame over the websocket limit."""

    def __init__(self, url: str):
        self.url = url
        self.pings = 0
        self.closes: list[int] = []
        self.open()

    def open(self) -> None:
        self.ws, session, _ = start_session(self.url)

    def send(self, frame: str | bytes) -> None:
        if isinstance(frame, bytes):
            self.ws.send_binary(frame)
        else:
            self.ws.send(frame)

    def check(self, batch: list[str | bytes]) -> None:
        """Send the batch, then a ping: every frame before its pong answers the batch."""
        self.pings += 1
        sync = f"sync-{self.pings}"
        try:
            for frame in batch:
                self.send(frame)
            self.ws.send(json.dumps({"type": "ping", "id": sync}))
            while True:
                opcode, data = self.ws.recv_data()
                if opcode == websocket.ABNF.OPCODE_CLOSE:
                    raise websocket.WebSocketConnectionClosedException(int.from_bytes(data[:2], "big"))
                reply = json.loads(data)
                assert isinstance(reply, dict) and reply.get("type") in FRAME_TYPES, reply
                if reply["type"] == "error":
                    assert reply["code"] in ERROR_CODES, reply
                if reply == {"type": "pong", "reply_to": sync}:
                    return
        except (websocket.WebSocketConnectionClosedException, ConnectionError) as exc:
            # Only a frame over the websocket limit may end the connection (close code 1009).
            assert any(len(f) > 1024 * 1024 for f in batch), (exc, [f[:80] for f in batch])
            closed = isinstance(exc, websocket.WebSocketConnectionClosedException) and exc.args
            self.closes.append(exc.args[0] if closed else "reset while sending")
            self.ws.shutdown()
            self.open()


def test_fuzzed_frames_get_error_frames_and_the_server_still_serves_an_interview(start_server, caplog):
    server = start_server(WS_RATE=10_000, WS_BURST=10_000)  # floods are the next test's business
    fuzzer = Fuzzer(server.ws_url)

    # No shrinking: the server keeps state between examples, so a smaller batch would not
    # replay the same situation; the failing batch is reported as it was sent.
    @settings(max_examples=100, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(st.lists(fuzz_frames, min_size=1, max_size=4) | st.lists(mutated().map(json.dumps), min_size=25, max_size=60))
    def fuzz(batch):
        fuzzer.check(batch)

    for edge in EDGES:
        fuzz = example(edge)(fuzz)
    with caplog.at_level(logging.INFO):
        fuzz()
        fuzzer.ws.close()
        ws, session, prompt = start_session(server.ws_url)  # a new connection, a whole interview
        n = 0
        while prompt["type"] != "summary":
            n += 1
            ws.send(json.dumps({"type": "answer", "id": f"ok{n}", "text": WEAK, "turn": prompt["turn"]}))
            prompt = read_reply(ws, f"ok{n}")[-1]
        ws.close()
    assert prompt["answered"] == 2
    assert fuzzer.closes in ([1009], ["reset while sending"])  # the oversized frame, nothing else
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR and r.name != "websocket"]
    assert not [r for r in caplog.records if getattr(r, "status", 0) >= 500]


# -- floods -----------------------------------------------------------------------------------

def test_a_flood_is_rate_limited_and_the_connection_recovers(server):
    ws, session, question = start_session(server.ws_url)  # the default limits: 5 a second, bursts of 20
    flood = [{"type": "ping", "id": f"p{i}"} for i in range(40)]
    flood.append({"type": "answer", "id": "a1", "text": WEAK, "turn": question["turn"]})
    for msg in flood:
        ws.send(json.dumps(msg))
    replies = [json.loads(ws.recv()) for _ in flood]  # one frame each: a pong or an error
    assert [r["reply_to"] for r in replies] == [m["id"] for m in flood]
    limited = [r["reply_to"] for r in replies if r["type"] == "error" and r["code"] == "rate_limited"]
    passed = len(flood) - len(limited)
    assert 18 <= passed <= 22 and "a1" in limited  # what was left of the burst after start, then refused
    assert answered_turns(server, [session["session"]]) == []

    time.sleep(1.0)  # the bucket refills at 5 messages a second
    ws.send(json.dumps(flood[-1]))  # the refused answer, again with its id
    feedback = read_reply(ws, "a1")[0]
    ws.close()
    assert feedback["type"] == "feedback" and feedback["turn"] == question["turn"]
    assert answered_turns(server, [session["session"]]) == [(session["session"], "a1", WEAK)]


@pytest.mark.parametrize("message", [
    {"type": "answer", "id": "a1", "text": "My answer\x00 has a NUL character in it."},
    {"type": "answer", "id": "a\x00", "text": WEAK},
    {"type": "resume", "id": "r1", "session": "no\x00such", "token": "t"},
], ids=["in-answer-text", "in-message-id", "in-resume-session"])
def test_nul_characters_are_refused_or_stored_never_a_server_error(server, message):
    """`server_error` tells the client to retry the same message, which for these would never
    succeed: the server must store them or refuse them with an error the client can act on."""
    ws, session, question = start_session(server.ws_url)
    for attempt in range(2):
        ws.send(json.dumps(message))
        while True:  # the reply; an error about an unusable id comes without reply_to
            frame = json.loads(ws.recv())
            assert frame.get("reply_to") == message["id"] or (frame["type"] == "error" and "reply_to" not in frame)
            if frame["type"] in REPLY_ENDS:
                break
        assert frame.get("code") != "server_error", frame
    ws.close()
