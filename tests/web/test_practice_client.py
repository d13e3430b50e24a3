"""`interviewbot practice`, the terminal client: the real command against a real server."""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from interviewbot.store import ClientMessage, InterviewSession, Turn

COMMAND = str(Path(sys.executable).with_name("interviewbot"))
WEAK = ("At my last job we had some problems with customers and I worked hard with everyone to "
        "sort things out. We talked a lot and people were happier afterwards and it went well.")


def answers(*texts: str) -> str:
    """What a person types: each answer ends with an empty line."""
    return "".join(f"{text}\n\n" for text in texts)


def strong(server, area: str = "budgeting") -> str:
    """One line that covers the area: every example answer of its questions."""
    bank = server.app.extensions["bank"]
    examples = (q.example_answer for q in bank.questions.values() if q.area == area)
    return " ".join(" ".join(text.split()) for text in examples)


def rows(server, model, **where) -> int:
    with server.app.extensions["db"].session() as s:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return s.scalar(query)


def answered_turns(server) -> list[tuple[int, str, str]]:
    with server.app.extensions["db"].session() as s:
        return list(s.execute(select(Turn.position, Turn.answer_text, Turn.client_msg_id)
                              .where(Turn.status == "answered").order_by(Turn.position)))


def pending_prompt(server) -> str:
    with server.app.extensions["db"].session() as s:
        return s.scalar(select(Turn.prompt).where(Turn.status == "asked"))


@pytest.fixture
def home(tmp_path) -> Path:
    return tmp_path


@pytest.fixture
def env(home) -> dict[str, str]:
    return {**os.environ, "HOME": str(home)}


@pytest.fixture
def practice(env):
    """Run `interviewbot practice` to the end with `stdin` typed in."""

    def run(url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
        return subprocess.run([COMMAND, "practice", "--url", url, *args], input=stdin, env=env,
                              capture_output=True, text=True, timeout=60)

    return run


class Running:
    """`interviewbot practice` in the background: type into it, watch its output, stop it."""

    def __init__(self, args: list[str], env: dict[str, str]):
        # As started from a terminal: Ctrl-C at its default even when the test runner itself
        # runs with SIGINT ignored (a background job of a shell), which the child would inherit.
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=env,
                                     preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        self.output = ""
        self._changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            with self._changed:
                self.output += line
                self._changed.notify_all()

    def wait_for(self, text: str, times: int = 1, timeout: float = 20) -> None:
        with self._changed:
            seen = self._changed.wait_for(lambda: self.output.count(text) >= times, timeout)
        assert seen, f"waited for {text!r} x{times}:\n{self.output}"

    def type(self, text: str) -> None:
        self.proc.stdin.write(text)
        self.proc.stdin.flush()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)


@pytest.fixture
def spawn(env):
    running = []

    def start(url: str, *args: str) -> Running:
        proc = Running([COMMAND, "practice", "--url", url, *args], env)
        running.append(proc)
        return proc

    yield start
    for proc in running:
        proc.stop()
        for stream in (proc.proc.stdin, proc.proc.stdout, proc.proc.stderr):
            stream.close()


class CuttingProxy:
    """A TCP relay to the server that cuts the connection once, just before the client would
    receive the first frame containing `cut_at`: the server has acted, the reply is lost."""

    def __init__(self, server_port: int, cut_at: bytes):
        self.server_port = server_port
        self.cut_at: bytes | None = cut_at
        self.connections = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"ws://127.0.0.1:{self.listener.getsockname()[1]}/ws/interview"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                downstream, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.server_port))
            self.connections += 1
            for args in ((downstream, upstream, False), (upstream, downstream, True)):
                threading.Thread(target=self._relay, args=args, daemon=True).start()

    def _relay(self, src: socket.socket, dst: socket.socket, from_server: bool) -> None:
        try:
            while data := src.recv(65536):
                if from_server and self.cut_at and self.cut_at in data:  # server frames are not masked
                    self.cut_at = None
                    break
                dst.sendall(data)
        except OSError:
            pass
        for sock in (src, dst):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def cutting_proxy(server):
    proxy = CuttingProxy(server.port, cut_at=b'"type": "feedback"')
    yield proxy
    proxy.close()


def test_practice_shows_numbered_questions_feedback_follow_up_and_summary(server, practice):
    result = practice(server.ws_url, "--areas", "budgeting", "--count", "2",
                      stdin=answers(WEAK, *[strong(server)] * 3))
    out = result.stdout
    assert result.returncode == 0, result.stderr + out
    assert (out.index("Question 1 of 2 (budgeting, ") < out.index("Follow-up on question 1")
            < out.index("Question 2 of 2 (budgeting, ") < out.index("Summary"))
    assert "Feedback: score 0/100, band 1 - " in out and "Concepts missed: " in out
    assert re.search(r'^    \+ .+: ".+"', out, re.MULTILINE), out  # a concept hit, with its words
    assert "STAR present: " in out and "Overall: " in out and "Practise next: budgeting" in out
    stored = answered_turns(server)
    assert len(stored) == out.count("Feedback: score") >= 3
    assert stored[0][1] == WEAK and len({msg_id for _, _, msg_id in stored}) == len(stored)
    assert rows(server, ClientMessage, type="answer") == len(stored)


def test_hint_skip_and_end(server, practice, home):
    result = practice(server.ws_url, "--areas", "escalation", "--count", "3", stdin="/hint\n/skip\n/end\n")
    out = result.stdout
    assert result.returncode == 0, result.stderr + out
    assert out.index("Hint: a strong answer covers") < out.index("Question 2 of 3") < out.index("Summary")
    assert "answered 0 of 2 question(s) asked, 3 planned" in out
    assert rows(server, Turn, status="skipped") == 2
    assert not (home / ".interviewbot-session.json").exists()  # finished: nothing to resume


def test_unknown_command_is_explained_and_quit_leaves_the_session_to_resume(server, practice, home):
    result = practice(server.ws_url, "--count", "1", stdin="/sing\n/quit\n")
    assert result.returncode == 0
    assert "Unknown command /sing" in result.stderr and "--resume" in result.stderr
    saved = json.loads((home / ".interviewbot-session.json").read_text())
    assert rows(server, InterviewSession, id=saved["session"], status="active") == 1


def test_error_from_the_server_is_shown_with_its_code(server, practice):
    result = practice(server.ws_url, "--areas", "cooking")
    assert result.returncode == 1
    assert "Error [unknown_area]: unknown area(s): cooking" in result.stdout


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        return sock.getsockname()[1]


@pytest.mark.parametrize("url, reason", [
    ("ws://127.0.0.1:{free}/ws/interview", "connection refused"),
    ("http://127.0.0.1:1/ws/interview", "not a ws:// or wss:// URL"),
], ids=["closed-port", "not-websocket"])
def test_unreachable_server_exits_1_naming_the_url(practice, url, reason):
    url = url.format(free=free_port())  # a port nothing listens on, found when the test runs
    result = practice(url)
    assert result.returncode == 1
    assert f"Cannot connect to {url}: {reason}" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_mock_interview_shows_the_time_limit_and_feedback_only_at_the_end(server, practice):
    result = practice(server.ws_url, "--areas", "budgeting", "--count", "2", "--mode", "mock",
                      stdin=answers(WEAK, WEAK))
    assert result.returncode == 0, result.stderr + result.stdout
    during, summary = result.stdout.split("Summary\n", 1)
    assert "Mock interview: 3:00 per answer" in during
    assert during.count("Time limit: answer by ") == 2 and "Follow-up" not in during
    assert "Feedback" not in during
    assert summary.count("Feedback: score ") == 2
    assert rows(server, Turn, status="answered") == 2


def test_resume_after_the_client_was_killed_continues_at_the_pending_question(
        server, spawn, practice, tmp_path):
    saved = tmp_path / "interview.json"
    first = spawn(server.ws_url, "--areas", "budgeting", "--count", "2", "--resume", str(saved))
    first.wait_for("Your answer")
    first.type(answers(WEAK))
    first.wait_for("Your answer", times=2)
    first.stop()
    follow_up = pending_prompt(server)

    result = practice(server.ws_url, "--resume", str(saved), stdin=answers(*[strong(server)] * 3))
    out = result.stdout
    assert result.returncode == 0, result.stderr + out
    assert "Resumed a practice interview" in out and "Earlier: Question 1 answered, score 0/100" in out
    assert "Question 1 of 2" not in out
    assert out.index("Follow-up on question 1") < out.index(follow_up) < out.index("Question 2 of 2")
    assert rows(server, InterviewSession) == 1
    assert len(answered_turns(server)) == 1 + out.count("Feedback: score")
    assert not saved.exists()


def test_lost_reply_is_retried_after_reconnecting_and_the_answer_stored_once(
        server, cutting_proxy, practice):
    good = strong(server)
    result = practice(cutting_proxy.url, "--areas", "budgeting", "--count", "2",
                      stdin=answers(WEAK, good, good, good))
    out = result.stdout
    assert result.returncode == 0, result.stderr + out
    assert cutting_proxy.connections == 2 and "reconnecting" in result.stderr
    assert out.count("Follow-up on question 1") == 1 and "Summary" in out
    stored = answered_turns(server)
    assert [text for _, text, _ in stored[:2]] == [WEAK, good]  # the retry did not answer the follow-up
    assert len(stored) == out.count("Feedback: score")
    assert rows(server, ClientMessage, type="answer") == len(stored)


def test_ctrl_c_exits_130_and_says_how_to_resume(server, spawn):
    running = spawn(server.ws_url, "--count", "1")
    running.wait_for("Your answer")
    running.proc.send_signal(signal.SIGINT)
    assert running.proc.wait(10) == 130
    assert "--resume" in running.proc.stderr.read()


def test_only_the_main_thread_takes_ctrl_c(server):
    # Ctrl-C goes to the whole process and the kernel may hand it to any thread that does not
    # block it: the websocket's reader thread must block it, or the main thread, waiting for the
    # candidate's answer, would never hear it.
    from interviewbot.practice_client import InterviewClient

    client = InterviewClient(server.ws_url)
    client.connect()
    try:
        reader = client.ws.thread
        status = Path(f"/proc/self/task/{reader.native_id}/status").read_text()
        blocked = int(re.search(r"^SigBlk:\s*([0-9a-f]+)$", status, re.M)[1], 16)
        assert blocked & (1 << (signal.SIGINT - 1))
        assert not signal.pthread_sigmask(signal.SIG_BLOCK, set()) & {signal.SIGINT}  # main thread
    finally:
        client.close()
