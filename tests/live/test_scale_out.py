"""Scale-out: two server processes, started the way the Procfile starts them, on one PostgreSQL
database and one Redis. A candidate's session moves from one process to the other after a
dropped connection, and a coach watching on the second process follows it live while it is
still on the first. docs/deploy.md promises exactly this (no sticky sessions needed); a test on
in-process servers cannot show it, since they share memory.

Needs TEST_DATABASE_URL (PostgreSQL) and TEST_REDIS_URL; `.ci/run` sets both.
"""
from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlencode

import pytest
import websocket
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from dbutil import fresh_database
from interviewbot.store import ClientMessage, Database, InterviewSession, Turn, normalise_url
from interviewbot.store.accounts import create_user
from interviewbot.store.coaching import link

DATABASE = os.environ.get("TEST_DATABASE_URL", "").strip()
REDIS = os.environ.get("TEST_REDIS_URL", "").strip()
if not (DATABASE and REDIS and make_url(normalise_url(DATABASE)).get_backend_name() == "postgresql"):
    pytest.skip("scale-out needs TEST_DATABASE_URL (a PostgreSQL server) and TEST_REDIS_URL (a Redis "
                "server) shared by two server processes", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
APP = "interviewbot.web:create_app()"
PASSWORD = "a long enough password"
REPLY_ENDS = ("question", "follow_up", "summary", "error")
WAIT = 10.0  # seconds any one frame may take to arrive
# Settings of the environment the processes must not inherit: the test chooses them all.
OWN_SETTINGS = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "PORT", "WEB_CONCURRENCY", "WEB_THREADS",
                "ALLOW_GUESTS", "LOGIN_RATE_LIMIT", "WS_RATE", "WS_BURST", "WS_IDLE_TIMEOUT", "LOG_LEVEL",
                "SESSION_COOKIE_SECURE", "GUEST_RETENTION_DAYS")


# -- the processes, as the Procfile starts them -------------------------------------------------
def procfile_web(env: dict[str, str]) -> list[str]:
    """The Procfile's `web` command with ${VAR:-default} expanded from `env`, bound to loopback."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == "web":
            expanded = re.sub(r"\$\{(\w+)(?::-([^}]*))?\}",
                              lambda m: env.get(m.group(1)) or (m.group(2) or ""), command)
            argv = shlex.split(expanded)
            break
    else:
        raise AssertionError("the Procfile has no web process")
    assert argv[0] == "gunicorn" and "gthread" in argv and APP in argv, argv
    argv[0] = str(BIN / "gunicorn")  # the virtualenv's
    return [re.sub(r"^0\.0\.0\.0:", "127.0.0.1:", a) for a in argv]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """One web process on a free loopback port; its output goes to a log file."""

    def __init__(self, name: str, env: dict[str, str], folder: Path):
        self.name = name
        self.port = free_port()
        self.log_path = folder / f"{name}.log"
        instance = folder / name
        instance.mkdir()
        env = {**env, "PORT": str(self.port), "INTERVIEWBOT_INSTANCE": str(instance)}
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(procfile_web(env), env=env, cwd=ROOT, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    def url(self, path: str, scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def wait_ready(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"{self.name} exited ({self.proc.returncode}){self.tail()}"
            try:
                if get(self.port, "/readyz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"{self.name} was not ready in time{self.tail()}")

    def tail(self, lines: int = 40) -> str:
        """The end of the log, each line cut short (SQL errors repeat every bound parameter)."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        last = [line if len(line) <= 400 else line[:400] + " ..." for line in text.splitlines()[-lines:]]
        return f"\n--- last of {self.name}'s log ---\n" + "\n".join(last)

    def errors(self) -> list[str]:
        """Error lines in the log: the app's JSON lines at level error, gunicorn's own errors."""
        found = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            try:
                entry = json.loads(line) if line.startswith("{") else None
            except ValueError:
                entry = None
            if entry is not None:
                if entry.get("level") in ("error", "critical") or entry.get("status", 0) >= 500:
                    found.append(line)
            elif re.search(r"\[(ERROR|CRITICAL)\]|Traceback", line):
                found.append(line)
        return found

    def stop(self) -> None:
        """gunicorn's graceful stop (TERM); the whole process group is killed if it hangs."""
        try:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(15)
                except subprocess.TimeoutExpired:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                    self.proc.wait(5)
        finally:
            self._log.close()


@pytest.fixture
def db_url():
    with fresh_database(normalise_url(DATABASE)) as url:
        yield url


@pytest.fixture
def processes(db_url, tmp_path):
    """Processes A and B: same database, same Redis, same SECRET_KEY (a cookie signed by one is
    good on the other), production settings."""
    env = {k: v for k, v in os.environ.items() if k not in OWN_SETTINGS and not k.startswith("INTERVIEWBOT_")}
    env.update(INTERVIEWBOT_ENV="production", SECRET_KEY=secrets.token_urlsafe(48), DATABASE_URL=db_url,
               REDIS_URL=REDIS, LOGIN_RATE_LIMIT="1000 per minute")  # runs share Redis and one address
    started: list[ServerProcess] = []
    try:
        for name in ("A", "B"):  # started together: both migrate and sync the bank at once
            started.append(ServerProcess(name, env, tmp_path))
        deadline = time.monotonic() + 60
        for p in started:
            p.wait_ready(deadline)
        yield started
    finally:
        for p in started:
            p.stop()


@contextmanager
def logs_on_failure(*servers: ServerProcess):
    try:
        yield
    except Exception as exc:
        raise AssertionError(f"{type(exc).__name__}: {exc}" + "".join(s.tail() for s in servers)) from exc


# -- HTTP and websocket clients -----------------------------------------------------------------
def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, Any, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read().decode()
    finally:
        conn.close()


def session_cookie(headers: Any) -> str:
    cookie = SimpleCookie()
    for header in headers.get_all("Set-Cookie") or []:
        cookie.load(header)
    assert "session" in cookie, headers.get_all("Set-Cookie")
    return f"session={cookie['session'].value}"


def sign_in(server: ServerProcess, email: str) -> str:
    """Sign in through the form, as a browser does (CSRF token from the page, cookie kept); the
    `Cookie` header of the signed-in session. The cookie is `Secure` in production: the client
    plays the browser behind the HTTPS load balancer."""
    status, headers, page = get(server.port, "/signin")
    assert status == 200, status
    tag = re.search(r'<input[^>]*name="csrf_token"[^>]*>', page).group(0)
    token = re.search(r'value="([^"]+)"', tag).group(1)
    cookie = session_cookie(headers)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=WAIT)
    try:
        conn.request("POST", "/signin", urlencode({"csrf_token": token, "email": email, "password": PASSWORD}),
                     {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
        response = conn.getresponse()
        response.read()
        assert response.status == 302, (email, response.status)
        signed_in = session_cookie(response.headers)
    finally:
        conn.close()
    return signed_in


def signed_in(server: ServerProcess, cookie: str) -> bool:
    """Whether `cookie` opens a page for signed-in people only (else: a redirect to sign in)."""
    status = get(server.port, "/sessions", {"Cookie": cookie})[0]
    assert status in (200, 302), status
    return status == 200


class Socket:
    """A websocket that keeps every frame it receives; each wait gives up after WAIT seconds."""

    def __init__(self, url: str, cookie: str):
        self.ws = websocket.create_connection(url, timeout=WAIT, cookie=cookie)
        self.frames: list[dict[str, Any]] = []

    def recv(self) -> dict[str, Any]:
        frame = json.loads(self.ws.recv())
        self.frames.append(frame)
        return frame

    def until(self, test: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        while True:
            frame = self.recv()
            if test(frame):
                return frame

    def request(self, type_: str, msg_id: str, **fields: Any) -> list[dict[str, Any]]:
        """Send a message and return its reply. Only `watching` may come unasked in between."""
        self.ws.send(json.dumps({"type": type_, "id": msg_id, **fields}))
        reply = []
        while True:
            frame = self.recv()
            if frame["type"] == "watching" and "reply_to" not in frame:
                continue
            assert frame.get("reply_to") == msg_id, (msg_id, frame)
            reply.append(frame)
            if frame["type"] in REPLY_ENDS:
                return reply

    def close(self) -> None:
        try:
            self.ws.close(timeout=1)
        except Exception:
            pass


def without_reply_to(frame: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in frame.items() if k != "reply_to"}


def is_update(frame: dict[str, Any]) -> bool:
    return frame["type"] == "update"


# -- the scenario -------------------------------------------------------------------------------
def test_a_session_moves_between_processes_and_a_coach_on_the_other_watches_it_live(processes, db_url):
    a, b = processes
    db = Database(db_url)
    try:
        admin = create_user(db, "admin@example.com", PASSWORD, "admin")
        candidate = create_user(db, "candidate@example.com", PASSWORD)
        coach = create_user(db, "coach@example.com", PASSWORD, "coach")
        link(db, coach.id, candidate.id, admin.id)
        sockets: list[Socket] = []
        try:
            with logs_on_failure(a, b):
                sent = scenario(a, b, sockets)
        finally:
            for s in sockets:
                s.close()
        session_id = sent["session"]

        # In the database: one session (resumed, not restarted), every answer stored exactly once.
        with db.session() as s:
            sessions = s.execute(select(InterviewSession.id, InterviewSession.status)
                                 .where(InterviewSession.owner_id == candidate.id)).all()
            answered = s.execute(select(Turn.position, Turn.client_msg_id, Turn.answer_text)
                                 .where(Turn.session_id == session_id, Turn.answer_text.is_not(None))
                                 .order_by(Turn.position)).all()
            messages = dict(s.execute(select(ClientMessage.client_msg_id, func.count())
                                      .where(ClientMessage.session_id == session_id)
                                      .group_by(ClientMessage.client_msg_id)).all())
    finally:
        db.dispose()
    assert sessions == [(session_id, "finished")]
    assert [(row.position, row.client_msg_id, row.answer_text) for row in answered] == sent["answers"]
    assert all(messages[msg_id] == 1 for _, msg_id, _ in sent["answers"]), messages
    assert not a.errors() and not b.errors(), a.errors() + b.errors()


def scenario(a: ServerProcess, b: ServerProcess, sockets: list[Socket]) -> dict[str, Any]:
    """Candidate on A, coach watching on B; the candidate drops, resumes on B and finishes.
    Returns the session id and the answers sent, as (turn, message id, text)."""
    candidate_cookie = sign_in(a, "candidate@example.com")
    coach_cookie = sign_in(b, "coach@example.com")
    assert not signed_in(a, "session=forged")
    assert signed_in(b, candidate_cookie) and signed_in(a, coach_cookie)  # one SECRET_KEY for both
    answers: list[tuple[int, str, str]] = []

    # The candidate starts on A.
    on_a = Socket(a.url("/ws/interview", "ws"), candidate_cookie)
    sockets.append(on_a)
    assert on_a.recv()["type"] == "hello"
    started, first = on_a.request("start", "start-1", areas=["budgeting"], count=2)
    assert started["type"] == "session" and first["type"] == "question" and first["turn"] == 0
    session_id, token = started["session"], started["token"]

    # The coach watches on B; the candidate on A is told through Redis.
    coach = Socket(b.url(f"/ws/observe/{session_id}", "ws"), coach_cookie)
    sockets.append(coach)
    observing = coach.recv()
    assert observing["type"] == "observing" and observing["session"] == session_id, observing
    assert observing["observers"] == 1 and observing["status"] == "active"
    assert observing["turns"] == [{"turn": 0, "kind": "question", "question_id": first["question_id"],
                                   "text": first["text"], "status": "asked", "answer": None}]
    assert on_a.recv() == {"type": "watching", "observers": 1}  # nothing else was asked for

    # An answer on A reaches the coach on B while the session is still on A.
    text_a = ("Answered on process A: at my last job the budget was cut by ten percent, so I reviewed "
              "overtime and outsourcing costs with finance and kept service levels steady.")
    feedback_a, prompt = on_a.request("answer", "answer-a", turn=0, text=text_a)
    answers.append((0, "answer-a", text_a))
    assert feedback_a["type"] == "feedback" and feedback_a["turn"] == 0
    assert prompt["type"] in ("question", "follow_up") and prompt["turn"] == 1
    update = coach.until(is_update)
    assert update["turns"][0] == {"turn": 0, "kind": "question", "question_id": first["question_id"],
                                  "text": first["text"], "status": "answered", "answer": text_a}
    assert [without_reply_to(f) for f in update["frames"]] == [without_reply_to(feedback_a),
                                                               without_reply_to(prompt)]
    assert "token" not in json.dumps(update)

    # The connection to A drops (no close frame); the candidate reconnects, to B.
    on_a.ws.shutdown()
    on_b = Socket(b.url("/ws/interview", "ws"), candidate_cookie)
    sockets.append(on_b)
    assert on_b.recv()["type"] == "hello"
    resumed = on_b.request("resume", "resume-1", session=session_id, token=token)
    assert resumed[0]["type"] == "session" and resumed[0]["session"] == session_id and resumed[0]["resumed"]
    assert [f["type"] for f in resumed[1:]] == ["transcript", prompt["type"]]
    transcript = resumed[1]
    assert (transcript["turn"], transcript["status"], transcript["answer"]) == (0, "answered", text_a)
    assert transcript["feedback"] == without_reply_to(feedback_a)
    assert without_reply_to(resumed[-1]) == without_reply_to(prompt)  # where A left off
    assert on_b.until(lambda f: f["type"] == "watching") == {"type": "watching", "observers": 1}

    # The interview continues on B to its end; the coach sees that too.
    n = 0
    while prompt["type"] != "summary":
        n += 1
        text_b = (f"Answered on process B, turn {prompt['turn']}: I would agree the priorities with "
                  f"finance, protect the frontline and report the savings every month.")
        reply = on_b.request("answer", f"answer-b{n}", turn=prompt["turn"], text=text_b)
        assert reply[0]["type"] == "feedback" and reply[0]["turn"] == prompt["turn"], reply[0]
        answers.append((prompt["turn"], f"answer-b{n}", text_b))
        prompt = reply[-1]
        update = coach.until(is_update)
        assert update["turns"][0]["answer"] == text_b
        assert [without_reply_to(f) for f in update["frames"]] == [without_reply_to(f) for f in reply]
        assert n < 10, "the interview does not end"
    assert prompt["answered"] == prompt["planned"] == 2, prompt

    # Everything the coach got, in order: the answer from A, then those on B; besides the updates,
    # only its own arrival (one watcher all along: the candidate moving changes nothing).
    coach_answers = [t["answer"] for f in coach.frames if is_update(f) for t in f["turns"] if t["answer"]]
    assert coach_answers == [text for _, _, text in answers]
    others = [f for f in coach.frames[1:] if not is_update(f)]
    assert others == [{"type": "watching", "observers": 1}], others
    return {"session": session_id, "answers": answers}
