"""The booking description: an agenda on the weakest areas, and a pre-read for the coach."""
from interviewbot.schedule import agenda_for

AREAS = [("Budgeting", 64.6), ("Escalations", 31), ("Hiring", None)]


def test_agenda_lists_weakest_area_first_with_its_score():
    lines = agenda_for(AREAS, for_coach=False).splitlines()
    assert lines[2:7] == [
        "1. Introductions and what you want from today",
        "2. Escalations (practice score 31/100)",
        "3. Budgeting (practice score 65/100)",
        "4. Hiring (not practised yet)",
        "5. Feedback and next steps",
    ]


def test_candidate_does_not_get_the_coachs_pre_read():
    assert "Pre-read" not in agenda_for(AREAS, for_coach=False)


def test_coach_gets_a_probe_for_each_weak_area_in_agenda_order():
    text = agenda_for(AREAS, for_coach=True)
    pre_read = text.split("Pre-read for the coach", 1)[1].strip().splitlines()
    assert [line.split(":", 1)[0] for line in pre_read] == ["- Escalations", "- Budgeting", "- Hiring"]
    assert "situation, task, action and result" in pre_read[0]
    assert "specifics" in pre_read[1]


def test_strong_area_gets_harder_probing():
    assert "harder follow-ups" in agenda_for([("Metrics", 85)], for_coach=True)


def test_no_scores_yet_still_gives_an_agenda():
    text = agenda_for([], for_coach=True)
    assert "2. Questions across your chosen areas" in text and "3. Feedback and next steps" in text
    assert "No practice scores yet" in text
