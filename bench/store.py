"""The coach's pages with 100,000 turns stored: session list, search, caseload, transcript.

    .venv/bin/python bench/store.py
    .venv/bin/python bench/store.py --database postgresql+psycopg://postgres@127.0.0.1:5432/test

Migrates a fresh database (a SQLite file in a temporary folder, or a schema of its own on the
PostgreSQL server, dropped afterwards) with the package's migrations, then fills it with core
INSERTs (executemany): accounts (one coach linked to 50 candidates, other coaches with theirs,
unlinked candidates, an ended link), about 10,000 sessions and 100,000 turns, coaches' comments
and score overrides. Sessions are copies of interviews run through the real engine in memory,
answered with stretches of the bank's example answers, so answer texts, ratings (the rater's
JSON, evidence offsets included) and summaries are what the service stores.

Then it times, repeated, the storage functions the pages call and the same pages through the
Flask app's test client (templates included), and prints p50 / p95 / max in milliseconds and the
number of SQL statements each one runs.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, insert, select
from sqlalchemy.engine import make_url

from interviewbot.bank import Bank, load_bank
from interviewbot.engine import Interview, SessionState, choose_questions, make_plan
from interviewbot.store import (CoachLink, InterviewSession, ScoreOverride, Turn,
                                TurnComment, User, upgrade)
from interviewbot.store.accounts import get_user
from interviewbot.store.coaching import (can_view_session, comments_for_session,
                                         effective_session_scores, is_linked, override_history)
from interviewbot.store.coaching_views import SessionFilters, caseload, coach_session_page
from interviewbot.store.db import Database, scratch_schema
from interviewbot.store.interviews import sync_bank
from interviewbot.store.sessions import attempts, transcript_for_owner

BANK_PATH = Path(__file__).resolve().parent.parent / "question_bank"
PER_PAGE = 25  # the coach's session list (interviewbot/web/coach.py)
TARGET_MS = 50.0
NOW = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)  # data is dated back from now
T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)  # templates are run from here, then shifted


# -- a fresh database ---------------------------------------------------------------------------
@contextmanager
def fresh_database(server_url: str | None) -> Iterator[str]:
    """A SQLite file in a temporary folder, or a new schema on the PostgreSQL server (reached
    through ``search_path``), dropped on exit."""
    if not server_url:
        with tempfile.TemporaryDirectory(prefix="interviewbot-bench-") as folder:
            yield f"sqlite:///{folder}/interviewbot.db"
        return
    with scratch_schema(server_url, prefix="bench") as url:
        yield url


# -- interviews run through the engine, to copy -------------------------------------------------
@dataclass
class Template:
    mode: str
    plan: dict[str, Any]
    question_ids: list[str]
    status: str
    summary: dict[str, Any] | None
    turns: list[dict[str, Any]]  # Turn columns, times as offsets from the start
    duration: timedelta


def answer_text(bank: Bank, question_id: str, follow_up: bool, rng: random.Random,
                questions: list[str]) -> str:
    """A stretch of the bank's example answer (a short one for a follow-up); now and then an
    answer to another question, which the rater scores low."""
    if not follow_up and rng.random() < 0.15:
        question_id = rng.choice(questions)
    words = bank.questions[question_id].example_answer.split()
    size = rng.randint(30, 90) if follow_up else int(len(words) * rng.uniform(0.3, 1.0))
    size = max(10, min(size, len(words)))
    start = rng.randrange(len(words) - size + 1)
    return " ".join(words[start:start + size])


def run_template(bank: Bank, rng: random.Random, questions: list[str], areas: list[str]) -> Template:
    mode = "mock" if rng.random() < 0.2 else "practice"
    chosen = "all" if rng.random() < 0.3 else rng.sample(areas, rng.randint(1, 3))
    count = rng.randint(6, 9) if mode == "practice" else rng.randint(7, 10)
    if chosen != "all":
        count = min(count, sum(1 for q in bank.questions.values() if q.area in chosen))
    plan = make_plan(bank, chosen, count, mode)
    state = SessionState(plan, choose_questions(bank, plan, set(), rng))
    now = T0
    Interview(bank, state).begin(now)
    stop_after = rng.randint(1, count) if rng.random() < 0.04 else None  # left in progress
    answered = 0
    while state.current is not None and answered != stop_after:
        now += timedelta(seconds=rng.uniform(30, 170))
        if rng.random() < 0.03:
            Interview(bank, state).skip(now)
        else:
            turn = state.current
            Interview(bank, state).answer(
                answer_text(bank, turn.question_id, turn.kind == "follow_up", rng, questions), now)
        answered += 1
    turns = [{
        "position": t.position, "question_id": t.question_id, "kind": t.kind,
        "parent_position": t.parent_position, "concept": t.concept, "prompt": t.prompt,
        "status": t.status, "answer_text": t.answer, "rating": t.rating,
        "client_msg_id": f"m{t.position + 2}" if t.answer is not None else None,
        "asked_at": t.asked_at - T0, "answered_at": t.answered_at - T0 if t.answered_at else None,
        "deadline": t.deadline - T0 if t.deadline else None,
    } for t in state.turns]
    return Template(mode, plan.to_dict(), list(state.question_ids), state.status, state.summary,
                    turns, now - T0)


# -- the rows -----------------------------------------------------------------------------------
@dataclass
class Data:
    coach_id: int
    candidate_ids: list[int]  # the measured coach's
    transcript_id: str  # a session of one of them, with comments and overrides
    transcript_owner: int
    sessions: int
    turns: int
    comments: int
    overrides: int
    seconds: float


def hex_id(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


def fill(db: Database, bank: Bank, turns_wanted: int, templates: int, rng: random.Random) -> Data:
    started = time.perf_counter()
    questions = sorted(bank.questions)
    areas = sorted(bank.areas)
    pool = [run_template(bank, rng, questions, areas) for _ in range(templates)]

    # accounts: 5 coaches with 50 candidates each, 50 candidates without a coach, an admin
    users: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    coach_ids = list(range(1, 6))
    admin_id = 6
    candidate_ids = list(range(7, 7 + 300))
    for uid in coach_ids:
        users.append({"id": uid, "email": f"coach{uid}@example.com", "role": "coach"})
    users.append({"id": admin_id, "email": "admin@example.com", "role": "admin"})
    for uid in candidate_ids:
        users.append({"id": uid, "email": f"candidate{uid}@example.com", "role": "candidate"})
    for u in users:
        u.update(password_hash=None, created_at=NOW - timedelta(days=400), timezone="Europe/London")
    for n, uid in enumerate(candidate_ids[:250]):
        coach = coach_ids[n // 50]
        links.append({"id": len(links) + 1, "coach_id": coach, "candidate_id": uid,
                      "created_at": NOW - timedelta(days=380), "created_by": admin_id,
                      "ended_at": None, "ended_by": None})
    # the measured coach also coached one of coach 2's candidates once (an ended link)
    links.append({"id": len(links) + 1, "coach_id": 1, "candidate_id": candidate_ids[60],
                  "created_at": NOW - timedelta(days=390), "created_by": admin_id,
                  "ended_at": NOW - timedelta(days=200), "ended_by": admin_id})
    coach_of = {link["candidate_id"]: link["coach_id"] for link in links if link["ended_at"] is None}

    # sessions: owners weighted (some candidates practise far more than others), 5% guests
    weights = [rng.lognormvariate(0, 0.8) for _ in candidate_ids]
    sessions: list[dict[str, Any]] = []
    turns: list[dict[str, Any]] = []
    comments: list[dict[str, Any]] = []
    overrides: list[dict[str, Any]] = []
    span = (NOW - timedelta(days=365)).timestamp(), (NOW - timedelta(hours=1)).timestamp()
    guest_span = (NOW - timedelta(days=20)).timestamp(), span[1]
    while len(turns) < turns_wanted:
        t = pool[rng.randrange(len(pool))]
        owner = None if rng.random() < 0.05 else rng.choices(candidate_ids, weights)[0]
        # guests' sessions are removed after 30 days (GUEST_RETENTION_DAYS): only recent ones
        start = datetime.fromtimestamp(rng.uniform(*(guest_span if owner is None else span)), timezone.utc)
        sid = hex_id(rng)
        end = start + t.duration
        sessions.append({
            "id": sid, "owner_id": owner, "is_guest": owner is None, "mode": t.mode,
            "status": t.status, "plan": t.plan, "question_ids": t.question_ids,
            "bank_version": bank.version, "resume_token_hash": hashlib.sha256(sid.encode()).hexdigest(),
            "created_at": start, "updated_at": end,
            "finished_at": end if t.status == "finished" else None, "summary": t.summary})
        first_turn = len(turns) + 1
        for tt in t.turns:
            turns.append({**tt, "id": len(turns) + 1, "session_id": sid,
                          "asked_at": start + tt["asked_at"],
                          "answered_at": start + tt["answered_at"] if tt["answered_at"] else None,
                          "deadline": start + tt["deadline"] if tt["deadline"] else None})
        coach = coach_of.get(owner)
        if coach is None or t.status != "finished":
            continue
        answered = [turns[i - 1] for i in range(first_turn, len(turns) + 1)
                    if turns[i - 1]["rating"] is not None]
        if rng.random() < 0.08:
            for turn in rng.sample(answered, min(len(answered), rng.randint(1, 3))):
                comments.append(comment_row(len(comments) + 1, turn, coach, rng))
        if rng.random() < 0.04 and answered:
            overrides.append(turn_override(len(overrides) + 1, rng.choice(answered), coach, rng))
        if rng.random() < 0.02 and t.summary and t.summary.get("areas"):
            overrides.append(area_override(len(overrides) + 1, sid, t.summary, end, coach, rng))

    # the transcript to open: the measured coach's candidate's finished session with most turns
    mine = set(candidate_ids[:50])
    by_session: Counter[str] = Counter(t["session_id"] for t in turns)
    target = max((s for s in sessions if s["owner_id"] in mine and s["status"] == "finished"
                  and s["mode"] == "practice"), key=lambda s: (by_session[s["id"]], s["id"]))
    answered = [t for t in turns if t["session_id"] == target["id"] and t["rating"] is not None]
    for turn in answered[:6]:
        comments.append(comment_row(len(comments) + 1, turn, 1, rng))
    for turn in answered[:2]:
        overrides.append(turn_override(len(overrides) + 1, turn, 1, rng))
    overrides.append(area_override(len(overrides) + 1, target["id"], target["summary"],
                                   target["updated_at"], 1, rng))

    tables = [(User, users), (CoachLink, links), (InterviewSession, sessions), (Turn, turns),
              (TurnComment, comments), (ScoreOverride, overrides)]
    with db.engine.begin() as c:
        for model, rows in tables:
            for i in range(0, len(rows), 2000):
                c.execute(insert(model.__table__), rows[i:i + 2000])
        if c.dialect.name == "postgresql":
            for model, rows in tables:
                if model is not InterviewSession and rows:
                    name = model.__tablename__
                    c.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), {len(rows)})")
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.exec_driver_sql("VACUUM ANALYZE")  # what autovacuum does after a bulk load
    return Data(1, candidate_ids[:50], target["id"], target["owner_id"], len(sessions), len(turns),
                len(comments), len(overrides), time.perf_counter() - started)


def comment_row(cid: int, turn: dict[str, Any], author: int, rng: random.Random) -> dict[str, Any]:
    at = turn["answered_at"] + timedelta(days=rng.uniform(0.1, 3))
    body = rng.choice([
        "Good use of **figures** here. Say what you would do differently next time.",
        "Lead with the outcome, then the steps. The panel will want the *result* first.",
        "This is the strongest part of the answer: keep it.",
        "- Name the stakeholder\n- Give the timeline\n- Say how you measured it",
    ])
    return {"id": cid, "turn_id": turn["id"], "author_id": author, "body": body,
            "created_at": at, "updated_at": at}


def turn_override(oid: int, turn: dict[str, Any], author: int, rng: random.Random) -> dict[str, Any]:
    auto = int(turn["rating"]["score"])
    return {"id": oid, "session_id": turn["session_id"], "turn_id": turn["id"], "area": None,
            "author_id": author, "auto_score": auto,
            "score": max(0, min(100, auto + rng.choice([-20, -10, 10, 15, 25]))),
            "reason": "The rater missed the budget trade-off the candidate explained.",
            "created_at": turn["answered_at"] + timedelta(days=rng.uniform(0.1, 3))}


def area_override(oid: int, session_id: str, summary: dict[str, Any], at: datetime, author: int,
                  rng: random.Random) -> dict[str, Any]:
    area, auto = sorted(summary["areas"].items())[0]
    return {"id": oid, "session_id": session_id, "turn_id": None, "area": area, "author_id": author,
            "auto_score": int(auto), "score": max(0, min(100, int(auto) + rng.choice([-15, 10, 20]))),
            "reason": "Across the session the area was handled better than the mean says.",
            "created_at": at + timedelta(days=rng.uniform(0.1, 3))}


# -- timing -------------------------------------------------------------------------------------
class StatementCounter:
    """SQL statements sent on an engine (``before_cursor_execute``)."""

    def __init__(self, engine: Any) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, *args: Any) -> None:
        self.count += 1


@dataclass
class Case:
    name: str
    level: str  # store: the storage functions; app: the page through the Flask app
    fn: Callable[[], Any]
    counter: StatementCounter
    note: Callable[[Any], str] | None = None
    times: list[float] = field(default_factory=list)
    statements: int = 0
    found: str = ""

    def warm(self) -> None:
        for _ in range(3):  # warm the caches a running server has warm
            result = self.fn()
        before = self.counter.count
        self.fn()
        self.statements = self.counter.count - before
        self.found = self.note(result) if self.note else ""

    def time_once(self) -> None:
        t = time.perf_counter()
        self.fn()
        self.times.append(1000 * (time.perf_counter() - t))

    def row(self) -> str:
        ms = sorted(self.times)
        p50, p95 = statistics.median(ms), ms[min(len(ms) - 1, round(0.95 * len(ms)) - 1)]
        ok = "yes" if p50 < TARGET_MS else "**no**"
        return (f"| {self.name}{' ' + self.found if self.found else ''} | {self.level} | {p50:.1f} | "
                f"{p95:.1f} | {ms[-1]:.1f} | {self.statements} | {ok} |")


def cpu_times() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    try:
        with open("/proc/stat") as f:
            fields = [float(v) for v in f.readline().split()[1:]]
    except OSError:
        return 0.0, 0.0
    tick = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0.0)
    return (sum(fields) - idle) / tick, sum(fields) / tick


def rare_word(bank: Bank) -> str:
    """A long word of one question's example answer only (so in a few hundred answers)."""
    seen: Counter[str] = Counter()
    for q in bank.questions.values():
        seen.update({w.strip(".,;:()\"'").lower() for w in q.example_answer.split()})
    return sorted(w for w, n in seen.items() if n == 1 and w.isalpha() and len(w) >= 8)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", help="a PostgreSQL server URL; a fresh schema is made on it "
                                           "and dropped afterwards (default: a temporary SQLite file)")
    parser.add_argument("--turns", type=int, default=100_000, help="turns to store (default 100000)")
    parser.add_argument("--templates", type=int, default=800,
                        help="interviews run through the engine to copy from (default 800)")
    parser.add_argument("--repeat", type=int, default=40,
                        help="timed runs of each case, in rounds over all cases (default 40)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    bank = load_bank(BANK_PATH)

    with fresh_database(args.database) as url:
        upgrade(url)
        db = Database(url)
        try:
            sync_bank(db, bank)
            data = fill(db, bank, args.turns, args.templates, rng)
            run(db, url, bank, data, args.repeat)
        finally:
            db.dispose()


def run(db: Database, url: str, bank: Bank, data: Data, repeat: int) -> None:
    from interviewbot.web import create_app

    backend = make_url(url).get_backend_name()
    with db.engine.connect() as c:
        version = (c.exec_driver_sql("SELECT sqlite_version()").scalar() if backend == "sqlite"
                   else c.exec_driver_sql("SHOW server_version").scalar())
        visible = c.execute(select(func.count()).select_from(InterviewSession.__table__).where(
            InterviewSession.owner_id.in_(data.candidate_ids))).scalar()
        visible_turns = c.execute(select(func.count()).select_from(Turn.__table__).join(
            InterviewSession.__table__).where(InterviewSession.owner_id.in_(data.candidate_ids))).scalar()
    pages = -(-visible // PER_PAGE)
    print(f"database: {backend} {version}; Python {sys.version.split()[0]}; {os.cpu_count()} CPUs")
    print(f"stored: {data.sessions:,} sessions, {data.turns:,} turns, {data.comments:,} comments, "
          f"{data.overrides:,} overrides, 306 accounts (filled in {data.seconds:.1f} s)")
    print(f"the coach: 50 linked candidates, {visible:,} sessions, {visible_turns:,} turns "
          f"({pages} pages of {PER_PAGE})")

    coach = get_user(db, data.coach_id)
    deep = max(1, pages - 1)
    rare = rare_word(bank)
    common = "budget"
    everywhere = "customer"  # in all but a few of the coach's sessions
    filtered = SessionFilters(area="escalation", mode="practice", status="finished", score_min=40)
    store = StatementCounter(db.engine)

    def listing(filters: SessionFilters, page: int = 1) -> Callable[[], Any]:
        return lambda: coach_session_page(db, coach.id, filters, page, PER_PAGE)

    def found(result: Any) -> str:
        return f"({result.total:,} sessions)"

    def review() -> Any:  # what coach.review loads before rendering
        row = can_view_session(db, coach, data.transcript_id)
        comments_for_session(db, row.id)
        override_history(db, row.id)
        override_history(db, row.id)
        effective_session_scores(db, row.id)
        is_linked(db, coach.id, row.owner_id)
        get_user(db, row.owner_id)
        return row

    def own_transcript() -> Any:  # what the candidate's transcript page loads
        row = transcript_for_owner(db, data.transcript_id, data.transcript_owner)
        attempts(db, row.owner_id, [t.question_id for t in row.turns if t.kind == "question"])
        comments_for_session(db, row.id)
        override_history(db, row.id)
        override_history(db, row.id)
        effective_session_scores(db, row.id)
        return row

    cases = [
        Case("session list, page 1", "store", listing(SessionFilters()), store, found),
        Case(f"session list, page {deep}", "store", listing(SessionFilters(), deep), store),
        Case("session list, area+mode+status+score", "store", listing(filtered), store, found),
        Case(f"search \"{common}\"", "store", listing(SessionFilters(text=common)), store, found),
        Case(f"search \"{rare}\"", "store", listing(SessionFilters(text=rare)), store, found),
        Case("search \"zeppelin\" (in no answer)", "store", listing(SessionFilters(text="zeppelin")),
             store, found),
        Case(f"search \"{everywhere}\"", "store", listing(SessionFilters(text=everywhere)), store, found),
        Case("caseload", "store", lambda: caseload(db, coach.id), store),
        Case("transcript (coach's review)", "store", review, store, lambda row: f"({len(row.turns)} turns)"),
        Case("transcript (candidate's own)", "store", own_transcript, store),
    ]

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(16), "LOG_LEVEL": "WARNING"})
    pages_counter = StatementCounter(app.extensions["db"].engine)
    try:
        coach_client, owner_client = app.test_client(), app.test_client()
        for client, user_id in ((coach_client, data.coach_id), (owner_client, data.transcript_owner)):
            with client.session_transaction() as session:
                session["user_id"] = user_id

        def get(client: Any, path: str) -> Callable[[], Any]:
            def fetch() -> Any:
                response = client.get(path)
                if response.status_code != 200:
                    raise SystemExit(f"GET {path}: {response.status_code}")
                return response
            return fetch

        size: Callable[[Any], str] = lambda r: f"({len(r.data) // 1024} KiB)"  # noqa: E731
        for name, client, path in [
            ("GET /coach (dashboard)", coach_client, "/coach"),
            ("GET /coach/sessions", coach_client, "/coach/sessions"),
            (f"GET /coach/sessions?page={deep}", coach_client, f"/coach/sessions?page={deep}"),
            ("GET /coach/sessions?area+mode+status+score", coach_client,
             "/coach/sessions?area=escalation&mode=practice&status=finished&score_min=40"),
            (f"GET /coach/sessions?q={common}", coach_client, f"/coach/sessions?q={common}"),
            (f"GET /coach/sessions?q={rare}", coach_client, f"/coach/sessions?q={rare}"),
            ("GET /coach/sessions/<id> (review)", coach_client, f"/coach/sessions/{data.transcript_id}"),
            ("GET /sessions/<id> (candidate's own)", owner_client, f"/sessions/{data.transcript_id}"),
        ]:
            cases.append(Case(name, "app", get(client, path), pages_counter, size))

        for case in cases:
            case.warm()
        busy0, total0 = cpu_times()
        own0, wall0 = time.process_time(), time.perf_counter()
        for _ in range(repeat):  # in rounds, so that other load on the machine hits every case alike
            for case in cases:
                case.time_once()
        busy, total = cpu_times()
        own, wall = time.process_time() - own0, time.perf_counter() - wall0
    finally:
        app.extensions["db"].dispose()

    busy_pct = 100 * (busy - busy0) / (total - total0) if total > total0 else float("nan")
    own_pct = 100 * own / (wall * (os.cpu_count() or 1))
    print(f"\n{repeat} timed runs of each case (in rounds over all cases) after 3 untimed ones; "
          f"target: p50 under {TARGET_MS:.0f} ms")
    print(f"while timing: the machine {busy_pct:.0f}% busy, this process {own_pct:.0f}%, "
          f"everything else {busy_pct - own_pct:.0f}%"
          + (" (PostgreSQL included)" if backend == "postgresql" else "") + "\n")
    print("| case | level | p50 ms | p95 ms | max ms | SQL statements | p50 under target |")
    print("|---|---|---|---|---|---|---|")
    for case in cases:
        print(case.row())


if __name__ == "__main__":
    main()
