"""Running as a service: health, readiness, request ids, structured logs, production config."""
import json
import logging

import pytest

from interviewbot.web import ConfigurationError, create_app


def test_healthz_and_readyz(make_app):
    client = make_app().test_client()
    assert client.get("/healthz").json == {"status": "ok"}
    assert client.get("/readyz").json == {"status": "ok", "database": "ok"}


def test_readyz_says_unavailable_when_the_database_is_gone(make_app):
    app = make_app()
    app.extensions["db"].engine.dispose()
    from sqlalchemy import create_engine
    app.extensions["db"].engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and response.json["database"] == "unreachable"


def test_every_response_carries_a_request_id(make_app):
    client = make_app().test_client()
    generated = client.get("/healthz").headers["X-Request-ID"]
    assert len(generated) == 16
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"


def test_requests_are_logged_as_json_with_their_id(make_app, caplog):
    from interviewbot.web.observability import JsonFormatter
    client = make_app().test_client()
    with caplog.at_level(logging.INFO, logger="interviewbot.requests"):
        client.get("/practice", headers={"X-Request-ID": "req-42"})
    record = next(r for r in caplog.records if r.name == "interviewbot.requests")
    # the formatter needs the request context the record was made in; check the fields instead
    assert (record.method, record.path, record.status) == ("GET", "/practice", 200)
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert entry["path"] == "/practice" and entry["status"] == 200 and "ms" in entry


def test_production_refuses_the_default_secret(monkeypatch, db_url):
    monkeypatch.setenv("INTERVIEWBOT_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app({"DATABASE_URL": db_url})


def test_production_refuses_cheap_password_hashing(monkeypatch, db_url):
    monkeypatch.setenv("INTERVIEWBOT_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("INTERVIEWBOT_CHEAP_HASHING", "1")
    with pytest.raises(ConfigurationError, match="INTERVIEWBOT_CHEAP_HASHING"):
        create_app({"DATABASE_URL": db_url})


def test_production_with_a_real_secret_starts_with_secure_cookies(monkeypatch, db_url):
    monkeypatch.setenv("INTERVIEWBOT_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.delenv("INTERVIEWBOT_CHEAP_HASHING", raising=False)
    app = create_app({"DATABASE_URL": db_url})
    try:
        assert app.config["SESSION_COOKIE_SECURE"] is True
    finally:
        app.extensions["db"].dispose()
