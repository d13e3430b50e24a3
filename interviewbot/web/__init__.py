"""The Flask application: blueprints around the pure core."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from ..bank import load_bank
from ..live import make_broker
from ..store.accounts import CHEAP_HASHING
from ..store.db import Database, database_url, upgrade
from ..store.interviews import InterviewService, sync_bank
from ..store.sessions import purge_expired_guest_sessions
from .rendering import render_markdown
from .observability import configure_logging, init_request_ids
from .security import init_security

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
MAX_WS_MESSAGE_BYTES = 1024 * 1024  # larger frames close the connection (1009)
DEV_SECRET = "dev-only-not-secret"


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


def instance_path() -> str:
    return os.environ.get("INTERVIEWBOT_INSTANCE", str(PROJECT_ROOT / "instance"))


class ConfigurationError(RuntimeError):
    """The service must not start as configured."""


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    production = os.environ.get("INTERVIEWBOT_ENV", "development") == "production"
    app = Flask(
        __name__,
        instance_path=instance_path(),
        template_folder=str(PROJECT_ROOT / "web" / "templates"),
        static_folder=str(PROJECT_ROOT / "web" / "static"),
    )
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("SECRET_KEY", DEV_SECRET),
        PRODUCTION=production,
        LOG_LEVEL=os.environ.get("LOG_LEVEL", "INFO"),
        BANK_PATH=os.environ.get("INTERVIEWBOT_BANK", str(PROJECT_ROOT / "question_bank")),
        DATABASE_URL=None,
        ALLOW_GUESTS=_env_bool("ALLOW_GUESTS", True),
        WS_IDLE_TIMEOUT=float(os.environ.get("WS_IDLE_TIMEOUT", 900)),
        WS_RATE=float(os.environ.get("WS_RATE", 5)),  # messages per second, on average
        WS_BURST=int(os.environ.get("WS_BURST", 20)),
        SOCK_SERVER_OPTIONS={"ping_interval": 25, "max_message_size": MAX_WS_MESSAGE_BYTES},
        REDIS_URL=os.environ.get("REDIS_URL"),
        LOGIN_RATE_LIMIT=os.environ.get("LOGIN_RATE_LIMIT", "10 per minute"),
        GUEST_RETENTION_DAYS=int(os.environ.get("GUEST_RETENTION_DAYS", 30)),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=_env_bool("SESSION_COOKIE_SECURE", production),
        PERMANENT_SESSION_LIFETIME=60 * 60 * 24 * 14,
        MAX_CONTENT_LENGTH=1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,  # tokens live as long as the signed session cookie
    )
    if test_config:
        app.config.update(test_config)
    if app.config["PRODUCTION"] and (app.config["SECRET_KEY"] in (DEV_SECRET, "") or len(app.config["SECRET_KEY"]) < 16):
        raise ConfigurationError("INTERVIEWBOT_ENV=production needs SECRET_KEY set to a long random value")
    if app.config["PRODUCTION"] and os.environ.get(CHEAP_HASHING) == "1":
        raise ConfigurationError(f"INTERVIEWBOT_ENV=production refuses {CHEAP_HASHING}=1 (weak password hashes)")
    configure_logging(app.config["LOG_LEVEL"])
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    url = app.config["DATABASE_URL"] or database_url(app.instance_path)
    app.config["DATABASE_URL"] = url

    bank = load_bank(app.config["BANK_PATH"])
    upgrade(url)
    db = Database(url)
    sync_bank(db, bank)
    purge_expired_guest_sessions(db, app.config["GUEST_RETENTION_DAYS"])
    app.extensions["bank"] = bank
    app.extensions["db"] = db
    app.extensions["live"] = live = make_broker(app.config["REDIS_URL"])
    app.extensions["interviews"] = InterviewService(db, bank, publish=live.publish)

    init_security(app)
    init_request_ids(app)
    from . import (admin, api, auth, coach, coaching_candidate, history, interview_ws, observability,
                   observe_ws, pages, schedule)

    interview_ws.sock.init_app(app)
    for blueprint in (observability.bp, auth.bp, pages.bp, history.bp, interview_ws.bp,
                      api.bp, coach.bp, coaching_candidate.bp, admin.bp, observe_ws.bp, schedule.bp):
        app.register_blueprint(blueprint)
    app.jinja_env.filters["markdown"] = render_markdown
    _register_errors(app)

    return app


_ERRORS = {
    400: ("Bad request", "The request could not be understood. If you submitted a form, reload the page and try again."),
    403: ("Not allowed", "You do not have access to this page."),
    404: ("Not found", "There is nothing here, or it is not yours to see."),
    413: ("Too large", "That was more than we accept in one request."),
    429: ("Slow down", "Too many attempts in a short time. Wait a minute and try again."),
}


def _register_errors(app: Flask) -> None:
    from flask import jsonify, render_template, request
    from flask_wtf.csrf import CSRFError

    def handler(code: int, message: str | None = None):
        def handle(error):
            title, text = _ERRORS[code]
            text = message or text
            if request.path.startswith("/api/"):
                return jsonify(error=title, message=text), code
            return render_template("error.html", code=code, title=title, message=text), code
        return handle

    for code in _ERRORS:
        app.register_error_handler(code, handler(code))
    app.register_error_handler(CSRFError, handler(400, "The form expired or did not come from this site. Reload the page and try again."))
