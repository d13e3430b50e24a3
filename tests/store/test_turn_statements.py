"""An interview turn runs the same SQL statements whether it is the second turn or the
twentieth: nothing is read or written once per earlier turn, and a retried message only looks
up its stored replies.

Statements are counted on the engine (``before_cursor_execute``) around the interview operations
themselves, on every configured database.
"""
from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event

from interviewbot.bank import load_bank
from interviewbot.engine.protocol import parse_client_message
from interviewbot.store import Database
from interviewbot.store.interviews import InterviewService

BANK = load_bank(Path(__file__).resolve().parents[2] / "question_bank")
WEAK = ("At my last job we had some problems with customers and I worked hard with everyone to "
        "sort things out. We talked a lot and people were happier afterwards and it went well.")
_ids = itertools.count(1)

# What one answer runs: the session row locked together with the replies stored for the message
# id, the turns, then the answered turn updated, the next turn inserted, the session updated and
# the replies stored. SQLite's BEGIN IMMEDIATE is left out of the count (PostgreSQL's BEGIN is
# not a statement of its own).
ANSWER = ["SELECT", "SELECT", "UPDATE", "INSERT", "UPDATE", "INSERT"]


def message(type_: str, **fields):
    return parse_client_message(json.dumps({"type": type_, "id": f"m{next(_ids)}", **fields}))


@pytest.fixture
def statements(database: Database) -> Iterator[list[str]]:
    """The first word of every statement run on the database, BEGIN left out."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        word = statement.split(None, 1)[0].upper()
        if word != "BEGIN":
            seen.append(word)

    event.listen(database.engine, "before_cursor_execute", record)
    yield seen
    event.remove(database.engine, "before_cursor_execute", record)


def test_every_answer_runs_the_same_statements_however_long_the_interview(database, statements):
    service = InterviewService(database, BANK)
    started = service.start(None, message("start", areas="all", count=12))
    frames, per_turn, weak = started.frames, [], True
    while frames[-1]["type"] in ("question", "follow_up"):
        question = BANK.questions[frames[-1]["question_id"]]
        weak = not weak  # weak answers to every other question get follow-ups
        statements.clear()
        frames = service.handle(started.session_id, message(
            "answer", turn=frames[-1]["turn"], text=WEAK if weak else question.example_answer))
        per_turn.append((frames[-1]["type"], list(statements)))

    assert frames[-1]["type"] == "summary"
    assert sum(kind == "follow_up" for kind, _ in per_turn) >= 3  # follow-ups were answered too
    assert len(per_turn) >= 15
    *middle, (_, last) = per_turn
    assert [s for _, s in middle] == [ANSWER] * len(middle)
    assert last == ["SELECT", "SELECT", "UPDATE", "UPDATE", "INSERT"]  # no next turn to insert


def test_a_retried_message_only_reads_its_stored_replies(database, statements):
    service = InterviewService(database, BANK)
    started = service.start(None, message("start", areas="all", count=8))
    frames = started.frames
    for _ in range(6):
        answer = message("answer", turn=frames[-1]["turn"], text=WEAK)
        frames = service.handle(started.session_id, answer)
        statements.clear()
        assert service.handle(started.session_id, answer) == frames
        assert statements == ["SELECT"]
