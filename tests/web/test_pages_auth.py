"""Accounts and the protections around every page: sign-up and sign-in messages, the login rate
limit, safe redirects after sign-in, CSRF on every state change, cookie flags, security headers
and pages that need no inline script or style."""
from __future__ import annotations

import itertools
import json
import re
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy import func, select

from interviewbot.engine.protocol import parse_client_message
from interviewbot.store import InterviewSession, User
from interviewbot.store.accounts import create_user

PASSWORD = "a long enough password"
_ids = itertools.count(1)


@pytest.fixture
def app(make_app):
    return make_app(WTF_CSRF_ENABLED=False)


@pytest.fixture
def csrf_app(make_app):
    return make_app(WTF_CSRF_ENABLED=True)


@pytest.fixture
def account(app):
    return create_user(app.extensions["db"], "someone@example.com", PASSWORD)


def practice_session(app, owner_id: int) -> str:
    msg = parse_client_message(json.dumps({"type": "start", "id": f"s{next(_ids)}",
                                           "areas": ["budgeting"], "count": 1}))
    return app.extensions["interviews"].start(owner_id, msg).session_id


def csrf_token(page: str) -> str:
    """The token of the first form on `page` (what a browser would send with it)."""
    tag = re.search(r'<input[^>]*name="csrf_token"[^>]*>', page).group(0)
    return re.search(r'value="([^"]+)"', tag).group(1)


def field_error(page: str, field_id: str) -> str | None:
    """The message shown for one field, checked to be tied to the field for screen readers."""
    match = re.search(rf'<p class="error" id="{field_id}-error">([^<]+)</p>', page)
    if match is None:
        return None
    assert re.search(rf'id="{field_id}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="{field_id}"', page)
    return match.group(1)


def count(app, model, **where) -> int:
    with app.extensions["db"].session() as s:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return s.scalar(query)


# -- sign up --------------------------------------------------------------------------------------
@pytest.mark.parametrize("form, field, message", [
    ({"email": "", "password": PASSWORD, "confirm": PASSWORD}, "email", "Enter your email address."),
    ({"email": "not-an-email", "password": PASSWORD, "confirm": PASSWORD}, "email",
     "Enter an email address like name@example.com."),
    ({"email": "new@example.com", "password": "short", "confirm": "short"}, "password", "Use at least 10 characters."),
    ({"email": "new@example.com", "password": PASSWORD, "confirm": PASSWORD + "!"}, "confirm",
     "The two passwords differ."),
    ({"email": "Someone@Example.com", "password": PASSWORD, "confirm": PASSWORD}, "email",
     "An account with this email already exists."),
], ids=["empty email", "bad email", "short password", "mismatched confirm", "duplicate email"])
def test_sign_up_names_what_is_wrong_with_each_field(app, account, form, field, message):
    response = app.test_client().post("/signup", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert field_error(page, field) == message
    assert count(app, User) == 1  # only the account that was there already


def test_sign_up_creates_the_account_and_signs_in(app):
    client = app.test_client()
    response = client.post("/signup", data={"email": "fresh@example.com", "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert count(app, User, email="fresh@example.com") == 1
    assert client.get("/sessions").status_code == 200


# -- sign in --------------------------------------------------------------------------------------
@pytest.mark.parametrize("email", ["someone@example.com", "nobody@example.com"], ids=["wrong password", "unknown email"])
def test_wrong_credentials_get_one_message_that_reveals_nothing(app, account, email):
    response = app.test_client().post("/signin", data={"email": email, "password": "not the password"})
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "password") == "That email and password do not match an account."


def test_sign_in_is_rate_limited(make_app):
    app = make_app(WTF_CSRF_ENABLED=False, LOGIN_RATE_LIMIT="3 per minute")
    create_user(app.extensions["db"], "someone@example.com", PASSWORD)
    client = app.test_client()
    statuses = [client.post("/signin", data={"email": "someone@example.com", "password": "wrong"}).status_code
                for _ in range(3)]
    blocked = client.post("/signin", data={"email": "someone@example.com", "password": PASSWORD})
    assert statuses == [400, 400, 400]
    assert blocked.status_code == 429 and "Too many attempts" in blocked.get_data(as_text=True)
    assert client.get("/sessions").status_code == 302  # the right password did not get through


def test_a_page_that_needs_an_account_sends_to_sign_in_and_back(app, account):
    client = app.test_client()
    response = client.get("/sessions?page=1")
    assert response.status_code == 302
    sign_in_url = response.headers["Location"]
    assert urlsplit(sign_in_url).path == "/signin"
    landed = client.post(sign_in_url, data={"email": account.email, "password": PASSWORD})
    assert landed.status_code == 302 and landed.headers["Location"] == "/sessions?page=1"


@pytest.mark.parametrize("target", [
    "https://evil.example/phish", "//evil.example/phish", "/\\evil.example/phish", "\\\\evil.example",
    "javascript:alert(1)", "http:evil.example", "/%2F%2Fevil.example",
])
def test_sign_in_never_redirects_to_another_site(app, account, target):
    response = app.test_client().post("/signin", query_string={"next": target},
                                      data={"email": account.email, "password": PASSWORD})
    assert response.status_code == 302
    # Resolved the way a browser does (it reads a backslash as a slash): still this site.
    location = response.headers["Location"].replace("\\", "/")
    assert urlsplit(urljoin("http://localhost/signin", location)).netloc == "localhost", location


# -- CSRF ------------------------------------------------------------------------------------------
def signed_in_with_csrf(app):
    create_user(app.extensions["db"], "someone@example.com", PASSWORD)
    client = app.test_client()
    token = csrf_token(client.get("/signin").get_data(as_text=True))
    response = client.post("/signin", data={"email": "someone@example.com", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    return client


def test_sign_in_without_the_csrf_token_is_refused(csrf_app):
    create_user(csrf_app.extensions["db"], "someone@example.com", PASSWORD)
    client = csrf_app.test_client()
    response = client.post("/signin", data={"email": "someone@example.com", "password": PASSWORD})
    assert response.status_code == 400 and "did not come from this site" in response.get_data(as_text=True)
    assert client.get("/sessions").status_code == 302


def test_sign_out_needs_a_post_with_the_csrf_token(csrf_app):
    client = signed_in_with_csrf(csrf_app)
    assert client.get("/signout").status_code == 405
    assert client.post("/signout").status_code == 400
    assert client.get("/sessions").status_code == 200  # still signed in

    token = csrf_token(client.get("/").get_data(as_text=True))
    response = client.post("/signout", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/sessions").status_code == 302


def test_deleting_a_session_without_the_csrf_token_is_refused(csrf_app):
    client = signed_in_with_csrf(csrf_app)
    owner = csrf_app.extensions["db"]
    with owner.session() as s:
        user_id = s.scalar(select(User.id))
    sid = practice_session(csrf_app, user_id)
    assert client.post(f"/sessions/{sid}/delete").status_code == 400
    assert count(csrf_app, InterviewSession, id=sid) == 1

    form = client.get(f"/sessions/{sid}").get_data(as_text=True).split('class="danger-zone"')[1]
    response = client.post(f"/sessions/{sid}/delete", data={"csrf_token": csrf_token(form)})
    assert response.status_code == 302 and count(csrf_app, InterviewSession, id=sid) == 0


def test_deleting_the_account_without_the_csrf_token_is_refused(csrf_app):
    client = signed_in_with_csrf(csrf_app)
    response = client.post("/account", data={"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 400 and count(csrf_app, User) == 1

    token = csrf_token(client.get("/account").get_data(as_text=True))
    response = client.post("/account", data={"password": PASSWORD, "confirm": "y", "csrf_token": token})
    assert response.status_code == 302 and count(csrf_app, User) == 0


# -- cookies, headers, no inline code -----------------------------------------------------------------
def test_session_cookie_is_http_only_and_same_site_lax(app, account):
    response = app.test_client().post("/signin", data={"email": account.email, "password": PASSWORD})
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    flags = [part.strip().lower() for part in cookie.split(";")]
    assert "httponly" in flags and "samesite=lax" in flags


def pages_of_a_signed_in_candidate(app, account):
    client = app.test_client()
    client.post("/signin", data={"email": account.email, "password": PASSWORD})
    sid = practice_session(app, account.id)
    return client, ["/", "/practice", "/sessions", f"/sessions/{sid}", f"/sessions/{sid}.md",
                    f"/sessions/{sid}.json", "/account", "/api/sessions", f"/api/sessions/{sid}",
                    "/sessions/not-a-session"]


def test_security_headers_on_every_page(app, account):
    client, paths = pages_of_a_signed_in_candidate(app, account)
    for path in paths + ["/signin", "/signup"]:
        headers = client.get(path).headers
        policy = headers["Content-Security-Policy"]
        assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy, path
        assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy, path
        assert headers["X-Content-Type-Options"] == "nosniff", path


def test_pages_have_no_inline_script_style_or_event_handlers(app, account):
    client, paths = pages_of_a_signed_in_candidate(app, account)
    for path in paths:
        response = client.get(path)
        if response.mimetype != "text/html":
            continue
        page = response.get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), path
        assert not re.search(r"<style\b|\sstyle=", page), path
        assert not re.search(r"\son[a-z]+=", page), path
