"""Turning answer text into words that keep their place in the original text."""
from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from itertools import accumulate, chain, compress
from typing import Any, Callable, NamedTuple

import snowballstemmer

from .cues import FUNCTION_WORDS

# A word: letters/digits, with inner apostrophes kept ("didn't", "team's").
# Hyphens split words, so "follow-up" matches the phrase "follow up".
# Clause breaks (, ; : . ! ? and new lines) bound the negation window.
_SCAN = re.compile(r"([^\W_]+(?:['’][^\W_]+)*)|[,;:.!?…\n]+")
_SPLIT = re.compile(r"([^\W_]+(?:['’][^\W_]+)*)")
# The same for ASCII text (most answers), where [^\W_] is [A-Za-z0-9]: a plain class is faster to
# test than a Unicode category, and possessive runs save the engine from keeping backtrack points.
_SPLIT_ASCII = re.compile(r"([A-Za-z0-9]++(?:'[A-Za-z0-9]++)*+)")
_BREAK_CHARACTERS = ",;:.!?…\n"
_CLAUSE_BREAK = re.compile(r"[,;:.!?…\n]").search
# A gap between words that holds a clause break, once however many breaks it holds: words are
# letters and digits, so the run of other characters after a break is the rest of its gap.
_CLAUSE_BREAKS = re.compile(r"[,;:.!?…\n][\W_]*+").findall
_FIRST_WORD = re.compile(r"[^\W_]").search
ARTICLES = frozenset({"a", "an", "the"})
NEGATIONS = frozenset({
    "not", "no", "never", "without", "neither", "nor", "none", "nobody", "nothing",
    "cannot", "hardly", "barely", "nowhere",
})
# What a word is besides its letters: phrases skip articles; negations can void what follows.
PLAIN, ARTICLE, NEGATION = 0, 1, 2

_stemmer = snowballstemmer.stemmer("english")
# The Snowball stemmer keeps state while it works: two threads stemming at once corrupt each
# other's result (and a wrong stem would be cached below). Cache misses are rare, so a lock is cheap.
_stemmer_lock = threading.Lock()
_CACHE_LIMIT = 200_000


class _Cache(dict):
    """key -> compute(key), worked out on first use and kept unless it is None; emptied when it
    grows past `limit`.

    Looking keys up with `map(cache.__getitem__, keys)` stays in C for the keys already known.
    """

    def __init__(self, compute, limit: int = _CACHE_LIMIT):
        super().__init__()
        self.compute = compute
        self.limit = limit

    def __missing__(self, key):
        value = self.compute(key)
        if value is not None:
            if len(self) >= self.limit:
                self.clear()
            self[key] = value
        return value


# A named tuple's own constructor is a Python function; where thousands are made per second,
# they are made with this instead, from a tuple of all the fields in order.
new_tuple = tuple.__new__


class Span(NamedTuple):
    """Where in the answer something was found: character offsets and the text there."""

    start: int
    end: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text}


def _no_words() -> Span:
    raise IndexError("the text has no words")


def is_negation(word: str) -> bool:
    return word in NEGATIONS or word.endswith("n't")


@dataclass(slots=True)
class Tokens:
    """Words of a text as parallel lists (fast to build and scan): words and stems.

    Articles are left out of the lists (phrases ignore them) but counted. Character offsets are
    worked out only for the words asked about (`span`, `start`, `end`): most words are never
    shown.
    """

    words: list[str] = field(default_factory=list)  # NFKC, case-folded, straight apostrophe
    stems: list[str] = field(default_factory=list)
    negations: list[int] = field(default_factory=list)  # indexes of negating words, ascending
    articles: int = 0  # "a", "an", "the": words all the same
    function_words: int = 0  # short everyday words ("i", "was", "to"): full sentences have them
    # (first word, last word) -> the Span of the text they cover; how depends on the text
    span: Callable[[int, int], Span] = field(default=lambda first, last: _no_words())
    _text: str = ""

    def __len__(self) -> int:
        return len(self.words)

    @property
    def word_count(self) -> int:
        return len(self.words) + self.articles

    def clauses(self) -> int:
        """Clauses the words fall in: clause breaks between the first word and the last, plus one."""
        return 1 + _clause_breaks(self._text) if self.words or self.articles else 0

    def clauses_at_most(self) -> int:
        """At least `clauses()`, and cheaper: one more than the clause-break characters."""
        return 1 + sum(map(self._text.count, _BREAK_CHARACTERS))

    def start(self, i: int) -> int:
        """Character offset where word `i` starts."""
        return self.span(i, i).start

    def end(self, i: int) -> int:
        """Character offset just after word `i`."""
        return self.span(i, i).end

    @property
    def starts(self) -> list[int]:
        return [self.start(i) for i in range(len(self.words))]

    @property
    def ends(self) -> list[int]:
        return [self.end(i) for i in range(len(self.words))]

    def negated(self, i: int, window: int, affirming: frozenset[str]) -> bool:
        """Whether a negation within `window` words before word `i`, in its clause, voids it
        ("not only" and the like in `affirming` do not)."""
        negations = self.negations
        if not negations:
            return False
        k = bisect_left(negations, i) - 1
        if k < 0:
            return False
        j = negations[k]  # the nearest negation before i
        if i - j > window or self.words[j + 1] in affirming:
            return False
        return not _CLAUSE_BREAK(self._text, self.end(j), self.start(i))


def _normalise(raw: str) -> tuple[str, str, int]:
    word = unicodedata.normalize("NFKC", raw).casefold().replace("’", "'")
    with _stemmer_lock:
        stemmed = _stemmer.stemWord(word)
    kind = ARTICLE if word in ARTICLES else NEGATION if is_negation(word) else PLAIN
    return word, stemmed, kind


def _token(raw: str) -> tuple[str, str, bool, bool] | tuple[()]:
    """(word, stem, is a negation, is a function word), or () for an article: empty, so
    filter() and compress() drop articles in C."""
    word, stemmed, kind = _WORDS[raw]
    return () if kind == ARTICLE else (word, stemmed, kind == NEGATION, word in FUNCTION_WORDS)


# Caches: raw word -> (normalised, stem, PLAIN/ARTICLE/NEGATION); raw word -> what tokenise keeps
# of it.
_WORDS: dict[str, tuple[str, str, int]] = _Cache(_normalise)
_TOKENS: dict[str, tuple[str, str, bool, bool] | tuple[()]] = _Cache(_token)


def normalise(raw: str) -> tuple[str, str, int]:
    """(normalised word, Snowball stem, PLAIN/ARTICLE/NEGATION) of one raw word."""
    return _WORDS[raw]


def _split(text: str) -> list[str]:
    """[gap, word, gap, word, …, gap]"""
    return (_SPLIT_ASCII if text.isascii() else _SPLIT).split(text)


_CHUNK_CHARS = 64  # longer runs without a space are rare and not worth keeping


def _chunk_entries(chunk: str) -> tuple | None:
    """What tokenise keeps of each word of a space-free run of text; None (not kept) when the
    run is too long to be worth keeping."""
    if len(chunk) > _CHUNK_CHARS:
        return None
    return tuple(map(_TOKENS.__getitem__, _split(chunk)[1::2]))


def _chunk_offsets(chunk: str) -> tuple[int, ...]:
    """Where each word of a space-free run starts and ends: (start, end, start, end, …)."""
    return tuple(accumulate(map(len, _split(chunk))))[:-1]


# Space-free runs of text ("budget,", "follow-up", "(CSAT)") -> what tokenise keeps of their
# words / where their words are. Answers are mostly such runs from a small vocabulary, so looking
# a run up costs less than finding its words again.
_CHUNKS: dict[str, tuple | None] = _Cache(_chunk_entries, limit=50_000)
_CHUNK_OFFSETS: dict[str, tuple[int, ...]] = _Cache(_chunk_offsets, limit=50_000)


def _chunk_spans(text: str, chunks: list[str], per_chunk: list[tuple],
                 kept: list[int] | None) -> Callable[[int, int], Span]:
    """Spans of words of `text`, split on spaces into `chunks` (`per_chunk`: each chunk's words,
    articles included; `kept`: the index among those of each word kept, None when all are).
    The running sums it needs are worked out on first use."""
    words_before: list[int] = []  # how many words the chunks before chunk k hold
    chars_before: list[int] = []  # and how many characters, spaces not counted

    def span(first: int, last: int) -> Span:
        if not words_before:
            words_before.extend(accumulate(map(len, per_chunk), initial=0))
            chars_before.extend(accumulate(map(len, chunks), initial=0))
        if kept is not None:
            first, last = kept[first], kept[last]
        k = bisect_right(words_before, first) - 1  # the chunk of the first word
        start = chars_before[k] + k + _CHUNK_OFFSETS[chunks[k]][2 * (first - words_before[k])]
        if last >= words_before[k + 1]:
            k = bisect_right(words_before, last, k) - 1
        end = chars_before[k] + k + _CHUNK_OFFSETS[chunks[k]][2 * (last - words_before[k]) + 1]
        return new_tuple(Span, (start, end, text[start:end]))
    return span


def _split_spans(text: str, kept: list[int] | None) -> Callable[[int, int], Span]:
    """Spans of words of `text`, from the regex split of the whole text."""
    ends = list(accumulate(map(len, _split(text))))

    def span(first: int, last: int) -> Span:
        if kept is not None:
            first, last = kept[first], kept[last]
        start, end = ends[2 * first], ends[2 * last + 1]
        return new_tuple(Span, (start, end, text[start:end]))
    return span


def tokenise(text: str) -> Tokens:
    """Words of `text`, articles dropped, with what is needed to find their offsets.

    This runs for every answer rated, so it is written as whole-list operations that run in C:
    the text is split on spaces, and what each space-free run holds comes from a cache; articles
    are filtered out by their empty cache entries.
    """
    chunks = text.split(" ")
    per_chunk = list(map(_CHUNKS.__getitem__, chunks))
    long_chunk = None in per_chunk  # a long run without spaces (another script, pasted data)
    if long_chunk:
        entries = list(map(_TOKENS.__getitem__, _split(text)[1::2]))
    else:
        entries = list(chain.from_iterable(per_chunk))
    if not entries:
        return Tokens()
    kept = list(filter(None, entries))
    articles = len(entries) - len(kept)
    kept_at = list(compress(range(len(entries)), entries)) if articles else None
    span = _split_spans(text, kept_at) if long_chunk else _chunk_spans(text, chunks, per_chunk, kept_at)
    if not kept:
        return Tokens([], [], [], articles, 0, span, text)
    words, stems, negating, function = zip(*kept)
    negations = list(compress(range(len(negating)), negating)) if True in negating else []
    return Tokens(list(words), list(stems), negations, articles, function.count(True), span, text)


def _clause_breaks(text: str) -> int:
    """Gaps between words that hold a clause break (the text has at least one word)."""
    runs = _CLAUSE_BREAKS(text)
    if not runs:
        return 0
    # Leave out a break before the first word or after the last.
    before_first = text.find(runs[0][0]) < _FIRST_WORD(text).start()
    after_last = text.endswith(runs[-1])
    return len(runs) - before_first - after_last


@lru_cache(maxsize=32_768)  # every rubric holds the rater's ~900 cue phrases: compile them once
def phrase_words(phrase: str) -> tuple[str, ...]:
    """The normalised words of a rubric phrase, articles dropped."""
    words = (normalise(m[1])[0] for m in _SCAN.finditer(phrase) if m[1])
    return tuple(w for w in words if w not in ARTICLES)


def stem(word: str) -> str:
    return normalise(word)[1]
