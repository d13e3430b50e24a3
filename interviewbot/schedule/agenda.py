"""The text that goes into a booking's description: an agenda built on the candidate's weakest
areas and, for the coach, a short pre-read on what to probe in each of them."""
from __future__ import annotations

from collections.abc import Sequence

AreaScore = tuple[str, float | None]


def agenda_for(weakest_areas: Sequence[AreaScore], for_coach: bool) -> str:
    """Plain text, weakest area first (areas with no score yet come last, in the order given).

    Scores are 0–100, as the rater reports them per area; None means not practised yet.
    """
    areas = _weakest_first(weakest_areas)
    lines = ["Mock interview agenda", "", "1. Introductions and what you want from today"]
    for number, (title, score) in enumerate(areas, start=2):
        lines.append(f"{number}. {title} ({_score_text(score)})")
    if not areas:
        lines.append("2. Questions across your chosen areas")
    lines.append(f"{max(len(areas), 1) + 2}. Feedback and next steps")
    if for_coach:
        lines += ["", "Pre-read for the coach", ""]
        lines += [f"- {title}: {_probe(score)}" for title, score in areas] or [
            "- No practice scores yet: start broad and find the weakest area early."]
    return "\n".join(lines)


def _weakest_first(areas: Sequence[AreaScore]) -> list[AreaScore]:
    scored = sorted((a for a in areas if a[1] is not None), key=lambda a: a[1])
    return scored + [a for a in areas if a[1] is None]


def _score_text(score: float | None) -> str:
    return "not practised yet" if score is None else f"practice score {round(score)}/100"


def _probe(score: float | None) -> str:
    if score is None:
        return ("not practised yet; ask one open question and see whether the answer has a "
                "concrete situation, what they did, and a measured result.")
    if score < 40:
        return ("answers so far miss most of the expected ground; ask for one real example and "
                "walk it through situation, task, action and result before anything harder.")
    if score < 70:
        return ("the basics are there; probe for specifics — the numbers they watched, the "
                "trade-offs they made and what they would do differently.")
    return ("relatively strong; push on harder follow-ups, scale and edge cases to find the limit.")
