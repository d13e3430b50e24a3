"""The floor for bench/ws_load.py: a bare websocket endpoint that does no work.

Served by the same gunicorn command as the real app, it speaks just enough of the interview
protocol for the load clients to drive it: `hello` on connect, then for every message the same
number of frames as the real server sends for it, of the sizes the benchmark measured on the
real server (`FLOOR_FRAMES`, bytes per reply frame, e.g. ``5200,600``), tagged with the
message's `reply_to`. Nothing is validated, rated or stored: whatever it costs is the cost of
gunicorn, Flask, flask-sock and the network, which no interview can avoid.

    PYTHONPATH=bench gunicorn ... 'floor_app:create_app()'
"""
from __future__ import annotations

import json
import os

from flask import Flask
from flask_sock import Sock

MAX_WS_MESSAGE_BYTES = 1024 * 1024  # as the real app


def _frame(type_: str, size: int, reply_to: str, **fields) -> str:
    """A JSON frame of about `size` bytes (padded), like the real server's."""
    frame = {"type": type_, **fields, "reply_to": reply_to, "pad": ""}
    base = len(json.dumps(frame))
    frame["pad"] = "x" * max(0, size - base)
    return json.dumps(frame)


def create_app() -> Flask:
    app = Flask(__name__)
    # The same websocket settings as interviewbot.web.create_app.
    app.config["SOCK_SERVER_OPTIONS"] = {"ping_interval": 25, "max_message_size": MAX_WS_MESSAGE_BYTES}
    sizes = [int(s) for s in os.environ.get("FLOOR_FRAMES", "5000,600").split(",") if s.strip()]
    start_sizes = [int(s) for s in os.environ.get("FLOOR_START_FRAMES", "600,600").split(",") if s.strip()]
    sock = Sock(app)

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    @sock.route("/ws/interview")
    def interview(ws):
        ws.send(json.dumps({"type": "hello", "protocol": 1, "limits": {}}))
        turn = 0
        while True:
            raw = ws.receive()
            msg = json.loads(raw)  # the app parses every message too
            reply_to = msg.get("id", "")
            if msg.get("type") == "start":
                frames = [_frame("session", start_sizes[0], reply_to, session="floor", token="floor")]
                frames += [_frame("question", n, reply_to, turn=0) for n in start_sizes[1:]]
            elif msg.get("type") == "end":
                frames = [_frame("summary", sizes[-1], reply_to)]
            else:
                turn += 1
                frames = [_frame("feedback", n, reply_to, turn=turn - 1) for n in sizes[:-1]]
                frames.append(_frame("question", sizes[-1], reply_to, turn=turn))
            for f in frames:
                ws.send(f)

    return app
