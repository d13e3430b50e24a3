"""A real server on a loopback port, a real websocket client, a real database per test."""
from __future__ import annotations

import itertools
import json
import threading
from typing import Any

import pytest
import websocket
from werkzeug.serving import make_server

from interviewbot.web import create_app
from dbutil import database_urls, fresh_database


@pytest.fixture(params=database_urls())
def db_url(request):
    with fresh_database(request.param) as url:
        yield url


@pytest.fixture
def make_app(db_url, tmp_path):
    """Factory: an app on the test database; extra config overrides the defaults."""
    apps = []

    def make(**config: Any):
        app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": db_url,
                          **config})
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["db"].dispose()


class LiveServer:
    def __init__(self, app):
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self._server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/ws/interview"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(5)


@pytest.fixture
def start_server(make_app):
    """Factory: start a live server (several may share one database)."""
    servers = []

    def start(**config: Any) -> LiveServer:
        server = LiveServer(make_app(**config))
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def server(start_server) -> LiveServer:
    return start_server()


class Client:
    """A websocket client speaking the interview protocol, with message ids it makes up."""

    _ids = itertools.count(1)

    def __init__(self, ws_url: str, timeout: float = 10, **kw: Any):
        self.ws = websocket.create_connection(ws_url, timeout=timeout, **kw)
        self.hello = self.recv()
        assert self.hello["type"] == "hello"

    def send(self, type_: str, **fields: Any) -> str:
        msg_id = fields.pop("id", None) or f"m{next(self._ids)}"
        self.ws.send(json.dumps({"type": type_, "id": msg_id, **fields}))
        return msg_id

    def send_raw(self, data: str | bytes) -> None:
        if isinstance(data, bytes):
            self.ws.send_binary(data)
        else:
            self.ws.send(data)

    def recv(self) -> dict[str, Any]:
        return json.loads(self.ws.recv())

    def recv_until(self, *types: str) -> list[dict[str, Any]]:
        """Frames up to and including the first of one of `types`."""
        frames = []
        while True:
            frame = self.recv()
            frames.append(frame)
            if frame["type"] in types:
                return frames

    def request(self, type_: str, until: tuple[str, ...], **fields: Any) -> list[dict[str, Any]]:
        msg_id = self.send(type_, **fields)
        frames = self.recv_until(*until)
        assert all(f.get("reply_to") == msg_id for f in frames), frames
        return frames

    def close(self) -> None:
        self.ws.close()


@pytest.fixture
def connect():
    clients = []

    def open_(url: str, **kw: Any) -> Client:
        client = Client(url, **kw)
        clients.append(client)
        return client

    yield open_
    for c in clients:
        try:
            c.close()
        except Exception:
            pass
