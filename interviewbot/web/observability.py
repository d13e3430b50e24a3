"""Structured logs (one JSON object per line) carrying a request id, and health endpoints."""
from __future__ import annotations

import json
import logging
import secrets
import sys
import time
from typing import Any

from flask import Blueprint, Flask, current_app, g, has_request_context, request
from sqlalchemy import text

bp = Blueprint("health", __name__)
log = logging.getLogger("interviewbot.requests")


class JsonFormatter(logging.Formatter):
    """`{"ts", "level", "logger", "msg", "request_id", "session", ...}` — grep- and jq-friendly."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if has_request_context() and "request_id" in g:
            entry["request_id"] = g.request_id
        for key in ("session", "client_msg", "status", "method", "path", "ms", "user"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str) -> None:
    root = logging.getLogger()
    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    logging.Formatter.converter = time.gmtime
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # we log requests ourselves


def init_request_ids(app: Flask) -> None:
    @app.before_request
    def _start() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else secrets.token_hex(8)
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        if request.path != "/healthz":
            # The route, not the path: paths can carry secrets (share tokens, invite codes, feeds).
            path = request.url_rule.rule if request.url_rule is not None else "(no route)"
            log.info("%s %s %s", request.method, path, response.status_code, extra={
                "method": request.method, "path": path, "status": response.status_code,
                "ms": round(1000 * (time.perf_counter() - g.get("started", time.perf_counter())), 1),
                "user": session_user(),
            })
        return response


def session_user() -> int | None:
    from flask import session

    return session.get("user_id")


@bp.get("/healthz")
def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    """Readiness: the database answers too (a load balancer sends traffic only when ready)."""
    try:
        with current_app.extensions["db"].engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any database failure means: not ready
        log.warning("not ready: %s", exc.__class__.__name__)
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}
