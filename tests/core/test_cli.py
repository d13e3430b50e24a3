"""The `interviewbot` command line: bank check, bank list, rate."""
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from interviewbot.cli import main

BANKS = Path(__file__).parent / "banks"
AREAS = {"vision", "budgeting", "escalation", "leadership", "metrics", "policy",
         "collaboration", "technology", "feedback", "change"}


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def minimal_bank(monkeypatch):
    monkeypatch.setenv("INTERVIEWBOT_BANK", str(BANKS))


def test_bank_check_summarises_a_good_bank(runner):
    result = runner.invoke(main, ["bank", "check", str(BANKS)])
    assert result.exit_code == 0, result.output
    assert "1 questions in 2 areas" in result.output
    assert any(line.split()[:3] == ["escalation", "1", "0"] for line in result.output.splitlines())


def test_bank_check_of_the_shipped_bank_is_clean(runner):
    result = runner.invoke(main, ["bank", "check"])
    assert result.exit_code == 0, result.output
    for area in AREAS:
        assert f"\n{area} " in result.output


def test_bank_check_fails_naming_file_line_and_field(runner, tmp_path):
    shutil.copy(BANKS / "minimal.yaml", tmp_path / "good.yaml")
    (tmp_path / "bad.yaml").write_text(
        "questions:\n  - id: extra\n    area: escalation\n    kind: story\n    difficulty: 2\n"
        "    text: hi\n    rubric: {strong_answer: [x]}\n    example_answer: x\n")
    result = runner.invoke(main, ["bank", "check", str(tmp_path)])
    assert result.exit_code == 1
    assert "bad.yaml:4: questions[0].kind: Input should be 'behavioural' or 'situational'" in result.output
    assert "the bank was not loaded" in result.output


def test_bank_list_json_has_id_area_kind_difficulty(runner):
    result = runner.invoke(main, ["bank", "list", "--json"])
    rows = json.loads(result.output)
    assert len(rows) >= 80
    assert {"id", "area", "kind", "difficulty"} <= set(rows[0])
    assert {r["area"] for r in rows} == AREAS


def test_bank_list_filters_by_area(runner):
    rows = json.loads(runner.invoke(main, ["bank", "list", "--area", "budgeting", "--json"]).output)
    assert rows and {r["area"] for r in rows} == {"budgeting"}
    bad = runner.invoke(main, ["bank", "list", "--area", "cooking"])
    assert bad.exit_code == 2 and "unknown area 'cooking'" in bad.output


def test_rate_a_question_prints_json(runner, minimal_bank):
    answer = (BANKS / "minimal.yaml").read_text().split("example_answer: >")[1]
    result = runner.invoke(main, ["rate", "--question", "escalation-angry-client"], input=answer)
    data = json.loads(result.output)
    assert {"score", "band", "areas", "concepts", "star", "words", "feedback"} <= set(data)
    assert data["band"] >= 4
    c = next(c for c in data["concepts"] if c["id"] == "root-cause")
    assert c["hit"] and c["area"] == "escalation" and c["weight"] == 3
    assert {"start", "end", "text"} <= set(c["evidence"][0])


def test_rate_without_options_covers_every_area(runner):
    result = runner.invoke(main, ["rate"], input="We cut the budget by 10% and kept CSAT at 85%.")
    assert set(json.loads(result.output)["areas"]) == AREAS


def test_rate_against_an_area(runner):
    result = runner.invoke(main, ["rate", "--area", "budgeting"], input="We built a business case with a clear ROI.")
    assert set(json.loads(result.output)["areas"]) == {"budgeting"}


def test_rate_text_format_is_for_people(runner, minimal_bank):
    result = runner.invoke(main, ["rate", "--question", "escalation-angry-client", "--format", "text"],
                           input="I would never escalate. I found the root cause.")
    assert result.exit_code == 0
    assert result.output.startswith("Score ")
    assert '+ finds the root cause [escalation/root-cause, weight 3]: "root cause"' in result.output
    assert '(negated: "escalate")' in result.output


def test_rate_unknown_question_is_a_clear_error(runner):
    result = runner.invoke(main, ["rate", "--question", "nope"], input="x")
    assert result.exit_code == 2 and "no question 'nope'" in result.output


def test_rate_reads_any_bytes(runner, minimal_bank):
    result = runner.invoke(main, ["rate", "--question", "escalation-angry-client"], input=b"\xff\xfe root cause \x00")
    assert result.exit_code == 0 and json.loads(result.output)["words"] >= 2


def test_db_upgrade_creates_the_database(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("INTERVIEWBOT_INSTANCE", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    result = runner.invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output and (tmp_path / "interviewbot.db").exists()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0


def test_user_create_makes_an_account_that_can_sign_in(runner, tmp_path, monkeypatch):
    from interviewbot.store import Database, database_url
    from interviewbot.store.accounts import authenticate

    monkeypatch.setenv("INTERVIEWBOT_INSTANCE", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    result = runner.invoke(main, ["user", "create", "--email", "Coach@Example.com", "--role", "coach",
                                  "--password", "correct horse battery"])
    assert result.exit_code == 0, result.output
    assert "created coach coach@example.com" in result.output
    db = Database(database_url(tmp_path))
    try:
        user = authenticate(db, "coach@example.com", "correct horse battery")
        assert user is not None and user.role == "coach"
        assert user.password_hash.startswith("$argon2id$")
    finally:
        db.dispose()
    again = runner.invoke(main, ["user", "create", "--email", "coach@example.com", "--password", "another long one"])
    assert again.exit_code == 2 and "already exists" in again.output
    short = runner.invoke(main, ["user", "create", "--email", "x@example.com", "--password", "short"])
    assert short.exit_code == 2 and "at least 10 characters" in short.output
