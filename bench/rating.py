"""Rater throughput and latency for 250-word answers, beside a naive keyword-regex baseline.

    .venv/bin/python bench/rating.py [--answers 2000]

(a) against one question's rubric, (b) against every area's rubric at once. The baseline runs in
the same process on the same answers: one case-insensitive regex per phrase, no stemming, no
negation, no offsets kept — the least a keyword rater could do.
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


def measure(fn, answers: list[str]) -> dict[str, float]:
    latencies = []
    start = time.perf_counter()
    for a in answers:
        t = time.perf_counter()
        fn(a)
        latencies.append(time.perf_counter() - t)
    elapsed = time.perf_counter() - start
    latencies.sort()
    return {
        "per_s": len(answers) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[int(len(latencies) * 0.99) - 1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=2000)
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
    print(f"{len(answers)} answers of 250 words; one thread; bank version {bank.version}")
    print(f"{'case':<58}{'rater':<10}{'answers/s':>11}{'p50 ms':>9}{'p99 ms':>9}")
    for label, rubric in cases:
        for name, fn in (("interviewbot", lambda a, r=rubric: rate(r, a)), ("naive", naive_rater(rubric))):
            for a in answers[:50]:  # warm caches the way a running server has them
                fn(a)
            m = measure(fn, answers)
            print(f"{label:<58}{name:<10}{m['per_s']:>11,.0f}{m['p50_ms']:>9.3f}{m['p99_ms']:>9.3f}")


if __name__ == "__main__":
    main()
