"""Loading banks: a good bank loads whole; a broken one fails with file, line and field."""
from pathlib import Path

import pytest

from interviewbot.bank import BankError, load_bank, load_sources

MINIMAL = (Path(__file__).parent / "banks" / "minimal.yaml").read_text()


def load_error(*files: tuple[str, str]) -> BankError:
    with pytest.raises(BankError) as info:
        load_sources(files)
    return info.value


def test_minimal_bank_loads_with_area_and_question_concepts():
    bank = load_sources([("minimal.yaml", MINIMAL)])
    q = bank.questions["escalation-angry-client"]
    assert q.areas == ("escalation", "budgeting")
    assert [c.id for c in q.rubric.concepts] == ["ownership", "root-cause", "escalation-path", "roi", "recovery"]
    assert q.rubric.concepts[3].area == "budgeting"
    assert q.follow_up_for("root-cause").text.startswith("What was the underlying cause")
    assert q.source == "minimal.yaml:34"
    assert bank.areas["budgeting"].bars[3].startswith("Builds a business case")


def test_version_changes_when_content_changes():
    a = load_sources([("minimal.yaml", MINIMAL)])
    b = load_sources([("minimal.yaml", MINIMAL.replace("furious", "very angry"))])
    assert a.version != b.version
    assert a.version == load_sources([("minimal.yaml", MINIMAL)]).version


def test_invalid_yaml_names_file_and_line():
    err = load_error(("broken.yaml", "questions:\n  - id: x\n    text: [unclosed\n"))
    (issue,) = err.issues
    assert issue.file == "broken.yaml" and issue.line >= 3
    assert "invalid YAML" in issue.message


def test_unknown_area_names_field_and_line():
    err = load_error(("m.yaml", MINIMAL.replace("also: [budgeting]", "also: [budgetting]")))
    (issue,) = err.issues
    assert (issue.file, issue.line, issue.field) == ("m.yaml", 36, "questions[0].also[0]")
    assert "unknown area 'budgetting'" in issue.message


def test_duplicate_question_id_across_files_names_the_first_place():
    second = MINIMAL.split("questions:")[1]
    err = load_error(("a.yaml", MINIMAL), ("b.yaml", "questions:" + second))
    (issue,) = err.issues
    assert issue.file == "b.yaml" and issue.field == "questions[0].id"
    assert "already used in a.yaml:34" in issue.message


def test_missing_rubric_is_reported_on_the_question():
    text = MINIMAL.split("    rubric:")[0] + "    example_answer: x\n"
    err = load_error(("m.yaml", text))
    assert any(i.field == "questions[0].rubric" and "missing" in i.message for i in err.issues)


def test_empty_phrase_list_names_its_line():
    err = load_error(("m.yaml", MINIMAL.replace("phrases: [return on investment, roi, payback, business case]", "phrases: []")))
    (issue,) = err.issues
    assert issue.field == "areas[1].concepts[0].phrases" and issue.line == 32


def test_wrong_types_are_named():
    err = load_error(("m.yaml", MINIMAL.replace("difficulty: 2", "difficulty: hard").replace("weight: 2\n          phrases: [service", "weight: 'two'\n          phrases: [service")))
    fields = {i.field for i in err.issues}
    assert fields == {"questions[0].difficulty", "questions[0].rubric.concepts[0].weight"}


def test_duplicate_yaml_key_is_an_error():
    err = load_error(("m.yaml", MINIMAL.replace("    difficulty: 2\n", "    difficulty: 2\n    difficulty: 3\n")))
    assert any("duplicate key 'difficulty'" in i.message for i in err.issues)


def test_follow_up_must_probe_a_rubric_concept():
    err = load_error(("m.yaml", MINIMAL.replace("- concept: root-cause", "- concept: empathy")))
    (issue,) = err.issues
    assert issue.field == "questions[0].follow_ups[0].concept"


def test_bars_need_all_five_bands():
    err = load_error(("m.yaml", MINIMAL.replace(" 5: As 4 with measured payback.", "")))
    assert any(i.field == "areas[1].bars" for i in err.issues)


def test_unknown_field_is_reported():
    err = load_error(("m.yaml", MINIMAL.replace("    kind: behavioural", "    kind: behavioural\n    level: 2")))
    (issue,) = err.issues
    assert issue.field == "questions[0].level" and issue.message == "unknown field"


def test_a_broken_file_loads_nothing(tmp_path):
    (tmp_path / "good.yaml").write_text(MINIMAL)
    (tmp_path / "bad.yaml").write_text("questions: nope\n")
    with pytest.raises(BankError) as info:
        load_bank(tmp_path)
    assert [i.file for i in info.value.issues] == ["bad.yaml"]


def test_non_utf8_and_empty_files_are_errors():
    err = load_error(("latin.yaml", "questions: [caf\xe9]".encode("latin-1")), ("empty.yaml", ""))
    messages = {i.file: i.message for i in err.issues}
    assert "not UTF-8" in messages["latin.yaml"] and "empty" in messages["empty.yaml"]


def test_folder_without_yaml_is_an_error(tmp_path):
    with pytest.raises(BankError, match="no .yaml files"):
        load_bank(tmp_path)


def test_a_phrase_of_only_common_words_is_refused():
    err = load_error(("m.yaml", MINIMAL.replace("phrases: [return on investment, roi, payback, business case]",
                                                "phrases: [return on investment, IT]")))
    (issue,) = err.issues
    assert issue.field == "areas[1].concepts[0].phrases[1]" and "too common" in issue.message
