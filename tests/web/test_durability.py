"""Nothing is lost: a server killed mid-session, and many sessions at once."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import func, select

from conftest import Client
from interviewbot.store import Database, Turn

ANSWER = ("At my previous company I owned a contact centre budget of four million. My goal was to "
          "cut cost by ten percent without hurting CSAT. I decided to move simple contacts to "
          "self-service, renegotiated our outsourcing contract and cut overtime with better "
          "forecasting. As a result cost per contact fell 12% within two quarters and CSAT held at 86%.")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """`interviewbot serve` in a process of its own, as a person would start it."""

    def __init__(self, db_url: str, instance: Path, port: int):
        self.port = port
        self.ws_url = f"ws://127.0.0.1:{port}/ws/interview"
        env = {**os.environ, "DATABASE_URL": db_url, "INTERVIEWBOT_INSTANCE": str(instance)}
        cli = Path(sys.executable).with_name("interviewbot")
        self.proc = subprocess.Popen([str(cli), "serve", "--host", "127.0.0.1", "--port", str(port)],
                                     env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(self.proc.stderr.read().decode())
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                    return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)


@pytest.fixture
def server_process(db_url, tmp_path):
    procs = []

    def start(port: int | None = None) -> ServerProcess:
        p = ServerProcess(db_url, tmp_path, port or free_port())
        procs.append(p)
        return p

    yield start
    for p in procs:
        if p.proc.poll() is None:
            p.kill()


def test_server_killed_mid_session_loses_nothing(server_process, db_url):
    first = server_process()
    c = Client(first.ws_url)
    frames = c.request("start", ("question",), areas=["budgeting"], count=3, mode="mock")
    session = frames[0]
    c.request("answer", ("question",), text=ANSWER, id="ans-1")
    c.send("answer", text=ANSWER + " Second answer.", id="ans-2")
    c.recv_until("question")
    first.kill()  # no clean shutdown: the process is gone mid-session

    second = server_process(first.port)
    c2 = Client(second.ws_url)
    frames = c2.request("resume", ("question",), session=session["session"], token=session["token"])
    assert frames[-1]["index"] == 3
    assert [f["answer"] for f in frames if f["type"] == "transcript"] == [ANSWER, ANSWER + " Second answer."]
    c2.request("answer", ("question",), text=ANSWER, id="ans-2")  # a retry from before the crash
    (summary,) = c2.request("answer", ("summary",), text=ANSWER, id="ans-3")
    assert summary["answered"] == 3 and len(summary["feedback"]) == 3

    db = Database(db_url)
    try:
        with db.session() as s:
            ids = s.scalars(select(Turn.client_msg_id).where(Turn.session_id == session["session"])
                            .order_by(Turn.position)).all()
    finally:
        db.dispose()
    assert ids == ["ans-1", "ans-2", "ans-3"]


def test_fifty_concurrent_sessions_store_every_answer_exactly_once(server):
    sessions: dict[str, int] = {}
    errors: list[BaseException] = []
    lock = threading.Lock()

    def candidate(n: int) -> None:
        try:
            c = Client(server.ws_url, timeout=60)
            frames = c.request("start", ("question",), areas=["budgeting", "escalation"], count=3, mode="mock")
            sid = frames[0]["session"]
            for i in range(3):
                msg_id = f"c{n}-a{i}"
                c.request("answer", ("question", "summary"), text=f"{ANSWER} ({n}/{i})", id=msg_id)
                if i == 1:  # a client that retries after a timeout it imagined
                    c.request("answer", ("question", "summary"), text=f"{ANSWER} ({n}/{i})", id=msg_id)
            c.close()
            with lock:
                sessions[sid] = n
        except BaseException as exc:  # reported below; a thread must not die silently
            errors.append(exc)

    threads = [threading.Thread(target=candidate, args=(n,)) for n in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors[:3]
    assert len(sessions) == 50
    with server.app.extensions["db"].session() as s:
        rows = s.execute(select(Turn.session_id, Turn.answer_text, func.count())
                         .where(Turn.session_id.in_(sessions)).group_by(Turn.session_id, Turn.answer_text)).all()
    assert len(rows) == 150 and all(n == 1 for _, _, n in rows)
    for sid, text, _ in rows:
        assert text.startswith(ANSWER) and f"({sessions[sid]}/" in text
