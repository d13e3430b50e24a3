"""Who may use each coaching route: anonymous, candidate A, candidate B, the coach of A, the coach
of B (not linked to A) and an admin. Pages send anonymous visitors to sign in; a session,
candidate, comment, invite, link or share of someone else answers 404, never 403; a route for
another role answers 403. No response carries another person's answers or email.

One set of accounts and interviews per database for the module. Routes that change something
get fresh targets from the `target` fixture, so the shared world stays as it was.
"""
from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from dbutil import database_urls, fresh_database
from sqlalchemy import select

from interviewbot.engine.protocol import parse_client_message
from interviewbot.store import Turn
from interviewbot.store.accounts import create_user
from interviewbot.store.coaching import (add_comment, comments_for_session, create_invite, create_share_link,
                                         effective_session_scores, link, pending_invites, share_links_for)
from interviewbot.web import create_app

PASSWORD = "a long enough password"
A_ANSWER = "Candidate A private answer: I cut our budget by 4% with finance and kept CSAT at 88."
B_ANSWER = "Candidate B private answer: I calmed the customer, apologised and owned the fix."
WHO = ("anonymous", "cand_a", "cand_b", "coach_a", "coach_b", "admin")
SIGN_IN = "sign-in"
_ids = itertools.count(1)


def message(type_: str, **fields):
    return parse_client_message(json.dumps({"type": type_, "id": f"x{next(_ids)}", **fields}))


def run_interview(app, owner_id: int, areas: list[str], answer: str, finish: bool = True) -> str:
    service = app.extensions["interviews"]
    started = service.start(owner_id, message("start", areas=areas, count=1, mode="practice"))
    frames = started.frames
    while finish and frames[-1]["type"] in ("question", "follow_up"):
        frames = service.handle(started.session_id, message("answer", text=answer))
    return started.session_id


@dataclass
class World:
    app: object
    people: dict
    clients: dict
    a_session: str  # A's finished practice session
    a_live: str  # A's session still in progress
    b_session: str
    a_turn: int  # the answered main question of a_session
    area: str  # an area of a_session's scorecard
    question: str

    @property
    def db(self):
        return self.app.extensions["db"]


@pytest.fixture(scope="module", params=database_urls())
def world(request):
    with fresh_database(request.param) as url:
        app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": url,
                          "WTF_CSRF_ENABLED": False, "LOGIN_RATE_LIMIT": "1000 per minute",
                          "SHARE_RATE_LIMIT": "1000 per minute"})
        db = app.extensions["db"]
        people = {"cand_a": create_user(db, "cand-a@example.com", PASSWORD),
                  "cand_b": create_user(db, "cand-b@example.com", PASSWORD),
                  "coach_a": create_user(db, "coach-a@example.com", PASSWORD, "coach"),
                  "coach_b": create_user(db, "coach-b@example.com", PASSWORD, "coach"),
                  "admin": create_user(db, "admin@example.com", PASSWORD, "admin"),
                  "spare_coach": create_user(db, "spare-coach@example.com", PASSWORD, "coach"),
                  "spare_cand": create_user(db, "spare-cand@example.com", PASSWORD)}
        admin = people["admin"].id
        link(db, people["coach_a"].id, people["cand_a"].id, admin)
        link(db, people["coach_b"].id, people["cand_b"].id, admin)
        a_session = run_interview(app, people["cand_a"].id, ["budgeting"], A_ANSWER)
        a_live = run_interview(app, people["cand_a"].id, ["budgeting"], A_ANSWER, finish=False)
        b_session = run_interview(app, people["cand_b"].id, ["escalation"], B_ANSWER)
        with db.session() as s:
            turn = s.scalar(select(Turn).where(Turn.session_id == a_session, Turn.kind == "question"))
        area = next(iter(effective_session_scores(db, a_session)["areas"]))
        clients = {"anonymous": app.test_client()}
        for who in WHO[1:]:
            client = app.test_client()
            response = client.post("/signin", data={"email": people[who].email, "password": PASSWORD})
            assert response.status_code == 302
            clients[who] = client
        yield World(app, people, clients, a_session, a_live, b_session, turn.id, area, turn.question_id)
        db.dispose()


@pytest.fixture
def target(world):
    """Factory of fresh things for routes that change them (so each request finds its own)."""
    db, p = world.db, world.people

    def make(kind: str):
        if kind == "comment":  # coach A's comment on A's session
            return add_comment(db, world.a_turn, p["coach_a"], "A comment to change").id
        if kind == "coach_link":  # coach A's link to a spare candidate
            return link(db, p["coach_a"].id, p["spare_cand"].id, p["admin"].id).id
        if kind == "candidate_link":  # candidate A's link to a spare coach
            return link(db, p["spare_coach"].id, p["cand_a"].id, p["admin"].id).id
        if kind == "admin_link":
            return link(db, p["spare_coach"].id, p["spare_cand"].id, p["admin"].id).id
        if kind == "invite":  # candidate A's invite
            create_invite(db, p["cand_a"].id)
            return pending_invites(db, p["cand_a"].id)[0].id
        if kind == "code":  # a spare candidate's invite code
            return create_invite(db, p["spare_cand"].id)
        if kind == "share":  # a share link of A's session
            create_share_link(db, world.a_session, p["cand_a"].id)
            return share_links_for(db, world.a_session)[0]["id"]
        if kind == "token":
            return create_share_link(db, world.a_session, p["cand_a"].id)
        raise ValueError(kind)

    return make


COACH_PAGE = (SIGN_IN, 403, 403, 200, 200, 403)
COACH_OF_A = (SIGN_IN, 403, 403, 200, 404, 403)
COACH_OF_A_POST = (SIGN_IN, 403, 403, 302, 404, 403)
OWNER_OF_A = (SIGN_IN, 200, 404, 404, 404, 404)
ANY_SIGNED_IN = (SIGN_IN, 200, 200, 200, 200, 200)

# route -> (method, path, form data, expected for each of WHO); {placeholders} are filled below
ROUTES = {
    "dashboard": ("GET", "/coach", None, COACH_PAGE),
    "sessions": ("GET", "/coach/sessions", None, COACH_PAGE),
    "sessions-of-a": ("GET", "/coach/sessions?candidate={cand_a}", None, COACH_OF_A),
    "review": ("GET", "/coach/sessions/{a}", None, COACH_OF_A),
    "review-unknown": ("GET", "/coach/sessions/no-such-session", None, (SIGN_IN, 403, 403, 404, 404, 403)),
    "export-md": ("GET", "/coach/sessions/{a}.md", None, COACH_OF_A),
    "export-json": ("GET", "/coach/sessions/{a}.json", None, COACH_OF_A),
    "print": ("GET", "/coach/sessions/{a}/print", None, COACH_OF_A),
    "live": ("GET", "/coach/sessions/{a_live}/live", None, COACH_OF_A),
    "scores-csv": ("GET", "/coach/candidates/{cand_a}/scores.csv", None, COACH_OF_A),
    "comment": ("POST", "/coach/sessions/{a}/turns/{turn}/comments", {"c{turn}-body": "Well argued."}, COACH_OF_A_POST),
    "override": ("POST", "/coach/sessions/{a}/turns/{turn}/override",
                 {"o{turn}-score": "70", "o{turn}-reason": "Specific numbers."}, COACH_OF_A_POST),
    "override-area": ("POST", "/coach/sessions/{a}/areas/{area}/override",
                      {"a-{area}-score": "65", "a-{area}-reason": "Overall fair."}, COACH_OF_A_POST),
    "comment-edit": ("POST", "/coach/sessions/{a}/comments/{comment}/edit", {"e{comment}-body": "Changed."},
                     COACH_OF_A_POST),
    "comment-delete": ("POST", "/coach/sessions/{a}/comments/{comment}/delete", {}, COACH_OF_A_POST),
    "coach-end-link": ("POST", "/coach/links/{coach_link}/end", {}, COACH_OF_A_POST),
    "accept-form": ("GET", "/coach/invites/accept", None, COACH_PAGE),
    "accept-link": ("GET", "/coach/invites/{code}", None, COACH_PAGE),
    "accept": ("POST", "/coach/invites/accept", {"code": "{code}"}, (SIGN_IN, 403, 403, 302, 302, 403)),
    "agreement": ("GET", "/coach/agreement", None, COACH_PAGE),
    "calibrate-index": ("GET", "/coach/calibrate", None, COACH_PAGE),
    "calibrate": ("GET", "/coach/calibrate/{question}", None, COACH_PAGE),
    "calibrate-unknown": ("GET", "/coach/calibrate/no-such-question", None, (SIGN_IN, 403, 403, 404, 404, 403)),
    "calibrate-score": ("POST", "/coach/calibrate/{question}", {"key": "vague", "s-vague-score": "20"},
                        (SIGN_IN, 403, 403, 302, 302, 403)),
    "coaching": ("GET", "/coaching", None, ANY_SIGNED_IN),
    "invite": ("POST", "/coaching/invites", {}, (SIGN_IN, 201, 201, 201, 201, 201)),
    "invite-revoke": ("POST", "/coaching/invites/{invite}/revoke", {}, (SIGN_IN, 302, 404, 404, 404, 404)),
    "candidate-end-link": ("POST", "/coaching/links/{candidate_link}/end", {}, (SIGN_IN, 302, 404, 404, 404, 404)),
    "shares": ("GET", "/sessions/{a}/share", None, OWNER_OF_A),
    "share": ("POST", "/sessions/{a}/share", {}, (SIGN_IN, 201, 404, 404, 404, 404)),
    "share-revoke": ("POST", "/sessions/{a}/share/{share}/revoke", {}, (SIGN_IN, 302, 404, 404, 404, 404)),
    "shared": ("GET", "/share/{token}", None, (200, 200, 200, 200, 200, 200)),
    "shared-unknown": ("GET", "/share/not-a-real-token", None, (404, 404, 404, 404, 404, 404)),
    "my-scores": ("GET", "/sessions/scores.csv", None, ANY_SIGNED_IN),
    "my-print": ("GET", "/sessions/{a}/print", None, OWNER_OF_A),
    "admin": ("GET", "/admin", None, (SIGN_IN, 403, 403, 403, 403, 200)),
    "admin-link": ("POST", "/admin/links", {"coach": "spare-coach@example.com", "candidate": "spare-cand@example.com"},
                   (SIGN_IN, 403, 403, 403, 403, 302)),
    "admin-end-link": ("POST", "/admin/links/{admin_link}/end", {}, (SIGN_IN, 403, 403, 403, 403, 302)),
}
FRESH = ("comment", "coach_link", "candidate_link", "admin_link", "invite", "code", "share", "token")


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("route", ROUTES)
def test_access(world, target, route, who):
    method, template, data, expected = ROUTES[route]
    expected = expected[WHO.index(who)]
    values = {"a": world.a_session, "a_live": world.a_live, "turn": world.a_turn, "area": world.area,
              "question": world.question, "cand_a": world.people["cand_a"].id}
    for kind in FRESH:
        if "{" + kind + "}" in template + json.dumps(data):
            values[kind] = target(kind)
    path = template.format(**values)
    form = {k.format(**values): v.format(**values) for k, v in (data or {}).items()}

    response = world.clients[who].open(path, method=method, data=form if method == "POST" else None)
    body = response.get_data(as_text=True)

    if expected == SIGN_IN:
        assert response.status_code == 302
        location = urlsplit(response.headers["Location"])
        assert location.path == "/signin" and not location.netloc
    else:
        assert response.status_code == expected, body[:800]
    assert_no_one_elses_data(world, who, body)


def assert_no_one_elses_data(world, who: str, body: str) -> None:
    """Candidate B's answers, sessions and email never reach A's side, nor A's reach B's side."""
    hidden = {"cand_a": [B_ANSWER, world.b_session, "cand-b@example.com"],
              "coach_a": [B_ANSWER, world.b_session, "cand-b@example.com"],
              "cand_b": [A_ANSWER, world.a_session, world.a_live, "cand-a@example.com"],
              "coach_b": [A_ANSWER, world.a_session, world.a_live, "cand-a@example.com"],
              "admin": [A_ANSWER, B_ANSWER, world.a_session, world.b_session],
              "anonymous": [B_ANSWER, world.b_session]}[who]
    for secret in hidden:
        assert secret not in body, f"{who} got {secret!r}"


def test_every_coaching_route_is_in_the_matrix(world):
    """A new route must be added above, with who may use it."""
    ours = {r.rule for r in world.app.url_map.iter_rules()
            if r.endpoint.split(".")[0] in ("coach", "coaching", "admin")}
    covered = {re.sub(r"\?.*", "", path) for _, path, _, _ in ROUTES.values()}
    normalise = lambda rule: re.sub(r"<(?:int:)?[^>]+>", "X", rule)  # noqa: E731
    assert {normalise(r) for r in ours} <= {re.sub(r"\{[a-z_]+\}|no-such-[a-z-]+|not-a-real-token", "X", p)
                                            for p in covered}


def test_a_post_without_a_csrf_token_is_refused(world):
    app = world.app
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = world.clients["coach_a"].post(
            f"/coach/sessions/{world.a_session}/turns/{world.a_turn}/comments",
            data={f"c{world.a_turn}-body": "No token"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    bodies = [c.body for cs in comments_for_session(world.db, world.a_session).values() for c in cs]
    assert "No token" not in bodies
