"""`/ws/interview`: the interview protocol over a websocket (see docs/protocol.md).

A thin adapter: parse a frame, check it may be applied, hand it to the interview operations,
send the replies. It holds no interview state beyond which session the connection is bound to,
so a client can reconnect to any process and resume.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from datetime import datetime, timezone
from typing import Any, Callable

from flask import Blueprint, current_app, session
from flask_sock import Sock
from simple_websocket import ConnectionClosed

from ..engine import PlanError
from ..engine.session import LATE_GRACE
from ..engine.protocol import ProtocolError, error_frame, hello_frame, parse_client_message
from ..store.interviews import InterviewService, NotFound
from .security import same_origin_request

log = logging.getLogger(__name__)
sock = Sock()
bp = Blueprint("interview_ws", __name__)

SESSION_EVENTS = ("answer", "hint", "skip", "end")


def current_user_id() -> int | None:
    """The signed-in user, from the same cookie session the pages use (None for a guest)."""
    return session.get("user_id")


class RateLimiter:
    """Token bucket: `rate` messages per second on average, bursts up to `burst`."""

    def __init__(self, rate: float, burst: int):
        self.rate, self.burst = rate, burst
        self.tokens, self.stamp = float(burst), time.monotonic()

    def allow(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class Connection:
    def __init__(self, ws: Any, service: InterviewService, user_id: int | None, config: dict[str, Any],
                 live: Any = None, watching: Callable[[str], int] | None = None):
        self.ws = ws
        self.service = service
        self.user_id = user_id
        self.allow_guests = config["ALLOW_GUESTS"]
        self.idle_timeout = config["WS_IDLE_TIMEOUT"]
        self.limiter = RateLimiter(config["WS_RATE"], config["WS_BURST"])
        self.session_id: str | None = None
        self.deadline: datetime | None = None
        # Coaches watching the bound session: their count comes on the session's live channel
        # and a small thread passes it on, so sends (one message's replies at a time) and the
        # close are guarded by a lock.
        self.live = live
        self.watching = watching
        self._send_lock = threading.Lock()
        self._watched: Any = None

    def send(self, frames: list[dict[str, Any]]) -> None:
        with self._send_lock:
            for frame in frames:
                # The open turn's deadline (mock mode) travels in the frames; keep it for the timer.
                if frame["type"] in ("question", "follow_up"):
                    self.deadline = _parse_time(frame.get("deadline"))
                elif frame["type"] == "summary":
                    self.deadline = None
                self.ws.send(json.dumps(frame, ensure_ascii=False))

    def follow_watchers(self) -> None:
        """Once bound to a session, pass on `watching` events of its channel (see observe_ws)."""
        if self.live is None or self.session_id is None:
            return
        channel = f"session:{self.session_id}"
        if self._watched is not None and self._watched.channel == channel:
            return
        self.stop_watching()
        self._watched = self.live.subscribe(channel)
        threading.Thread(target=self._forward_watching, args=(self._watched, self.session_id),
                         name="watching", daemon=True).start()

    def _forward_watching(self, sub: Any, session_id: str) -> None:
        told = 0  # the count last sent: the same count is not sent twice in a row
        try:
            count = self.watching(session_id) if self.watching is not None else 0
            while not sub.closed:
                if count != told:
                    self.send([{"type": "watching", "observers": count}])
                    told = count
                event = sub.get(timeout=1)
                if event is not None and event.get("type") == "watching" and not sub.closed:
                    count = int(event.get("observers", 0))
        except ConnectionClosed:
            pass
        except Exception:
            log.exception("stopped passing on watchers of session %s", session_id)
        finally:
            sub.close()

    def stop_watching(self) -> None:
        if self._watched is not None:
            self._watched.close()
            self._watched = None

    def run(self) -> None:
        self.send([hello_frame(idle_timeout=self.idle_timeout, rate=self.limiter.rate,
                               burst=self.limiter.burst)])
        last_heard = time.monotonic()
        while True:
            idle_left = self.idle_timeout - (time.monotonic() - last_heard)
            due = None
            if self.deadline is not None and self.session_id is not None:
                due = max(0.05, (self.deadline + LATE_GRACE - self.service.clock()).total_seconds())
            if due is None and idle_left <= 0:
                self.send([error_frame("idle_timeout", "closing an idle connection")])
                with self._send_lock:
                    self.ws.close(reason=1000, message="idle")
                return
            # A candidate thinking silently before a deadline is not idle: wait for the deadline.
            wait = due if due is not None and (idle_left <= 0 or due < idle_left) else idle_left
            raw = self.ws.receive(timeout=wait)
            if raw is None:
                if due is not None and wait == due:
                    self.send(self._tick())
                continue
            last_heard = time.monotonic()
            self.send(self.reply(raw))
            self.follow_watchers()

    def _tick(self) -> list[dict[str, Any]]:
        try:
            frames = self.service.tick(self.session_id)
            if not frames:  # moved on elsewhere (another connection): re-read the deadline
                self.deadline = self.service.deadline(self.session_id)
            return frames
        except Exception:
            log.exception("failed to apply a deadline")
            self.deadline = None  # retried on the next message or resume, not in a loop
            return [error_frame("server_error", "could not move on after the time limit; send resume to retry")]

    def reply(self, raw: str | bytes) -> list[dict[str, Any]]:
        try:
            msg = parse_client_message(raw)  # cheap and size-capped: done first so errors carry reply_to
        except ProtocolError as exc:
            if not self.limiter.allow():
                return [error_frame("rate_limited", "too many messages; slow down", exc.reply_to)]
            return [error_frame(exc.code, str(exc), exc.reply_to)]
        if not self.limiter.allow():
            return [error_frame("rate_limited", "too many messages; slow down and retry with the same id", msg.id)]
        try:
            return self._dispatch(msg)
        except ProtocolError as exc:
            return [error_frame(exc.code, str(exc), msg.id)]
        except PlanError as exc:
            return [error_frame(exc.code, str(exc), msg.id)]
        except NotFound:
            return [error_frame("session_not_found", "no such session, or not yours to open", msg.id)]
        except Exception:  # a database outage, say: the client may retry the same message
            log.exception("failed to handle %s message", msg.type)
            return [error_frame("server_error", "could not handle the message; retry it with the same id", msg.id)]

    def _dispatch(self, msg) -> list[dict[str, Any]]:
        if msg.type == "ping":
            return [{"type": "pong", "reply_to": msg.id}]
        if msg.type == "start":
            if self.user_id is None and not self.allow_guests:
                raise ProtocolError("sign_in_required", "sign in to practise")
            started = self.service.start(self.user_id, msg)
            self.session_id = started.session_id
            return started.frames
        if msg.type == "resume":
            frames = self.service.resume(msg.fields["session"], msg.fields["token"], self.user_id, msg)
            self.session_id = msg.fields["session"]
            return frames
        if self.session_id is None:
            raise ProtocolError("out_of_order", f"'{msg.type}' needs a session: send 'start' or 'resume' first")
        return self.service.handle(self.session_id, msg)


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


@sock.route("/ws/interview", bp=bp)
def interview(ws: Any) -> None:
    app = current_app
    if not same_origin_request():
        ws.send(json.dumps(error_frame("forbidden_origin", "this page may not open an interview here")))
        ws.close(reason=1008, message="origin")
        return
    from .observe_ws import watching_count

    this_app = app._get_current_object()  # the watching thread runs outside the request
    conn = Connection(ws, app.extensions["interviews"], current_user_id(), app.config,
                      live=app.extensions.get("live"), watching=lambda sid: watching_count(this_app, sid))
    try:
        conn.run()
    except ConnectionClosed:
        pass
    finally:
        conn.stop_watching()
