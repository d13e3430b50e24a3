"""Coaching operations against a real database: invites and links, who may read a transcript,
comments, score overrides and the scores in force, rater agreement, share links, calibration
and concept hit statistics."""
from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from interviewbot.bank import load_bank
from interviewbot.store import (
    CalibrationRating,
    CoachInvite,
    CoachLink,
    InterviewSession,
    ScoreOverride,
    ShareLink,
    ShareView,
    Turn,
    User,
)
from interviewbot.store import coaching
from interviewbot.store.coaching import CoachingError

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
MINIMAL_BANK = load_bank(Path(__file__).resolve().parents[1] / "core" / "banks" / "minimal.yaml")
QUESTION = "escalation-angry-client"


@dataclass
class People:
    candidate: User
    coach: User
    other_coach: User
    admin: User
    other_candidate: User


@pytest.fixture
def people(create_user) -> People:
    return People(candidate=create_user(role="candidate"), coach=create_user(role="coach"),
                  other_coach=create_user(role="coach"), admin=create_user(role="admin"),
                  other_candidate=create_user(role="candidate"))


@pytest.fixture
def linked(database, people) -> CoachLink:
    """The coach linked to the candidate by the admin."""
    return coaching.link(database, people.coach.id, people.candidate.id, people.admin.id, now=T0)


def concepts(hit: tuple[str, ...] = (), missed: tuple[str, ...] = ()) -> list[dict]:
    return ([{"id": c, "label": f"label of {c}", "hit": True, "evidence": []} for c in hit]
            + [{"id": c, "label": f"label of {c}", "hit": False, "evidence": []} for c in missed])


@pytest.fixture
def record(create_session, add_turn):
    """Store a finished session: ``answers`` are (area, auto score, missed concepts) per main
    question; returns the session and its turns. The summary is the engine's shape."""

    def make(owner: User, answers: list[tuple[str, int, tuple[str, ...]]],
             question_id: str = QUESTION) -> tuple[InterviewSession, list[Turn]]:
        questions = [{"turn": i, "question_id": question_id, "area": area, "status": "answered",
                      "score": score, "missed": [f"label of {c}" for c in missed]}
                     for i, (area, score, missed) in enumerate(answers)]
        by_area: dict[str, list[int]] = {}
        for q in questions:
            by_area.setdefault(q["area"], []).append(q["score"])
        areas = {a: round(sum(s) / len(s)) for a, s in by_area.items()}
        overall = round(sum(q["score"] for q in questions) / len(questions))
        summary = {"score": overall, "band": min(5, overall // 20 + 1), "areas": areas,
                   "questions": questions, "answered": len(questions), "asked": len(questions),
                   "planned": len(questions), "strongest": None, "weakest": None, "next": {}}
        interview = create_session(owner, status="finished", summary=summary,
                                   question_ids=[question_id] * len(answers))
        turns = [add_turn(interview, i, question_id=question_id, status="answered",
                          answer_text=f"Answer number {i}.", answered_at=T0 + timedelta(minutes=i),
                          rating={"score": score, "concepts": concepts(missed=missed)})
                 for i, (area, score, missed) in enumerate(answers)]
        return interview, turns

    return make


@pytest.fixture
def reviewed(record, people):
    """The candidate's finished session: two escalation questions (40, 50), one budgeting (60)."""
    return record(people.candidate, [("escalation", 40, ("root-cause",)),
                                     ("escalation", 50, ("recovery",)),
                                     ("budgeting", 60, ("roi",))])


@pytest.fixture
def selects(database):
    """The SELECT statements run while the test body runs."""
    seen: list[str] = []

    def before(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(database.engine, "before_cursor_execute", before)
    yield seen
    event.remove(database.engine, "before_cursor_execute", before)


def count(database, model, **where) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(model).filter_by(**where))


@contextmanager
def refused(code: str) -> Iterator[None]:
    """The block raises CoachingError with this code."""
    with pytest.raises(CoachingError) as caught:
        yield
    assert caught.value.code == code


# -- invites ------------------------------------------------------------------------------------
def test_accepting_an_invite_links_the_coach_to_the_candidate(database, people):
    code = coaching.create_invite(database, people.candidate.id, now=T0)

    link = coaching.accept_invite(database, code, people.coach.id, now=T0)

    assert (link.coach_id, link.candidate_id, link.created_by) == (
        people.coach.id, people.candidate.id, people.coach.id)
    assert coaching.is_linked(database, people.coach.id, people.candidate.id)


def test_only_the_hash_of_an_invite_code_is_stored(database, people):
    code = coaching.create_invite(database, people.candidate.id, now=T0)
    with database.session() as session:
        invite = session.scalar(select(CoachInvite))
    assert invite.code_hash == hashlib.sha256(code.encode()).hexdigest()
    assert invite.expires_at == T0 + timedelta(days=7)


def test_an_expired_invite_is_refused(database, people):
    code = coaching.create_invite(database, people.candidate.id, ttl=timedelta(hours=1), now=T0)
    with refused("invalid_invite"):
        coaching.accept_invite(database, code, people.coach.id, now=T0 + timedelta(hours=1))
    assert not coaching.is_linked(database, people.coach.id, people.candidate.id)


def test_an_invite_used_by_one_coach_is_refused_to_another(database, people):
    code = coaching.create_invite(database, people.candidate.id, now=T0)
    coaching.accept_invite(database, code, people.coach.id, now=T0)
    with refused("invalid_invite"):
        coaching.accept_invite(database, code, people.other_coach.id, now=T0)
    assert not coaching.is_linked(database, people.other_coach.id, people.candidate.id)


def test_the_same_coach_sending_a_used_code_again_gets_the_same_link(database, people):
    code = coaching.create_invite(database, people.candidate.id, now=T0)
    first = coaching.accept_invite(database, code, people.coach.id, now=T0)
    again = coaching.accept_invite(database, code, people.coach.id, now=T0)
    assert again.id == first.id


def test_a_used_code_does_not_relink_after_the_link_ended(database, people):
    code = coaching.create_invite(database, people.candidate.id, now=T0)
    link = coaching.accept_invite(database, code, people.coach.id, now=T0)
    coaching.end_link(database, link.id, people.candidate.id, now=T0)
    with refused("invalid_invite"):
        coaching.accept_invite(database, code, people.coach.id, now=T0)


@pytest.mark.parametrize("role", ["candidate", "admin"])
def test_only_a_coach_can_accept_an_invite(database, people, role):
    acceptor = people.other_candidate if role == "candidate" else people.admin
    code = coaching.create_invite(database, people.candidate.id, now=T0)
    with refused("not_a_coach"):
        coaching.accept_invite(database, code, acceptor.id, now=T0)


def test_a_revoked_invite_is_refused(database, people):
    code = coaching.create_invite(database, people.candidate.id, now=T0)
    (invite,) = coaching.pending_invites(database, people.candidate.id, now=T0)
    coaching.revoke_invite(database, invite.id, people.candidate.id, now=T0)
    with refused("invalid_invite"):
        coaching.accept_invite(database, code, people.coach.id, now=T0)


def test_only_its_candidate_or_an_admin_can_revoke_an_invite(database, people):
    coaching.create_invite(database, people.candidate.id, now=T0)
    (invite,) = coaching.pending_invites(database, people.candidate.id, now=T0)
    with refused("not_found"):
        coaching.revoke_invite(database, invite.id, people.other_candidate.id, now=T0)
    assert coaching.revoke_invite(database, invite.id, people.admin.id, now=T0).revoked_at == T0


def test_an_unknown_code_is_refused(database, people):
    with refused("invalid_invite"):
        coaching.accept_invite(database, "not-a-code", people.coach.id, now=T0)


def test_accepting_while_already_linked_returns_the_active_link(database, people, linked):
    code = coaching.create_invite(database, people.candidate.id, now=T0)
    link = coaching.accept_invite(database, code, people.coach.id, now=T0)
    assert link.id == linked.id
    assert count(database, CoachLink) == 1


def test_pending_invites_leave_out_used_and_expired_ones(database, people):
    used = coaching.create_invite(database, people.candidate.id, now=T0)
    coaching.create_invite(database, people.candidate.id, ttl=timedelta(minutes=5), now=T0)
    coaching.create_invite(database, people.candidate.id, now=T0)
    coaching.accept_invite(database, used, people.coach.id, now=T0)

    assert len(coaching.pending_invites(database, people.candidate.id, now=T0 + timedelta(hours=1))) == 1


# -- links --------------------------------------------------------------------------------------
def test_an_admin_links_a_coach_and_both_sides_see_it(database, people, linked):
    assert linked.created_by == people.admin.id
    assert [l.coach.email for l in coaching.coaches_of(database, people.candidate.id)] == [people.coach.email]
    assert [l.candidate.email for l in coaching.candidates_of(database, people.coach.id)] == [
        people.candidate.email]


def test_linking_twice_keeps_one_active_link(database, people, linked):
    again = coaching.link(database, people.coach.id, people.candidate.id, people.admin.id, now=T0)
    assert again.id == linked.id


def test_only_an_admin_can_link(database, people):
    with refused("forbidden"):
        coaching.link(database, people.coach.id, people.candidate.id, people.coach.id)


def test_only_a_coach_can_be_linked_as_coach(database, people):
    with refused("not_a_coach"):
        coaching.link(database, people.other_candidate.id, people.candidate.id, people.admin.id)


@pytest.mark.parametrize("who", ["coach", "candidate", "admin"])
def test_the_coach_the_candidate_or_an_admin_can_end_a_link(database, people, linked, who):
    by = getattr(people, who)
    ended = coaching.end_link(database, linked.id, by.id, now=T0 + timedelta(days=1))

    assert (ended.ended_at, ended.ended_by) == (T0 + timedelta(days=1), by.id)
    assert not coaching.is_linked(database, people.coach.id, people.candidate.id)
    assert coaching.coaches_of(database, people.candidate.id) == []


def test_nobody_else_can_end_a_link(database, people, linked):
    with refused("not_found"):
        coaching.end_link(database, linked.id, people.other_coach.id)
    assert coaching.is_linked(database, people.coach.id, people.candidate.id)


def test_a_coach_can_be_linked_again_after_the_link_ended(database, people, linked):
    coaching.end_link(database, linked.id, people.candidate.id, now=T0)
    again = coaching.link(database, people.coach.id, people.candidate.id, people.admin.id, now=T0)

    assert again.id != linked.id
    assert count(database, CoachLink) == 2


# -- who may read a transcript ------------------------------------------------------------------
VIEWERS = {
    "owner": True,
    "linked coach": True,
    "unlinked coach": False,
    "coach whose link ended": False,
    "admin": False,
    "other candidate": False,
}


@pytest.fixture
def viewer(request, database, people, linked) -> User:
    kind = request.param
    if kind == "coach whose link ended":
        coaching.end_link(database, linked.id, people.candidate.id)
    return {"owner": people.candidate, "linked coach": people.coach,
            "unlinked coach": people.other_coach, "coach whose link ended": people.coach,
            "admin": people.admin, "other candidate": people.other_candidate}[kind]


@pytest.mark.parametrize("viewer, allowed", VIEWERS.items(), ids=list(VIEWERS), indirect=["viewer"])
def test_who_may_read_a_transcript(database, reviewed, viewer, allowed):
    interview, _ = reviewed
    found = coaching.can_view_session(database, viewer, interview.id)
    assert (found is not None) is allowed
    if allowed:
        assert found.id == interview.id and len(found.turns) == 3


def test_reading_access_is_decided_in_one_query(database, people, linked, reviewed, selects):
    interview, _ = reviewed
    coaching.can_view_session(database, people.coach, interview.id)
    assert len(selects) == 1


def test_a_coach_who_lost_the_coach_role_loses_access(database, people, linked, reviewed):
    interview, _ = reviewed
    with database.session() as session:
        session.get(User, people.coach.id).role = "candidate"
    assert coaching.can_view_session(database, people.coach, interview.id) is None


def test_nobody_reads_a_guest_session_through_coaching(database, people, create_session):
    guest = create_session(None)
    assert coaching.can_view_session(database, people.admin, guest.id) is None


# -- comments -----------------------------------------------------------------------------------
def test_a_linked_coach_comments_on_a_turn(database, people, linked, reviewed):
    interview, turns = reviewed
    comment = coaching.add_comment(database, turns[1].id, people.coach, "  Name the **metric**.  ", now=T0)

    assert comment.body == "Name the **metric**."
    assert comment.author.email == people.coach.email
    assert list(coaching.comments_for_session(database, interview.id)) == [turns[1].id]


def test_comments_come_back_by_turn_in_the_order_written(database, people, linked, reviewed):
    interview, turns = reviewed
    coaching.add_comment(database, turns[0].id, people.coach, "first", now=T0)
    coaching.add_comment(database, turns[0].id, people.candidate, "reply", now=T0 + timedelta(minutes=1))
    coaching.add_comment(database, turns[2].id, people.coach, "other turn", now=T0)

    grouped = coaching.comments_for_session(database, interview.id)

    assert [c.body for c in grouped[turns[0].id]] == ["first", "reply"]
    assert [c.author.email for c in grouped[turns[0].id]] == [people.coach.email, people.candidate.email]
    assert [c.body for c in grouped[turns[2].id]] == ["other turn"]


@pytest.mark.parametrize("who", ["other_coach", "admin", "other_candidate"])
def test_who_cannot_read_the_session_cannot_comment(database, people, linked, reviewed, who):
    _, turns = reviewed
    with refused("not_found"):
        coaching.add_comment(database, turns[0].id, getattr(people, who), "Hello")


@pytest.mark.parametrize("body, code", [("   ", "empty_comment"), ("x" * 10_001, "comment_too_long")],
                         ids=["blank", "too long"])
def test_a_comment_is_1_to_10000_characters(database, people, linked, reviewed, body, code):
    _, turns = reviewed
    with refused(code):
        coaching.add_comment(database, turns[0].id, people.coach, body)


def test_a_comment_of_exactly_10000_characters_is_kept(database, people, linked, reviewed):
    _, turns = reviewed
    assert len(coaching.add_comment(database, turns[0].id, people.coach, "x" * 10_000).body) == 10_000


def test_only_its_author_edits_a_comment(database, people, linked, reviewed):
    _, turns = reviewed
    comment = coaching.add_comment(database, turns[0].id, people.coach, "draft", now=T0)
    with refused("not_found"):
        coaching.edit_comment(database, comment.id, people.candidate, "hijacked")

    edited = coaching.edit_comment(database, comment.id, people.coach, "final", now=T0 + timedelta(hours=1))
    assert (edited.body, edited.created_at, edited.updated_at) == ("final", T0, T0 + timedelta(hours=1))


def test_only_its_author_deletes_a_comment(database, people, linked, reviewed):
    interview, turns = reviewed
    comment = coaching.add_comment(database, turns[0].id, people.coach, "remove me")
    with refused("not_found"):
        coaching.delete_comment(database, comment.id, people.candidate)

    coaching.delete_comment(database, comment.id, people.coach)
    assert coaching.comments_for_session(database, interview.id) == {}


# -- overrides ----------------------------------------------------------------------------------
def test_a_turn_override_keeps_the_automatic_score_beside_it(database, people, linked, reviewed):
    _, turns = reviewed
    row = coaching.override_turn(database, turns[0].id, people.coach, 70,
                                 "The root cause is there, in other words.")

    assert (row.auto_score, row.score, row.area) == (40, 70, None)
    with database.session() as session:
        assert session.get(Turn, turns[0].id).rating["score"] == 40


def test_the_latest_override_is_in_force_and_earlier_ones_stay(database, people, linked, reviewed):
    interview, turns = reviewed
    coaching.override_turn(database, turns[0].id, people.coach, 70, "first look", now=T0)
    coaching.override_turn(database, turns[0].id, people.coach, 55, "on reflection",
                           now=T0 + timedelta(hours=1))

    in_force = coaching.overrides_for_session(database, interview.id)

    assert in_force["turns"][turns[0].id].score == 55
    assert [(o.score, o.auto_score) for o in coaching.override_history(database, interview.id)] == [
        (70, 40), (55, 40)]


def test_an_area_override_records_the_summary_area_score(database, people, linked, reviewed):
    interview, _ = reviewed
    row = coaching.override_area(database, interview.id, "escalation", people.coach, 75, "Strong overall.")

    assert (row.turn_id, row.area, row.auto_score, row.score) == (None, "escalation", 45, 75)
    assert coaching.overrides_for_session(database, interview.id)["areas"]["escalation"].id == row.id


def test_the_owner_cannot_override_their_own_scores(database, people, linked, reviewed):
    _, turns = reviewed
    with refused("forbidden"):
        coaching.override_turn(database, turns[0].id, people.candidate, 100, "I deserve it")


@pytest.mark.parametrize("who", ["other_coach", "admin"])
def test_only_a_linked_coach_can_override(database, people, linked, reviewed, who):
    interview, turns = reviewed
    with refused("not_found"):
        coaching.override_turn(database, turns[0].id, getattr(people, who), 80, "reason")
    with refused("not_found"):
        coaching.override_area(database, interview.id, "escalation", getattr(people, who), 80, "reason")


def test_a_coach_whose_link_ended_cannot_override(database, people, linked, reviewed):
    _, turns = reviewed
    coaching.end_link(database, linked.id, people.candidate.id)
    with refused("not_found"):
        coaching.override_turn(database, turns[0].id, people.coach, 80, "reason")


@pytest.mark.parametrize("score, reason, code", [
    (101, "reason", "invalid_score"), (-1, "reason", "invalid_score"), (50.5, "reason", "invalid_score"),
    (True, "reason", "invalid_score"), (80, "  ", "reason_required"),
], ids=["above 100", "below 0", "fraction", "bool", "no reason"])
def test_an_override_needs_a_score_from_0_to_100_and_a_reason(database, people, linked, reviewed,
                                                              score, reason, code):
    _, turns = reviewed
    with refused(code):
        coaching.override_turn(database, turns[0].id, people.coach, score, reason)
    assert count(database, ScoreOverride) == 0


def test_an_unanswered_turn_cannot_be_overridden(database, people, linked, create_session, add_turn):
    interview = create_session(people.candidate)
    turn = add_turn(interview, 0, status="skipped")
    with refused("not_rated"):
        coaching.override_turn(database, turn.id, people.coach, 50, "reason")


def test_an_area_the_session_did_not_score_cannot_be_overridden(database, people, linked, reviewed):
    interview, _ = reviewed
    with refused("unknown_area"):
        coaching.override_area(database, interview.id, "vision", people.coach, 50, "reason")


# -- effective scores ---------------------------------------------------------------------------
def test_effective_scores_use_the_overrides_in_force(database, people, linked, reviewed):
    interview, turns = reviewed
    coaching.override_turn(database, turns[0].id, people.coach, 90, "first", now=T0)
    coaching.override_turn(database, turns[0].id, people.coach, 80, "second", now=T0 + timedelta(minutes=1))

    effective = coaching.effective_session_scores(database, interview.id)

    assert [q["score"] for q in effective["questions"]] == [80, 50, 60]
    assert effective["areas"] == {"escalation": 65, "budgeting": 60}  # (80 + 50) / 2
    assert effective["score"] == 63  # (80 + 50 + 60) / 3
    assert effective["turns"][turns[0].id]["auto_score"] == 40


def test_an_area_override_sets_the_area_and_the_overall_score(database, people, linked, reviewed):
    interview, turns = reviewed
    coaching.override_turn(database, turns[2].id, people.coach, 90, "budget case is solid")
    coaching.override_area(database, interview.id, "escalation", people.coach, 30, "no root cause at all")

    effective = coaching.effective_session_scores(database, interview.id)

    assert effective["areas"] == {"escalation": 30, "budgeting": 90}
    assert effective["score"] == 50  # (30 * 2 escalation questions + 90) / 3


def test_effective_scores_for_many_sessions_at_once(database, people, linked, reviewed, record,
                                                    create_session, selects):
    interview, turns = reviewed
    other, _ = record(people.candidate, [("budgeting", 20, ())])
    active = create_session(people.candidate)
    coaching.override_turn(database, turns[0].id, people.coach, 100, "reason")
    selects.clear()

    found = coaching.effective_summaries(database, [interview.id, other.id, active.id])

    assert set(found) == {interview.id, other.id}
    assert found[interview.id]["score"] == 70 and found[other.id]["score"] == 20
    assert len(selects) == 2


def test_a_session_without_a_summary_has_no_effective_scores(database, people, create_session):
    assert coaching.effective_session_scores(database, create_session(people.candidate).id) is None


# -- rater agreement ----------------------------------------------------------------------------
def test_rater_agreement_on_a_known_dataset(database, people, linked, record):
    _, esc = record(people.candidate, [
        ("escalation", 40, ("root-cause", "recovery")),
        ("escalation", 50, ("ownership",)),
        ("escalation", 70, ("ownership",)),
        ("escalation", 30, ("root-cause",)),
    ])
    _, bud = record(people.candidate, [("budgeting", 20, ("roi",)), ("budgeting", 60, ())])
    over = coaching.override_turn
    over(database, esc[0].id, people.coach, 45, "first look", now=T0)
    over(database, esc[0].id, people.coach, 60, "on reflection", now=T0 + timedelta(hours=1))  # in force
    over(database, esc[1].id, people.coach, 50, "agree", now=T0)
    over(database, esc[2].id, people.coach, 65, "a bit generous", now=T0)
    over(database, esc[3].id, people.coach, 55, "said it differently", now=T0)
    over(database, bud[0].id, people.coach, 40, "payback is there", now=T0)
    over(database, bud[1].id, people.coach, 60, "agree", now=T0)

    agreement = coaching.rater_agreement(database, people.coach.id)

    # Escalation pairs (rater, coach): (40, 60), (50, 50), (70, 65), (30, 55).
    # Differences 20, 0, -5, 25: mean absolute 50 / 4, mean 40 / 4.
    # Means 47.5 and 57.5; deviations x: -7.5, 2.5, 22.5, -17.5; y: 2.5, -7.5, 7.5, -2.5;
    # sxy = -18.75 - 18.75 + 168.75 + 43.75 = 175, sxx = 875, syy = 125.
    escalation = agreement["escalation"]
    assert escalation["count"] == 4
    assert escalation["mean_abs_diff"] == pytest.approx(12.5)
    assert escalation["mean_diff"] == pytest.approx(10.0)
    assert escalation["correlation"] == pytest.approx(175 / math.sqrt(875 * 125))
    assert escalation["upward"] == 2
    # Scored up: the first (missed root-cause, recovery) and the fourth (missed root-cause).
    assert escalation["concepts"] == [
        {"id": "root-cause", "label": "label of root-cause", "count": 2},
        {"id": "recovery", "label": "label of recovery", "count": 1},
    ]
    budgeting = agreement["budgeting"]
    assert (budgeting["count"], budgeting["mean_abs_diff"], budgeting["correlation"]) == (2, 10.0, None)


def test_agreement_counts_only_the_coachs_own_overrides_of_linked_candidates(
        database, people, linked, record):
    _, mine = record(people.candidate, [("escalation", 40, ())])
    _, theirs = record(people.other_candidate, [("escalation", 40, ())])
    coaching.link(database, people.other_coach.id, people.candidate.id, people.admin.id)
    other_link = coaching.link(database, people.coach.id, people.other_candidate.id, people.admin.id)
    coaching.override_turn(database, mine[0].id, people.other_coach, 100, "not the coach's")
    coaching.override_turn(database, theirs[0].id, people.coach, 100, "made while linked")
    coaching.end_link(database, other_link.id, people.other_candidate.id)

    assert coaching.rater_agreement(database, people.coach.id) == {}


# -- share links --------------------------------------------------------------------------------
def test_a_share_link_opens_the_session_and_logs_the_view(database, people, reviewed):
    interview, _ = reviewed
    token = coaching.create_share_link(database, interview.id, people.candidate.id, now=T0)

    shared = coaching.open_share_link(database, token, "203.0.113.9", "Browser/1.0 " + "x" * 400,
                                      now=T0 + timedelta(days=1))

    assert shared.id == interview.id and len(shared.turns) == 3
    with database.session() as session:
        view = session.scalar(select(ShareView))
    assert (view.ip, view.viewed_at, len(view.user_agent)) == ("203.0.113.9", T0 + timedelta(days=1), 300)


def test_share_links_list_their_views(database, people, reviewed):
    interview, _ = reviewed
    token = coaching.create_share_link(database, interview.id, people.candidate.id, now=T0)
    coaching.create_share_link(database, interview.id, people.candidate.id, now=T0 + timedelta(hours=1))
    for minutes in (5, 10):
        coaching.open_share_link(database, token, "::1", "ua", now=T0 + timedelta(minutes=minutes))

    newest, first = coaching.share_links_for(database, interview.id, now=T0 + timedelta(hours=2))

    assert (newest["views"], newest["last_viewed_at"]) == (0, None)
    assert (first["views"], first["last_viewed_at"], first["active"]) == (2, T0 + timedelta(minutes=10), True)


def test_only_the_hash_of_a_share_token_is_stored(database, people, reviewed):
    interview, _ = reviewed
    token = coaching.create_share_link(database, interview.id, people.candidate.id, now=T0)
    with database.session() as session:
        assert session.scalar(select(ShareLink.token_hash)) == hashlib.sha256(token.encode()).hexdigest()


def test_an_expired_share_link_opens_nothing_and_logs_nothing(database, people, reviewed):
    interview, _ = reviewed
    token = coaching.create_share_link(database, interview.id, people.candidate.id,
                                       ttl=timedelta(days=14), now=T0)
    assert coaching.open_share_link(database, token, "::1", "ua", now=T0 + timedelta(days=14)) is None
    assert count(database, ShareView) == 0


def test_a_revoked_share_link_opens_nothing(database, people, reviewed):
    interview, _ = reviewed
    token = coaching.create_share_link(database, interview.id, people.candidate.id, now=T0)
    (share,) = coaching.share_links_for(database, interview.id, now=T0)
    coaching.revoke_share_link(database, share["id"], people.candidate.id, now=T0)

    assert coaching.open_share_link(database, token, "::1", "ua", now=T0) is None
    assert coaching.share_links_for(database, interview.id, now=T0)[0]["active"] is False


def test_an_unknown_share_token_opens_nothing(database):
    assert coaching.open_share_link(database, "no-such-token", "::1", "ua") is None


def test_only_the_owner_shares_a_session(database, people, linked, reviewed):
    interview, _ = reviewed
    with refused("not_found"):
        coaching.create_share_link(database, interview.id, people.coach.id)


def test_only_the_owner_revokes_a_share_link(database, people, linked, reviewed):
    interview, _ = reviewed
    coaching.create_share_link(database, interview.id, people.candidate.id, now=T0)
    (share,) = coaching.share_links_for(database, interview.id, now=T0)
    with refused("not_found"):
        coaching.revoke_share_link(database, share["id"], people.coach.id)


# -- calibration --------------------------------------------------------------------------------
def test_rating_a_sample_again_replaces_the_first_rating(database, people):
    coaching.save_calibration(database, people.coach.id, QUESTION, "vague", "text", 30, 12, now=T0)
    coaching.save_calibration(database, people.coach.id, QUESTION, "vague", "text", 20, 12,
                              now=T0 + timedelta(days=1))

    ratings = coaching.calibration_for(database, people.coach.id, QUESTION)

    assert list(ratings) == ["vague"]
    assert (ratings["vague"].coach_score, ratings["vague"].created_at) == (20, T0 + timedelta(days=1))
    assert count(database, CalibrationRating) == 1


def test_calibration_ratings_are_kept_per_coach_and_sample(database, people):
    coaching.save_calibration(database, people.coach.id, QUESTION, "vague", "t", 30, 12)
    coaching.save_calibration(database, people.coach.id, QUESTION, "example", "t", 90, 85)
    coaching.save_calibration(database, people.other_coach.id, QUESTION, "vague", "t", 10, 12)

    assert sorted(coaching.calibration_for(database, people.coach.id, QUESTION)) == ["example", "vague"]
    assert coaching.calibration_for(database, people.other_coach.id, QUESTION)["vague"].coach_score == 10


def test_only_a_coach_calibrates(database, people):
    with refused("not_a_coach"):
        coaching.save_calibration(database, people.candidate.id, QUESTION, "vague", "t", 30, 12)


def test_calibration_scores_are_0_to_100(database, people):
    with refused("invalid_score"):
        coaching.save_calibration(database, people.coach.id, QUESTION, "vague", "t", 130, 12)


def test_real_answers_for_calibration_come_from_linked_candidates(database, people, linked, record):
    record(people.candidate, [("escalation", 40, ())])
    record(people.other_candidate, [("escalation", 50, ())])
    with database.session() as session:
        session.execute(Turn.__table__.update().where(Turn.session_id.in_(
            select(InterviewSession.id).where(InterviewSession.owner_id == people.other_candidate.id)))
            .values(answer_text="Not linked."))

    answers = coaching.answers_from_linked_candidates(database, people.coach.id, QUESTION)

    assert answers == ["Answer number 0."]


# -- concept hit statistics ---------------------------------------------------------------------
def test_concept_hit_stats_name_concepts_never_and_always_hit(database, people, create_session, add_turn):
    interview = create_session(people.candidate, question_ids=[QUESTION] * 4)
    answers = [
        concepts(hit=("ownership", "escalation-path"), missed=("root-cause", "roi", "recovery")),
        concepts(hit=("ownership", "roi"), missed=("root-cause", "escalation-path", "recovery")),
        concepts(hit=("ownership",), missed=("root-cause", "roi", "escalation-path", "recovery")),
    ]
    for position, rated in enumerate(answers):
        add_turn(interview, position, question_id=QUESTION, status="answered", answer_text="a",
                 rating={"score": 50, "concepts": rated})
    # Neither a follow-up nor a skipped question counts.
    add_turn(interview, 3, question_id=QUESTION, kind="follow_up", parent_position=0,
             status="answered", answer_text="a",
             rating={"score": 50, "concepts": concepts(hit=("root-cause",))})
    add_turn(interview, 4, question_id=QUESTION, status="skipped")

    stats = coaching.concept_hit_stats(database, MINIMAL_BANK)

    assert stats[QUESTION] == {"answers": 3, "never_hit": ["root-cause", "recovery"],
                               "always_hit": ["ownership"]}


def test_a_question_nobody_answered_has_empty_hit_lists(database):
    assert coaching.concept_hit_stats(database, MINIMAL_BANK)[QUESTION] == {
        "answers": 0, "never_hit": [], "always_hit": []}
