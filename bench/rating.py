"""Rater throughput and latency for 250-word answers, beside a naive keyword-regex baseline.

    .venv/bin/python bench/rating.py [--answers 2000] [--rounds 5]

(a) against one question's rubric, (b) against every area's rubric at once. The baseline runs in
the same process on the same answers: one case-insensitive regex per phrase, no stemming, no
negation, no offsets kept — the least a keyword rater could do.

Machines are shared and noisy, so every rater goes over the answers in several rounds, the raters
taking turns; answers/s is the median round (the slowest and fastest rounds are printed beside
it), p50/p99 are over every answer of every round. The baseline, a hundred times slower on (b),
rates the first --baseline-answers of the same answers.
"""
from __future__ import annotations

import argparse
import random
import re
import statistics
import time
from pathlib import Path

from interviewbot.bank import Rubric, load_bank
from interviewbot.rating import rate

BANK_PATH = Path(__file__).resolve().parent.parent / "question_bank"


def answers_of_250_words(bank, count: int, rng: random.Random) -> list[str]:
    words = [w for q in bank.questions.values() for w in q.example_answer.split()]
    out = []
    for _ in range(count):
        start = rng.randrange(len(words) - 250)
        out.append(" ".join(words[start:start + 250]))
    return out


def naive_rater(rubric: Rubric):
    patterns = [(c, [re.compile(r"\b" + re.escape(p) + r"\b", re.I) for p in c.phrases]) for c in rubric.concepts]

    def score(answer: str) -> int:
        total = sum(c.weight for c in rubric.concepts)
        hit = sum(c.weight for c, pats in patterns if any(p.search(answer) for p in pats))
        return round(100 * hit / total)
    return score


def timed_round(fn, answers: list[str], latencies: list[float]) -> float:
    """Rate every answer once; returns answers per second and adds each answer's latency."""
    start = time.perf_counter()
    for a in answers:
        t = time.perf_counter()
        fn(a)
        latencies.append(time.perf_counter() - t)
    return len(answers) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--baseline-answers", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    bank = load_bank(BANK_PATH)
    answers = answers_of_250_words(bank, args.answers, rng)
    question = sorted(bank.questions.values(), key=lambda q: q.id)[0]
    cases = [
        (f"(a) one question ({question.id}, {len(question.rubric.concepts)} concepts)", question.rubric),
        (f"(b) all areas ({len(bank.all_areas_rubric.concepts)} concepts)", bank.all_areas_rubric),
    ]
    raters = [(label, name, fn, subset) for label, rubric in cases
              for name, fn, subset in (("interviewbot", lambda a, r=rubric: rate(r, a), answers),
                                       ("naive", naive_rater(rubric), answers[:args.baseline_answers]))]
    for _, _, fn, _ in raters:
        for a in answers[:50]:  # warm caches the way a running server has them
            fn(a)
    rates: dict[str, list[float]] = {}
    latencies: dict[str, list[float]] = {}
    for _ in range(args.rounds):
        for label, name, fn, subset in raters:
            key = label + name
            rates.setdefault(key, []).append(timed_round(fn, subset, latencies.setdefault(key, [])))
    print(f"{len(answers)} answers of 250 words, {args.rounds} rounds; one thread; bank version {bank.version}")
    print(f"{'case':<62}{'rater':<14}{'answers/s':>10}{'(rounds)':>17}{'p50 ms':>9}{'p99 ms':>9}")
    for label, name, _, _ in raters:
        key = label + name
        per_round, lat = sorted(rates[key]), sorted(latencies[key])
        spread = f"{per_round[0]:,.0f}–{per_round[-1]:,.0f}"
        print(f"{label:<62}{name:<14}{statistics.median(per_round):>10,.0f}{spread:>17}"
              f"{1000 * statistics.median(lat):>9.3f}{1000 * lat[int(len(lat) * 0.99) - 1]:>9.3f}")


if __name__ == "__main__":
    main()
