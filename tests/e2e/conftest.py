"""Browser tests: a real server on a loopback port, Debian's chromium driven by Playwright.

One browser per test run, a fresh context (cookies, storage) and page per test, a fresh
database and server per test. A failing test leaves a screenshot of its page in
``$E2E_ARTIFACTS`` (default: ``interviewbot-e2e`` in the temporary folder).
"""
from __future__ import annotations

import json
import os
import random
import re
import secrets
import socket
import tempfile
import threading
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from playwright.sync_api import Page, expect, sync_playwright
from sqlalchemy import func, select
from werkzeug.serving import make_server

import interviewbot.store.accounts
import interviewbot.web
from dbutil import database_urls, fresh_database
from interviewbot.bank import load_bank
from interviewbot.store import Turn
from interviewbot.store.accounts import create_user
from interviewbot.web import create_app

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PASSWORD = "correct horse battery"
ARTIFACTS = Path(os.environ.get("E2E_ARTIFACTS", Path(tempfile.gettempdir()) / "interviewbot-e2e"))
DESKTOP = {"width": 1100, "height": 900}

expect.set_options(timeout=10_000)


# -- the server -------------------------------------------------------------------------------
class LiveServer:
    """The app served by werkzeug on a free loopback port, in a thread."""

    def __init__(self, app):
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self._server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def bank(self):
        return self.app.extensions["bank"]

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    # What the server stored, for checking the browser's claims.
    def count_turns(self, **where: Any) -> int:
        with self.app.extensions["db"].session() as s:
            q = select(func.count()).select_from(Turn)
            for name, value in where.items():
                q = q.where(getattr(Turn, name) == value)
            return s.scalar(q)

    def turns(self, session_id: str) -> list[Turn]:
        with self.app.extensions["db"].session() as s:
            return list(s.scalars(select(Turn).where(Turn.session_id == session_id).order_by(Turn.position)))


_banks: dict[str, Any] = {}


def load_bank_once(path):
    """The question bank, parsed once per test run (it is read-only; parsing takes most of a
    second, which every test would otherwise pay when its server starts)."""
    key = str(path)
    if key not in _banks:
        _banks[key] = load_bank(path)
    return _banks[key]


@pytest.fixture(params=database_urls())
def db_url(request):
    with fresh_database(request.param) as url:
        yield url


@pytest.fixture
def start_server(db_url, monkeypatch):
    """Factory: a live server on the test database; keyword arguments override the config."""
    monkeypatch.setattr(interviewbot.web, "load_bank", load_bank_once)
    # Password hashing at full cost takes most of a second per sign-in on a busy machine; the
    # browser tests are about pages, not about hashing (tests/web and tests/store cover that).
    monkeypatch.setattr(interviewbot.store.accounts, "_hasher",
                        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    servers: list[LiveServer] = []

    def start(**config: Any) -> LiveServer:
        app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": db_url,
                          "RATELIMIT_ENABLED": False, **config})
        # The same questions in the same order every run: the tests and screenshots repeat.
        app.extensions["interviews"].rng = lambda: random.Random(20240611)
        server = LiveServer(app)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
        server.app.extensions["db"].dispose()


@pytest.fixture
def server(start_server) -> LiveServer:
    return start_server()


class Relay:
    """A TCP relay between the browser and the server that a test can cut like a network.

    ``cut()`` closes every connection and refuses new ones; ``mute()`` keeps connections open
    but drops what the server sends (replies lost on the way); ``refuse_websockets()`` lets
    pages load but no websocket connect; ``restore()`` heals all three.
    """

    def __init__(self, target_port: int):
        self.target = ("127.0.0.1", target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.refusing = False
        self.refusing_websockets = False
        self.muted = False
        self.closed = False
        self.pairs: set[tuple[socket.socket, socket.socket]] = set()
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.refusing or (self.refusing_websockets and self._is_websocket(client)):
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            pair = (client, upstream)
            with self.lock:
                self.pairs.add(pair)
            threading.Thread(target=self._pump, args=(client, upstream, False, pair), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, True, pair), daemon=True).start()

    @staticmethod
    def _is_websocket(client: socket.socket) -> bool:
        client.settimeout(5)
        try:
            head = client.recv(4096, socket.MSG_PEEK)
        except OSError:
            return False
        finally:
            client.settimeout(None)
        return b"upgrade: websocket" in head.lower()

    def _pump(self, source: socket.socket, sink: socket.socket, downstream: bool, pair) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if downstream and self.muted:
                    continue
                sink.sendall(data)
        except OSError:
            pass
        finally:
            self._close(pair)

    def _close(self, pair) -> None:
        with self.lock:
            self.pairs.discard(pair)
        for s in pair:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def cut(self) -> None:
        self.refusing = True
        with self.lock:
            pairs = list(self.pairs)
        for pair in pairs:
            self._close(pair)

    def mute(self) -> None:
        self.muted = True

    def refuse_websockets(self) -> None:
        """Pages still load; the interview's websocket cannot connect."""
        self.refusing_websockets = True

    def restore(self) -> None:
        self.muted = False
        self.refusing = False
        self.refusing_websockets = False

    def close(self) -> None:
        self.closed = True
        self.cut()
        self.listener.close()


@pytest.fixture
def relay(server):
    """The server behind a relay the test can cut (the browser must use ``relay.url``)."""
    r = Relay(server.port)
    yield r
    r.close()


# -- the browser ------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        b = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def new_page(browser, request):
    """Factory: a page in a fresh context (its own cookies and storage) unless given one.

    Every page fails its test on an uncaught script error or a Content-Security-Policy
    violation; a failing test leaves screenshots of its pages in ARTIFACTS.
    """
    contexts, pages = [], []

    def make(context=None, viewport: dict[str, int] | None = None) -> Page:
        if context is None:
            context = browser.new_context(viewport=viewport or DESKTOP)
            context.set_default_timeout(10_000)
            contexts.append(context)
        page = context.new_page()
        page.problems = []
        page.on("pageerror", lambda exc: page.problems.append(f"script error: {exc}"))
        page.on("console", lambda msg: page.problems.append(f"console: {msg.text}")
                if msg.type == "error" and "Content Security Policy" in msg.text else None)
        pages.append(page)
        return page

    yield make
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for n, page in enumerate(pages):
            name = re.sub(r"[^\w.-]+", "_", request.node.name)
            try:
                page.screenshot(path=str(ARTIFACTS / f"{name}-{n}.png"), full_page=True)
            except Exception:
                pass
    problems = [p for page in pages for p in page.problems]
    for context in contexts:
        context.close()
    assert not problems, problems


@pytest.fixture
def page(new_page) -> Page:
    return new_page()


# -- people and interviews ----------------------------------------------------------------------
@pytest.fixture
def make_user(server):
    def make(email: str | None = None) -> str:
        email = email or f"candidate-{secrets.token_hex(4)}@example.com"
        create_user(server.app.extensions["db"], email, PASSWORD)
        return email
    return make


def _sign_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/signin")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name=re.compile("Sign out"))).to_be_visible()


@pytest.fixture
def sign_in():
    """sign_in(page, base_url, email): through the form, as a person would."""
    return _sign_in


@pytest.fixture
def signed_in(page, server, make_user) -> Page:
    """The test's page, signed in as a new candidate."""
    _sign_in(page, server.url, make_user())
    return page


class Chat:
    """The interview page as a person uses it, plus the frames the server sent to it."""

    def __init__(self, page: Page, server: LiveServer, base_url: str):
        self.page = page
        self.server = server
        self.base_url = base_url
        self.frames: list[dict[str, Any]] = []
        self.sent: list[dict[str, Any]] = []
        page.on("websocket", self._watch)

    def _watch(self, ws) -> None:
        ws.on("framereceived", lambda payload: self.frames.append(json.loads(payload)))
        ws.on("framesent", lambda payload: self.sent.append(json.loads(payload)))

    # -- what is on screen
    @property
    def conversation(self):
        return self.page.locator("#conversation")

    @property
    def questions(self):
        return self.page.locator("#conversation li[data-role=question]")

    def item(self, role: str, turn: int):
        prefix = {"question": "turn", "answer": "answer", "feedback": "feedback", "hint": "hint"}[role]
        return self.page.locator(f"#{prefix}-{turn}")

    @property
    def session_id(self) -> str:
        return self.page.locator("#interview").get_attribute("data-session")

    def open_turn(self) -> tuple[int, str, str]:
        """Wait for a question waiting for an answer: (turn, question id, kind)."""
        expect(self.page.locator("#answer")).to_be_focused()
        last = self.questions.last
        return int(last.get_attribute("data-turn")), last.get_attribute("data-question-id"), \
            last.get_attribute("data-kind")

    def example(self, question_id: str) -> str:
        return self.server.bank.questions[question_id].example_answer

    def area(self, question_id: str) -> str:
        return self.server.bank.questions[question_id].area

    # -- what a person does
    def start(self, areas: list[str] | str, count: int, mode: str = "practice") -> "Chat":
        areas = [areas] if isinstance(areas, str) else areas
        query = "&".join([*(f"areas={a}" for a in areas), f"count={count}", f"mode={mode}"])
        self.page.goto(f"{self.base_url}/practice?{query}")
        return self

    def type(self, text: str) -> None:
        self.page.locator("#answer").fill(text)

    def answer(self, text: str) -> int:
        """Answer the open question with Enter; wait for what comes next. Returns the turn."""
        turn, _, _ = self.open_turn()
        self.type(text)
        self.page.locator("#answer").press("Enter")
        expect(self.page.locator(f"#turn-{turn + 1}, #scorecard-title").first).to_be_attached()
        return turn

    def finish(self, text_for=None) -> None:
        """Answer until the scorecard shows (with the bank's example answers by default)."""
        while not self.page.locator("#scorecard-title").count():
            _, qid, kind = self.open_turn()
            self.answer(text_for(qid, kind) if text_for else self.example(qid))
        expect(self.page.locator("#scorecard-title")).to_be_visible()


@pytest.fixture
def chat_on():
    """chat_on(page, server, base_url=server.url): a Chat on any page and server (or relay)."""
    return lambda page, server, base_url=None: Chat(page, server, base_url or server.url)


@pytest.fixture
def chat(page, server, chat_on) -> Chat:
    return chat_on(page, server)
