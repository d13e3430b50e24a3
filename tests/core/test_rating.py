"""The rater: stems, phrases, negation, anti-gaming, STAR, evidence offsets, any input."""
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interviewbot.bank import load_sources
from interviewbot.rating import AnswerTooLong, rate
from interviewbot.rating.text import ARTICLE, normalise, tokenise

BANK = load_sources([("minimal.yaml", (Path(__file__).parent / "banks" / "minimal.yaml").read_text())])
QUESTION = BANK.questions["escalation-angry-client"]
STRONG = QUESTION.example_answer


def concept(rating, cid):
    return next(c for c in rating.concepts if c.id == cid)


def test_example_answer_scores_high_and_hits_every_concept():
    r = rate(QUESTION, STRONG)
    assert r.band >= 4
    assert not r.missed
    assert r.areas["escalation"] == 100 and "budgeting" in r.areas


def test_word_forms_match_through_stems():
    r = rate(QUESTION, "We escalated it at once.")
    assert [s.text for s in concept(r, "escalation-path").evidence] == ["escalated"]


def test_multi_word_phrase_needs_all_its_words_in_order():
    assert concept(rate(QUESTION, "We looked for the root cause."), "root-cause").hit
    assert not concept(rate(QUESTION, "The cause was at the root of the tree."), "root-cause").hit


def test_synonyms_are_alternative_phrases():
    for text in ("We found the underlying cause.", "I ran five whys with the team."):
        assert concept(rate(QUESTION, text), "root-cause").hit, text


@pytest.mark.parametrize("text", [
    "I would never escalate a complaint like that.",
    "We didn't escalate it.",
    "There was no escalation path at all.",
    "We did not look for the root cause",
])
def test_negation_just_before_does_not_count(text):
    r = rate(QUESTION, text)
    assert not r.hit, [c.id for c in r.hit]
    assert any(c.negated for c in r.concepts)


def test_negation_does_not_reach_across_a_clause_or_far_back():
    assert concept(rate(QUESTION, "We had no budget, so I escalated it."), "escalation-path").hit
    assert concept(rate(QUESTION, "Nobody on the night shift had ever thought to escalate."), "escalation-path").hit


def test_not_only_affirms():
    assert concept(rate(QUESTION, "We not only escalated it but fixed the process."), "escalation-path").hit


def test_evidence_offsets_point_into_the_original_answer():
    text = "Le client était furieux 😡 — so I <b>personally called</b> him and found the ROOT   CAUSE."
    r = rate(QUESTION, text)
    for c in r.hit:
        for s in c.evidence:
            assert text[s.start:s.end] == s.text
    assert [s.text for s in concept(r, "root-cause").evidence] == ["ROOT   CAUSE"]
    assert [s.text for s in concept(r, "ownership").evidence] == ["personally called"]


WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from([
    "budget", "the", "A", "follow-up", "root", "cause,", "don't", "ÉCOLE", "日本語の答え", "x" * 70,
    "—", "", "(CSAT)", "...", "\n", "an", "cost-to-serve", "q3’s",
]), st.text(max_size=6)), max_size=40), st.sampled_from([" ", "  ", "\n", " \n ", "\t"]))
def test_word_offsets_match_a_plain_scan_of_the_text(words, separator):
    # Words are found per space-free run and their offsets summed back: they must land exactly
    # where a plain scan of the whole text finds them, however the text is laid out.
    text = separator.join(words)
    tokens = tokenise(text)
    expected = [m.span() for m in WORD.finditer(text) if normalise(m[0])[2] != ARTICLE]
    assert [(tokens.start(i), tokens.end(i)) for i in range(len(tokens))] == expected
    for first in range(len(tokens)):  # spans of several words, as phrases have
        for last in range(first, min(first + 3, len(tokens))):
            span = tokens.span(first, last)
            assert (span.start, span.end) == (expected[first][0], expected[last][1])
            assert span.text == text[span.start:span.end]


def test_a_concept_counts_once_however_often_repeated():
    once = rate(QUESTION, STRONG)
    again = rate(QUESTION, STRONG + " We did a root cause analysis and the root cause was clear.")
    assert concept(again, "root-cause").weight == concept(once, "root-cause").weight
    assert again.components["content"] == once.components["content"]


def test_a_bare_keyword_list_stays_out_of_the_top_bands():
    phrases = [p for c in QUESTION.rubric.concepts for p in c.phrases]
    listed = ", ".join(phrases * 2) + ", 50%, within six months, as a result, I decided, my goal, at my previous"
    r = rate(QUESTION, listed)
    assert len(r.hit) == len(QUESTION.rubric.concepts)
    assert r.band <= 2 and r.caps


def test_one_phrase_repeated_stays_low():
    r = rate(QUESTION, "I took ownership and root cause. " * 40)
    assert r.band <= 2 and r.caps


def test_short_answer_cannot_reach_band_4():
    r = rate(QUESTION, "I took ownership, apologised, found the root cause and escalated to second tier; "
                       "the business case paid back and service recovery worked, CSAT rose 20%.")
    assert r.band <= 3


def test_specifics_and_result_raise_the_score():
    plain = ("When a key account complained I took ownership and apologised, looked for the root cause "
             "and used the escalation path to get the second tier team involved quickly. I also made "
             "a business case for fixing it and offered a goodwill credit for service recovery. I "
             "spoke with the client every day while the fix was being built, and I kept the account "
             "team and the product manager informed so that nobody was surprised by what they heard. "
             "The client was fine with it and the team learned from it, and we kept working with them.")
    measured = plain.replace("The client was fine with it", "As a result complaints fell by 60% within a quarter")
    assert rate(QUESTION, measured).score > rate(QUESTION, plain).score


def test_star_elements_are_found_with_evidence():
    r = rate(QUESTION, STRONG)
    assert all(r.star[e] for e in ("situation", "task", "action", "result"))
    assert r.star["result"][0].text.lower() in STRONG.lower()


def test_missing_star_elements_produce_advice():
    r = rate(QUESTION, "I took ownership and found the root cause with five whys and escalated it. " * 3)
    assert r.star["action"] and not r.star["result"]
    (advice,) = [f for f in r.feedback if f.startswith("Add the situation")]
    assert "the result (what changed" in advice and "your actions" not in advice


def test_feedback_names_missed_concepts():
    r = rate(QUESTION, "At my last job I personally called the customer and apologised. My goal was to keep "
                       "them. As a result they stayed with us for another year and were happy.")
    assert "Not covered: finds the root cause." in r.feedback


def test_filler_is_counted_and_flagged():
    r = rate(QUESTION, "Basically I took ownership, you know, and basically found the root cause and stuff like that.")
    assert [s.text.lower() for s in r.filler] == ["basically", "you know", "basically", "stuff like that"]
    assert any("Cut the filler" in f and '"basically" ×2' in f for f in r.feedback)


def test_basic_is_not_filler():
    assert not rate(QUESTION, "We fixed the basic process first.").filler


def test_rating_carries_the_meaning_of_its_band():
    r = rate(QUESTION, STRONG)
    assert r.meaning == BANK.areas["escalation"].bars[r.band - 1]
    assert r.area_meanings["budgeting"] == BANK.areas["budgeting"].bars[r.area_bands["budgeting"] - 1]


def test_same_answer_same_rating():
    assert rate(QUESTION, STRONG).to_dict() == rate(QUESTION, STRONG).to_dict()


def test_rating_against_an_area_rubric():
    answer = ("When I asked for two more team leads I wrote a business case for the finance director. "
              "It set out the cost of the roles against the churn we were losing each quarter, and "
              "showed a payback within a year. She agreed, and the new leads started in March. Within two "
              "quarters churn had fallen enough to cover both salaries, and we kept the roles.")
    r = rate(BANK.areas["budgeting"].rubric, answer)
    assert r.areas == {"budgeting": 100}
    assert r.meaning == BANK.areas["budgeting"].bars[r.band - 1]


def test_empty_answer_is_rated_zero_with_a_reason():
    r = rate(QUESTION, "   ")
    assert (r.score, r.band, r.words) == (0, 1, 0)
    assert r.caps == ("The answer is empty.",)


def test_megabyte_answer_is_rated():
    r = rate(QUESTION, (STRONG + "\n") * (1_000_000 // len(STRONG)))
    assert 0 <= r.score <= 100


def test_oversized_answer_is_a_clear_error():
    with pytest.raises(AnswerTooLong, match="limit"):
        rate(QUESTION, "x" * 2_000_001)


def test_non_text_answer_is_a_clear_error():
    with pytest.raises(TypeError, match="answer must be text"):
        rate(QUESTION, b"bytes")  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_gets_a_valid_rating(text):
    r = rate(QUESTION, text)
    assert 0 <= r.score <= 100 and 1 <= r.band <= 5
    assert all(0 <= v <= 100 for v in r.areas.values())
    for c in r.concepts:
        for s in (*c.evidence, *c.negated):
            assert text[s.start:s.end] == s.text
    assert isinstance(r.to_dict(), dict)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from([
    STRONG, "<script>alert(1)</script>", "\x00\x07\x1b[31m", "👩‍💼🔥", "根本原因", "سبب جذري",
    "ROOT CAUSE", "\u202e", "\ud800", " ", "\n\n",
]), max_size=8).map("".join))
def test_mixed_scripts_html_and_control_characters(text):
    r = rate(QUESTION, text)
    assert 0 <= r.score <= 100


def test_a_well_told_answer_with_no_concept_hit_stays_in_band_1_or_2():
    story = ("At my previous job our bakery was losing money. My goal was to fix the ovens within a "
             "month. I decided to call three engineers, I negotiated a price and I led the repair "
             "myself over two weekends. As a result we baked 40% more bread by the end of March, "
             "saved 2,000 pounds a year and I learned a great deal about thermostats and timing.")
    r = rate(QUESTION, story)
    assert not r.hit
    assert all(r.star.values()) and r.specifics["numbers"]
    assert r.band <= 2


def test_stemming_from_many_threads_gives_the_same_stems():
    import threading

    import snowballstemmer

    from interviewbot.rating import text

    words = [f"{stem}{suffix}" for stem in ("escalat", "coach", "budget", "measur", "prioritis", "negotiat",
                                             "forecast", "resolv", "analys", "communicat")
             for suffix in ("ion", "ions", "ed", "ing", "es", "ement", "ements", "er", "ers", "ive")]
    words = [f"{w}{n}" for n in ("", "x", "xy", "xyz") for w in words]  # fresh words: not cached
    expected = {w: snowballstemmer.stemmer("english").stemWord(w) for w in words}
    got: dict[str, str] = {}
    barrier = threading.Barrier(8)

    def work(chunk):
        barrier.wait()
        for w in chunk * 5:
            text._WORDS.pop(w, None)
            got[w] = text.normalise(w)[1]

    threads = [threading.Thread(target=work, args=(words[i::8],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == expected
