"""The coach's session search and caseload against a real database: what a search finds (any
case, accents, ``%``, ``_`` and quotes taken literally, every word, the count and the pages), and
the caseload's sums in SQL giving what scoring each recent session in Python gives."""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from interviewbot.store import InterviewSession, Turn, User
from interviewbot.store import coaching
from interviewbot.store.coaching_views import SessionFilters, caseload, coach_session_page

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
_minutes = itertools.count()


@pytest.fixture
def coach(create_user) -> User:
    return create_user(role="coach")


@pytest.fixture
def candidate(database, create_user, coach) -> User:
    admin = create_user(role="admin")
    person = create_user(role="candidate")
    coaching.link(database, coach.id, person.id, admin.id, now=T0)
    return person


@pytest.fixture
def answered(create_session, add_turn):
    """A finished session of ``owner`` whose turns hold ``answers``; returns its id."""

    def make(owner: User, *answers: str | None) -> str:
        interview = create_session(owner, status="finished",
                                   created_at=T0 + timedelta(minutes=next(_minutes)))
        for position, text in enumerate(answers):
            add_turn(interview, position, status="answered" if text is not None else "asked",
                     answer_text=text)
        return interview.id

    return make


def found(database, coach: User, text: str, page: int = 1, per_page: int = 25) -> list[str]:
    return [r.session.id for r in coach_session_page(database, coach.id, SessionFilters(text=text),
                                                     page, per_page).rows]


def test_search_ignores_the_case_of_the_answer_and_of_the_words(database, coach, candidate, answered):
    upper = answered(candidate, "We cut the BUDGET by a tenth.")
    lower = answered(candidate, "the budget held")
    answered(candidate, "We cut costs.")

    assert set(found(database, coach, "budget")) == {upper, lower}
    assert set(found(database, coach, "Budget")) == {upper, lower}


def test_search_finds_accented_words(database, coach, candidate, answered):
    cafe = answered(candidate, "We met at the Café Zürich to agree the rota.")
    answered(candidate, "We met at the cafe in Zurich.")

    assert found(database, coach, "café") == [cafe]
    assert found(database, coach, "CAFÉ zürich") == [cafe]  # the letters around the accents in any case
    assert found(database, coach, "ZÜRICH") == [cafe]


def test_search_folds_accented_capitals_on_postgresql(database, database_kind, coach, candidate, answered):
    if database_kind == "sqlite":
        pytest.skip("SQLite's LIKE and lower() fold the case of ASCII letters only")
    shouting = answered(candidate, "ÉQUIPE ÉLARGIE À ZÜRICH")

    assert found(database, coach, "équipe à zürich") == [shouting]


def test_search_takes_percent_underscore_backslash_and_quotes_literally(database, coach, candidate,
                                                                        answered):
    percent = answered(candidate, "Costs fell 12% in a year.")
    underscore = answered(candidate, "The field was named cost_centre.")
    backslash = answered(candidate, r"Saved under C:\reports today.")
    quoted = answered(candidate, "The client's 'urgent' ticket.")
    answered(candidate, "Costs fell 12 points; the cost centre field; C reports; the clients urgent ticket.")

    assert found(database, coach, "12%") == [percent]
    assert found(database, coach, "%") == [percent]
    assert found(database, coach, "cost_centre") == [underscore]
    assert found(database, coach, "_") == [underscore]
    assert found(database, coach, "c:\\reports") == [backslash]
    assert found(database, coach, "client's") == [quoted]
    assert found(database, coach, "'urgent'") == [quoted]
    assert found(database, coach, "' OR ''='") == []


def test_search_needs_every_word_in_some_answer_of_the_session(database, coach, candidate, answered):
    both = answered(candidate, "The IVR moved to chat.", "CSAT rose to 88.")
    answered(candidate, "The IVR moved to chat.")
    answered(candidate, "CSAT rose.", None)

    assert found(database, coach, "ivr csat") == [both]
    assert found(database, coach, "csat ivr") == [both]


def test_search_counts_every_match_and_pages_through_them(database, coach, candidate, answered):
    matching = [answered(candidate, f"Answer {n} about the budget.") for n in range(7)]
    for n in range(4):
        answered(candidate, f"Answer {n} about the rota.")

    first = coach_session_page(database, coach.id, SessionFilters(text="budget"), 1, 5)
    second = coach_session_page(database, coach.id, SessionFilters(text="budget"), 2, 5)

    assert (first.total, first.pages, second.total) == (7, 2, 7)
    assert [r.session.id for r in first.rows + second.rows] == matching[::-1]  # newest first
    assert all("budget" in r.snippet for r in first.rows + second.rows)


def test_search_finds_an_answer_changed_after_it_was_stored(database, coach, candidate, answered):
    session_id = answered(candidate, "A first draft.")
    with database.session() as s:
        s.execute(update(Turn).where(Turn.session_id == session_id)
                  .values(answer_text="Now about the BUDGET."))

    assert found(database, coach, "budget") == [session_id]
    assert found(database, coach, "draft") == []


def test_search_stays_right_when_the_same_statement_runs_many_times(database, coach, candidate, answered):
    # A PostgreSQL driver prepares a statement run often; the search's results must not depend
    # on the words searched before (nor its speed on a plan made for other words).
    common = [answered(candidate, f"The budget and the team, part {n}.") for n in range(6)]
    rare = answered(candidate, "The budget, the team and a zeppelin.")

    for _ in range(6):  # the driver prepares a statement on its fifth run
        for word, expected in (("the", common + [rare]), ("zeppelin", [rare]), ("nowhere", []),
                               ("budget", common + [rare])):
            assert set(found(database, coach, word)) == set(expected), word


def test_search_leaves_out_other_candidates_sessions(database, coach, candidate, create_user, answered):
    mine = answered(candidate, "About the budget.")
    answered(create_user(role="candidate"), "About the budget.")

    assert found(database, coach, "budget") == [mine]


# -- the caseload ---------------------------------------------------------------------------------
def summary(answers: list[tuple[str, int]]) -> dict:
    """An engine-shaped summary of main questions (area, score), one per turn position."""
    questions = [{"turn": i, "area": area, "status": "answered", "score": score, "missed": []}
                 for i, (area, score) in enumerate(answers)]
    by_area: dict[str, list[int]] = {}
    for q in questions:
        by_area.setdefault(q["area"], []).append(q["score"])
    areas = {a: round(sum(s) / len(s)) for a, s in by_area.items()}
    return {"score": round(sum(q["score"] for q in questions) / len(questions)), "areas": areas,
            "questions": questions, "next": {}}


def reference_caseload(database, coach_id: int, recent: int) -> list[tuple]:
    """What the caseload should say, scored one session at a time in Python: the latest
    ``recent`` finished sessions with a summary, with the coach's overrides where there are any."""
    result = []
    for link in coaching.candidates_of(database, coach_id):
        with database.session() as s:
            sessions = list(s.scalars(select(InterviewSession)
                                      .where(InterviewSession.owner_id == link.candidate_id)))
            overridden = {sid for sid in s.scalars(select(coaching.ScoreOverride.session_id))}
        latest = sorted((x for x in sessions if x.status == "finished" and x.summary is not None),
                        key=lambda x: (-x.created_at.timestamp(), x.id))[:recent]
        effective = coaching.effective_summaries(database, [x.id for x in latest if x.id in overridden])
        scored = [effective[x.id] if x.id in overridden else x.summary for x in latest]
        scored = [sm for sm in scored if sm.get("score") is not None]
        by_area: dict[str, list[int]] = {}
        for sm in scored:
            for area, score in (sm.get("areas") or {}).items():
                by_area.setdefault(area, []).append(score)
        areas = {a: round(sum(v) / len(v)) for a, v in by_area.items()}
        result.append((link.candidate_id, len(sessions), sum(x.status == "finished" for x in sessions),
                       max((x.updated_at for x in sessions), default=None),
                       round(sum(sm["score"] for sm in scored) / len(scored)) if scored else None,
                       min(sorted(areas), key=lambda a: areas[a]) if areas else None, areas))
    return result


def test_caseload_sums_in_the_database_what_scoring_each_session_gives(
        database, coach, candidate, create_user, create_session, add_turn):
    admin = create_user(role="admin")
    other = create_user(role="candidate")
    coaching.link(database, coach.id, other.id, admin.id, now=T0)
    idle = create_user(role="candidate")
    coaching.link(database, coach.id, idle.id, admin.id, now=T0)
    scores = itertools.cycle([(("budgeting", 61), ("budgeting", 62), ("escalation", 75)),
                              (("escalation", 40), ("metrics", 93)),
                              (("budgeting", 63), ("budgeting", 64))])
    for n in range(9):  # more than `recent`: the oldest ones must not count
        for owner in (candidate, other):
            answers = list(next(scores))
            interview = create_session(owner, status="finished", summary=summary(answers),
                                       created_at=T0 + timedelta(hours=n))
            turns = [add_turn(interview, i, status="answered", answer_text="An answer.",
                              rating={"score": score}) for i, (_, score) in enumerate(answers)]
            if n % 3 == 0:
                coaching.override_turn(database, turns[0].id, coach, 100 - n, "The rater missed it.")
            if n % 4 == 1:
                coaching.override_area(database, interview.id, answers[-1][0], coach, 55, "Better.")
    create_session(candidate, status="active", created_at=T0 + timedelta(days=1))  # in progress
    create_session(other, status="finished", summary=None, created_at=T0 + timedelta(days=2))
    create_session(other, status="finished", summary={"score": None, "areas": None},
                   created_at=T0 + timedelta(days=3))

    for recent in (1, 5, 40):
        got = [(p.candidate_id, p.sessions, p.finished, p.last_activity, p.average, p.weakest, p.areas)
               for p in caseload(database, coach.id, recent=recent)]
        assert got == reference_caseload(database, coach.id, recent), recent
    assert [p.candidate_id for p in caseload(database, coach.id)] == [candidate.id, other.id, idle.id]


def test_caseload_of_a_coach_without_candidates_is_empty(database, coach):
    assert caseload(database, coach.id) == []


def test_caseload_follows_a_summary_written_when_the_session_finishes(database, coach, candidate,
                                                                      create_session):
    interview = create_session(candidate, status="active", created_at=T0)
    assert [(p.average, p.areas) for p in caseload(database, coach.id)] == [(None, {})]

    with database.session() as s:
        s.execute(update(InterviewSession).where(InterviewSession.id == interview.id)
                  .values(status="finished", summary=summary([("budgeting", 71), ("escalation", 90)])))

    assert [(p.finished, p.average, p.weakest, p.areas) for p in caseload(database, coach.id)] == [
        (1, 80, "budgeting", {"budgeting": 71, "escalation": 90})]
