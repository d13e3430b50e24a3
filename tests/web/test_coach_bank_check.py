"""`interviewbot bank check` as an authoring aid: with a database of stored answers it also names,
per question, the rubric concepts no answer has hit and those every answer hits."""
from __future__ import annotations

import itertools
import json

import pytest
from click.testing import CliRunner

from interviewbot.cli import main as cli
from interviewbot.engine.protocol import parse_client_message
from interviewbot.store.coaching import concept_hit_stats

_ids = itertools.count(1)


def message(type_: str, **fields):
    return parse_client_message(json.dumps({"type": type_, "id": f"b{next(_ids)}", **fields}))


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def answered(app):
    """Answer one question twice in practice with its example answer. Returns its id."""
    bank, service = app.extensions["bank"], app.extensions["interviews"]
    question = bank.questions["budgeting-midyear-overspend"]
    for text in (question.example_answer, question.example_answer):
        started = service.start(None, message("start", areas=["budgeting"], count=1, questions=[question.id]))
        frames = started.frames
        while frames[-1]["type"] in ("question", "follow_up"):
            frames = service.handle(started.session_id, message("answer", text=text))
    return question.id


@pytest.fixture
def run(tmp_path, monkeypatch):
    """run(*args, database=url or None): the command's exit code and output."""
    monkeypatch.setenv("INTERVIEWBOT_INSTANCE", str(tmp_path))  # no database file there

    def invoke(*args: str, database: str | None = None):
        env = {"DATABASE_URL": database} if database else {"DATABASE_URL": ""}
        result = CliRunner().invoke(cli, ["bank", "check", *args], env=env)
        return result.exit_code, result.output

    return invoke


def test_with_a_database_it_names_concepts_never_and_always_hit(run, answered, app, db_url):
    stats = concept_hit_stats(app.extensions["db"], app.extensions["bank"])[answered]
    labels = {c.id: c.label for c in app.extensions["bank"].questions[answered].rubric.concepts}

    code, output = run(database=db_url)

    assert code == 0
    assert "questions in 10 areas" in output.splitlines()[0]  # the lint summary comes first, as before
    assert "stored answers: 2 to 1 of" in output
    lines = output[output.index(f"{answered} (2 answers)"):].splitlines()[1:3]
    expected = []
    if stats["never_hit"]:
        expected.append("  never hit:  " + "; ".join(f"{c} ({labels[c]})" for c in stats["never_hit"]))
    assert stats["always_hit"], "the same strong answer twice hits its concepts both times"
    expected.append("  always hit: " + "; ".join(f"{c} ({labels[c]})" for c in stats["always_hit"]))
    assert lines[:len(expected)] == expected


def test_no_answers_leaves_the_report_out(run, answered, db_url):
    code, output = run("--no-answers", database=db_url)

    assert code == 0
    assert "stored answers" not in output and answered not in output


def test_without_a_database_the_report_is_left_out_by_default(run):
    code, output = run()

    assert code == 0
    assert "stored answers" not in output


def test_a_broken_bank_still_fails_before_any_report(run, tmp_path, db_url):
    bad = tmp_path / "bank"
    bad.mkdir()
    (bad / "broken.yaml").write_text("area: [unclosed\n")

    code, output = run(str(bad), "--answers", database=db_url)

    assert code == 1
    assert "stored answers" not in output
