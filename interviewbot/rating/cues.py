"""The rater's own vocabulary: STAR structure cues, vague filler, outcome and time words.

These are about how an answer is told, not what it is about, so they live here and not in the
bank. Phrases are matched on word stems like rubric phrases (filler is matched word for word).
"""
from __future__ import annotations

STAR_ELEMENTS: tuple[str, ...] = ("situation", "task", "action", "result")

STAR_CUES: dict[str, tuple[str, ...]] = {
    "situation": (
        "at my previous", "at my last", "in my previous role", "in my last role", "in my current role",
        "when i joined", "when i took over", "when i was", "i inherited", "we were facing",
        "we faced", "the situation", "the context", "background", "at the time", "a few years ago",
        "last year", "we had a", "there was a", "our contact centre", "our contact center",
        "we were losing", "was running at", "had risen", "had fallen", "had dropped",
        "when i", "while i was", "as head of", "as director", "as the director", "in my role",
        "i worked at", "i was working", "years ago", "months ago", "one of our", "our largest",
        "our biggest", "i was leading", "i was running", "i ran the", "we had just",
        "i would start by understanding", "first i would assess", "i would first assess",
        "assess the situation", "understand the situation", "i would diagnose", "diagnose",
    ),
    "task": (
        "my goal", "our goal", "the goal", "my task", "my job was", "i was responsible",
        "i was accountable", "i was asked", "i was charged", "i was tasked", "i needed to",
        "we needed to", "i had to", "the objective", "my objective", "the challenge was",
        "the aim", "my aim", "target was", "we had to", "priority was", "my priority",
        "the brief", "mandate", "the question was", "i would aim", "my aim would be",
        "the goal would be", "success would mean", "i would need to",
    ),
    "action": (
        "my first step", "first i", "then i", "next i", "my next step", "step one", "i would then",
        *(f"{who} {verb}" for who in ("i", "we", "i would", "we would", "i'd", "i will", "i'll")
          for verb in (
              "decide", "lead", "led", "introduce", "build", "built", "set up", "create", "design",
              "launch", "implement", "negotiate", "propose", "bring", "brought", "start", "run",
              "ran", "work with", "partner", "meet", "met", "call", "coach", "hire", "restructure",
              "roll out", "change", "put", "make", "made", "ask", "present", "personally",
              "escalate", "agree", "invest", "move", "pilot", "take", "took", "find", "found",
              "use", "review", "analyse", "analyze", "map", "train", "rewrite", "rewrote", "write",
              "wrote", "publish", "share", "align", "sit down", "sat down", "hold", "held", "set",
              "define", "replace", "reallocate", "redesign", "automate", "measure", "track",
              "offer", "apologise", "apologize", "listen", "pull", "convene", "brief", "assign",
              "appoint", "cut", "reduce", "shift", "merge", "consolidate", "prioritise",
              "prioritize", "phase", "test", "communicate", "gather", "engage", "involve",
              "deliver", "fix", "resolve", "investigate", "contact", "visit", "email",
          )),
    ),
    "result": (
        "as a result", "the result", "result was", "the outcome", "outcome was", "which led to",
        "this led to", "that led to", "led to", "resulted in", "we saw", "we achieved",
        "we reduced", "we increased", "we improved", "we cut", "we saved", "we grew", "we lifted",
        "it reduced", "it increased", "it improved", "rose", "rose from", "fell", "fell from",
        "dropped", "went from", "down from", "up from", "improved by", "increased by",
        "reduced by", "saving", "savings", "by the end", "within six months", "within a year",
        "i learned", "lesson", "the impact", "impact was", "success would be", "i would measure",
        "measure success", "i would expect", "we would expect", "i would track", "i would judge",
        "should see", "would show",
    ),
}

FILLER: tuple[str, ...] = (
    "basically", "you know", "stuff like that", "things like that", "and stuff", "i guess",
    "literally", "to be honest", "at the end of the day", "and so on", "etc", "whatever",
    "i mean", "pretty much", "kinda", "sorta", "like i said", "sort of", "kind of like",
)

OUTCOME_WORDS: tuple[str, ...] = (
    "increase", "reduce", "improve", "rise", "rose", "fell", "drop", "grow", "grew", "save",
    "cut", "lift", "double", "halve", "outcome", "result", "impact", "recover", "retain",
)

TIME_WORDS: tuple[str, ...] = (
    "day", "week", "month", "quarter", "year", "weeks", "within", "by the end",
    "first ninety days", "first 90 days",
)

NUMBER_WORDS = frozenset({
    "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "fifteen", "twenty", "thirty", "forty", "fifty", "sixty", "hundred", "thousand", "million",
    "percent", "half", "double", "quarter",
})

# Short everyday words that full sentences are made of and a keyword list lacks.
FUNCTION_WORDS = frozenset({
    "i", "we", "you", "he", "she", "they", "it", "my", "our", "their", "me", "us", "them",
    "is", "was", "were", "are", "be", "been", "had", "have", "has", "did", "do", "would",
    "will", "could", "should", "to", "of", "in", "on", "for", "with", "and", "but", "so",
    "that", "this", "which", "who", "what", "when", "then", "by", "from", "at", "as", "if",
    "because", "after", "before", "into", "about", "i'd", "we'd", "i'm", "it's",
})
