"""`/ws/observe/<session_id>`: a coach watches a linked candidate's session as it happens.

The socket sends the session so far, then every update the interview operations publish on the
session's channel (see :mod:`..live`: in this process, or from any process through Redis). Access
is checked when the socket opens and again every few seconds and before each update, so ending
the link stops the view. Everything is sent from the handler's own thread.

Who watches is counted per session (:class:`Watchers`); the count is published on the session's
channel as a ``watching`` event whenever a coach joins or leaves, and the candidate's interview
socket passes it on, so the candidate knows a coach is watching.
"""
from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from typing import Any

from flask import Blueprint, Flask, current_app, g
from simple_websocket import ConnectionClosed

from ..engine.protocol import feedback_frame
from ..store.coaching import can_view_session
from ..store.models import InterviewSession, User
from .interview_ws import RateLimiter, sock
from .security import same_origin_request

log = logging.getLogger(__name__)
bp = Blueprint("observe_ws", __name__)

POLL = 0.25  # seconds between looks at the socket while waiting for events
RECHECK = 10.0  # seconds between access checks while nothing happens
PRESENCE_TTL = 60  # a watcher not refreshed for this long no longer counts (a killed process)
PRESENCE_REFRESH = 20
MAX_CLIENT_FRAME = 1000


def _frame_error(code: str, message: str) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": message}


# -- who is watching ----------------------------------------------------------------------------
class Watchers:
    """How many coaches watch each session. In this process only, or, with Redis, across every
    process: a sorted set per session whose members expire unless refreshed."""

    PREFIX = "interviewbot:watchers:"

    def __init__(self, redis_url: str | None = None):
        self._lock = threading.Lock()
        self._local: dict[str, set[str]] = {}
        self._redis = None
        if redis_url:
            import redis

            self._redis = redis.Redis.from_url(redis_url)

    def join(self, session_id: str) -> tuple[str, int]:
        token = secrets.token_hex(8)
        self.refresh(session_id, token)
        return token, self.count(session_id)

    def refresh(self, session_id: str, token: str) -> None:
        if self._redis is None:
            with self._lock:
                self._local.setdefault(session_id, set()).add(token)
            return
        key = self.PREFIX + session_id
        pipe = self._redis.pipeline()
        pipe.zadd(key, {token: time.time() + PRESENCE_TTL})
        pipe.expire(key, PRESENCE_TTL)
        pipe.execute()

    def leave(self, session_id: str, token: str) -> int:
        if self._redis is None:
            with self._lock:
                tokens = self._local.get(session_id, set())
                tokens.discard(token)
                if not tokens:
                    self._local.pop(session_id, None)
        else:
            self._redis.zrem(self.PREFIX + session_id, token)
        return self.count(session_id)

    def count(self, session_id: str) -> int:
        if self._redis is None:
            with self._lock:
                return len(self._local.get(session_id, ()))
        key = self.PREFIX + session_id
        pipe = self._redis.pipeline()
        pipe.zremrangebyscore(key, "-inf", time.time())
        pipe.zcard(key)
        return int(pipe.execute()[1])


_watchers_lock = threading.Lock()


def watchers_of(app: Flask) -> Watchers:
    """The app's :class:`Watchers`, made on first use (Redis when ``REDIS_URL`` is set)."""
    with _watchers_lock:
        found = app.extensions.get("watchers")
        if found is None:
            found = app.extensions["watchers"] = Watchers(app.config.get("REDIS_URL"))
        return found


def watching_count(app: Flask, session_id: str) -> int:
    """How many coaches watch the session now (0 if that cannot be known)."""
    try:
        return watchers_of(app).count(session_id)
    except Exception:
        log.exception("could not count the watchers of session %s", session_id)
        return 0


# -- the socket ---------------------------------------------------------------------------------
def watchable(app: Flask, user: User | None, session_id: str, with_turns: bool = True) -> InterviewSession | None:
    """The session if ``user`` is a coach actively linked to its owner (not the owner)."""
    if user is None or user.role != "coach":
        return None
    row = can_view_session(app.extensions["db"], user, session_id, with_turns=with_turns)
    if row is None or row.owner_id == user.id:
        return None
    return row


def snapshot(row: InterviewSession, observers: int) -> dict[str, Any]:
    """The session so far, in the shapes live updates use (``turns`` and ``frames``)."""
    turns = [{"turn": t.position, "kind": t.kind, "question_id": t.question_id, "text": t.prompt,
              "status": t.status, "answer": t.answer_text} for t in row.turns]
    frames: list[dict[str, Any]] = []
    if row.mode == "practice" or row.status == "finished":
        frames = [feedback_frame(t.position, t.rating) for t in row.turns if t.rating is not None]
    if row.status == "finished" and row.summary:
        frames.append({"type": "summary", **row.summary})
    return {"type": "observing", "session": row.id, "mode": row.mode, "status": row.status,
            "plan": row.plan, "observers": observers, "turns": turns, "frames": frames}


class Observer:
    def __init__(self, ws: Any, app: Flask, user: User, session_id: str):
        self.ws = ws
        self.app = app
        self.user = user
        self.session_id = session_id
        self.channel = f"session:{session_id}"
        self.idle_timeout = app.config["WS_IDLE_TIMEOUT"]
        self.limiter = RateLimiter(app.config["WS_RATE"], app.config["WS_BURST"])

    def send(self, frame: dict[str, Any]) -> None:
        self.ws.send(json.dumps(frame, ensure_ascii=False))

    def run(self) -> None:
        live, watchers = self.app.extensions["live"], watchers_of(self.app)
        with live.subscribe(self.channel) as sub:  # before loading: nothing falls in between
            token, count = watchers.join(self.session_id)
            try:
                live.publish(self.channel, {"type": "watching", "session": self.session_id, "observers": count})
                row = watchable(self.app, self.user, self.session_id)
                if row is None:
                    self.send(_frame_error("session_not_found", "no such session, or not yours to watch"))
                    self.ws.close(reason=1008, message="not found")
                    return
                self.send(snapshot(row, count))
                self._follow(sub, watchers, token)
            finally:
                self._leave(live, watchers, token)

    def _follow(self, sub: Any, watchers: Watchers, token: str) -> None:
        last_heard = checked = refreshed = time.monotonic()
        while True:
            event = sub.get(timeout=POLL)
            now = time.monotonic()
            if event is not None:
                if event.get("type") == "update" and not self._still_allowed():
                    return
                checked = now if event.get("type") == "update" else checked
                self._forward(event)
            if sub.closed:  # dropped for falling behind: start again from the database
                self.send(_frame_error("too_slow", "this view fell behind; reload to catch up"))
                self.ws.close(reason=1011, message="behind")
                return
            raw = self.ws.receive(timeout=0)
            if raw is not None:
                last_heard = now
                self._reply(raw)
            if now - last_heard >= self.idle_timeout:
                self.send(_frame_error("idle_timeout", "closing an idle connection"))
                self.ws.close(reason=1000, message="idle")
                return
            if now - checked >= RECHECK:
                checked = now
                if not self._still_allowed():
                    return
            if now - refreshed >= PRESENCE_REFRESH:
                refreshed = now
                watchers.refresh(self.session_id, token)

    def _still_allowed(self) -> bool:
        if watchable(self.app, self.user, self.session_id, with_turns=False) is not None:
            return True
        self.send(_frame_error("access_ended", "you can no longer watch this session"))
        self.ws.close(reason=1008, message="access ended")
        return False

    def _forward(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "update":
            self.send({"type": "update", "turns": event.get("turns", []), "frames": event.get("frames", [])})
        elif kind == "watching":
            self.send({"type": "watching", "observers": int(event.get("observers", 0))})

    def _reply(self, raw: str | bytes) -> None:
        if not self.limiter.allow():
            self.send(_frame_error("rate_limited", "too many messages; slow down"))
            return
        try:
            msg = json.loads(raw) if isinstance(raw, str) and len(raw) <= MAX_CLIENT_FRAME else None
        except ValueError:
            msg = None
        if isinstance(msg, dict) and msg.get("type") == "ping":
            pong: dict[str, Any] = {"type": "pong"}
            if isinstance(msg.get("id"), str) and len(msg["id"]) <= 80:
                pong["reply_to"] = msg["id"]
            self.send(pong)
        else:
            self.send(_frame_error("bad_message", "a watcher may only send {\"type\": \"ping\"}"))

    def _leave(self, live: Any, watchers: Watchers, token: str) -> None:
        try:
            count = watchers.leave(self.session_id, token)
            live.publish(self.channel, {"type": "watching", "session": self.session_id, "observers": count})
        except Exception:
            log.exception("could not announce that a watcher left session %s", self.session_id)


@sock.route("/ws/observe/<session_id>", bp=bp)
def observe(ws: Any, session_id: str) -> None:
    app = current_app._get_current_object()
    try:
        if not same_origin_request():
            ws.send(json.dumps(_frame_error("forbidden_origin", "this page may not watch a session here")))
            ws.close(reason=1008, message="origin")
            return
        if g.user is None:
            ws.send(json.dumps(_frame_error("sign_in_required", "sign in as a coach to watch a session")))
            ws.close(reason=1008, message="sign in")
            return
        if watchable(app, g.user, session_id, with_turns=False) is None:
            ws.send(json.dumps(_frame_error("session_not_found", "no such session, or not yours to watch")))
            ws.close(reason=1008, message="not found")
            return
        Observer(ws, app, g.user, session_id).run()
    except ConnectionClosed:
        pass
