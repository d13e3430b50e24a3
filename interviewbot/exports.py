"""A stored interview as a downloadable document: JSON for programs, Markdown for people.

Pure functions: they take objects shaped like the stored session and its turns (any object with
the same attributes will do) and return plain data or text; nothing here touches the database
or the web.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Protocol

EXPORT_VERSION = 1
TURN_STATUS_WORDS = {"answered": "answered", "skipped": "skipped", "timed_out": "time ran out",
                     "asked": "waiting for an answer"}


class TurnLike(Protocol):
    position: int
    question_id: str
    kind: str
    parent_position: int | None
    concept: str | None
    prompt: str
    status: str
    answer_text: str | None
    rating: dict[str, Any] | None
    asked_at: datetime
    answered_at: datetime | None


class SessionLike(Protocol):
    id: str
    mode: str
    status: str
    plan: dict[str, Any]
    question_ids: list[str]
    bank_version: str
    created_at: datetime
    finished_at: datetime | None
    summary: dict[str, Any] | None


def ratings_visible(session: SessionLike) -> bool:
    """A mock interview shows no rating until it has finished; practice shows them all along."""
    return session.mode != "mock" or session.status == "finished"


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def transcript_data(session: SessionLike, turns: Iterable[TurnLike]) -> dict[str, Any]:
    """The session as JSON-ready data: plan, summary and every turn with its rating."""
    show = ratings_visible(session)
    return {
        "format": "interviewbot-transcript",
        "version": EXPORT_VERSION,
        "session": {"id": session.id, "mode": session.mode, "status": session.status,
                    "created_at": iso(session.created_at), "finished_at": iso(session.finished_at),
                    "bank_version": session.bank_version},
        "plan": session.plan,
        "question_ids": list(session.question_ids),
        "summary": session.summary,
        "turns": [{
            "position": t.position, "kind": t.kind, "question_id": t.question_id,
            "parent_position": t.parent_position, "concept": t.concept, "prompt": t.prompt,
            "status": t.status, "answer": t.answer_text, "asked_at": iso(t.asked_at),
            "answered_at": iso(t.answered_at), "rating": t.rating if show else None,
        } for t in sorted(turns, key=lambda t: t.position)],
    }


def transcript_markdown(data: Mapping[str, Any], area_titles: Mapping[str, str]) -> str:
    """:func:`transcript_data` as a Markdown document someone can read, print or keep."""
    session, summary = data["session"], data.get("summary")

    def title(area: str | None) -> str:
        return area_titles.get(area, area) if area else "—"

    lines = [f"# Interview practice — {_day(session['created_at'])}", "",
             f"- Mode: {session['mode']}",
             f"- Areas: {', '.join(title(a) for a in data['plan'].get('areas', []))}",
             f"- Status: {'finished' if session['status'] == 'finished' else 'not finished'}", ""]
    if summary:
        lines += ["## Scorecard", "",
                  f"Overall score: **{summary.get('score')}/100** (band {summary.get('band')} of 5), "
                  f"{summary.get('answered', 0)} of {summary.get('asked', 0)} questions answered.", ""]
        for area, score in sorted((summary.get("areas") or {}).items(), key=lambda kv: -kv[1]):
            lines.append(f"- {title(area)}: {score}/100")
        lines.append("")
        if summary.get("strongest"):
            lines.append(f"Strongest area: {title(summary['strongest'])}. "
                         f"Weakest area: {title(summary.get('weakest'))}.")
        focus = (summary.get("next") or {}).get("focus") or []
        if focus:
            lines.append(f"Work on next: {'; '.join(focus)}.")
        lines.append("")
    results = {r.get("turn"): r for r in (summary or {}).get("questions", [])}
    number = 0
    for turn in data["turns"]:
        if turn["kind"] == "question":
            number += 1
            lines += [f"## Question {number}", ""]
            result = results.get(turn["position"])
            if result is not None:
                lines += [f"Question score: {result.get('score')}/100 (a follow-up answer counts in)", ""]
        else:
            lines += ["### Follow-up", ""]
        lines += [turn["prompt"].strip(), ""]
        lines += _answer_lines(turn)
        lines += _rating_lines(turn.get("rating"))
    return "\n".join(lines).rstrip() + "\n"


def _day(stamp: str | None) -> str:
    if not stamp:
        return ""
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return moment.strftime("%d %B %Y, %H:%M UTC")


def _answer_lines(turn: Mapping[str, Any]) -> list[str]:
    if turn["status"] != "answered" or turn.get("answer") is None:
        return [f"*Your answer:* ({TURN_STATUS_WORDS.get(turn['status'], turn['status'])})", ""]
    quoted = [f"> {line}" if line.strip() else ">" for line in turn["answer"].splitlines()]
    return ["*Your answer:*", "", *quoted, ""]


def _rating_lines(rating: Mapping[str, Any] | None) -> list[str]:
    if not rating:
        return []
    concepts = rating.get("concepts") or []
    lines = [f"**Score {rating.get('score')}/100** — band {rating.get('band')}: {rating.get('meaning', '')}", ""]
    hit = [c for c in concepts if c.get("hit")]
    missed = [c for c in concepts if not c.get("hit")]
    if hit:
        lines.append("Covered:")
        for c in hit:
            words = ", ".join(dict.fromkeys(f"“{e['text']}”" for e in c.get("evidence", [])))
            lines.append(f"- {c['label']}" + (f" ({words})" if words else ""))
        lines.append("")
    if missed:
        lines.append("Missed:")
        lines += [f"- {c['label']}" for c in missed]
        lines.append("")
    star = rating.get("star") or {}
    if star:
        marks = ", ".join(f"{element} {'yes' if v.get('present') else 'no'}" for element, v in star.items())
        lines += [f"STAR: {marks}", ""]
    tips = rating.get("feedback") or []
    if tips:
        lines.append("Tips:")
        lines += [f"- {tip}" for tip in tips]
        lines.append("")
    return lines


def account_data(account: Mapping[str, Any], transcripts: list[dict[str, Any]]) -> dict[str, Any]:
    """Everything stored for one account, as one JSON-ready document."""
    return {"format": "interviewbot-account", "version": EXPORT_VERSION, "account": dict(account),
            "sessions": transcripts}
