"""Risk flags a clinic configures (issue 16): phrases looked for in what patients write,
and instrument items whose answer at or above a threshold starts the risk workflow.
No Django.

A flag asks a person to look; it never decides anything. The design choices
(docs/sources.md, "Design decisions"; docs/clinical-safety.md H26):

- **Phrases match whole words**, case and accents as written but case-insensitive, with
  any run of spaces or punctuation between the words: "kill myself" matches "Kill
  myself." and "kill   myself", never "skill myselfie". Curly and straight apostrophes are
  the same. A single word matches only as a whole word ("die" never flags "diet").
  A phrase needs at least ``MIN_PHRASE`` letters; shorter ones are refused when typed.
- **Negation does not silence a flag.** Keyword search cannot read negation reliably
  ("I'm not sure I don't want to die"), and a missed flag costs more than a clinician's
  minute: automated suicide-risk detection in free text trades sensitivity against
  precision, and for a prompt to a human the recall matters most [D]. A match with a
  negating word shortly before it is still a match; it is marked ``negated`` so the
  clinician reading it sees "after a negation" and can triage it quickly.
- **What staff read** is the phrase and the words around it (``CONTEXT`` characters each
  side), so the alert can be judged without opening the whole diary or thread.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MIN_PHRASE = 3
CONTEXT = 60
# Negating words within this many words before a match mark it ``negated`` (English
# and French, the languages the app ships).
NEGATION_WINDOW = 3
NEGATIONS = frozenset(
    {
        "not", "no", "never", "dont", "don't", "didn't", "didnt", "wouldn't", "wouldnt",
        "won't", "wont", "isn't", "nor", "without",
        "ne", "pas", "jamais", "sans", "aucune", "aucun",
    }
)  # fmt: skip

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
_WORD = re.compile(r"[\w']+")


@dataclass(frozen=True)
class PhraseMatch:
    phrase: str
    excerpt: str  # the words around the match, as written
    negated: bool


@dataclass(frozen=True)
class ItemRule:
    instrument: str  # an instrument's key: "phq9", "gad7"
    item: str  # an item's key in it: "gad7_7"
    threshold: int  # an answer at or above this matches


def normalise(text: str) -> str:
    """Case-folded, NFC, one kind of apostrophe."""
    return unicodedata.normalize("NFC", text).translate(_APOSTROPHES).casefold()


def phrase_words(phrase: str) -> list[str]:
    return _WORD.findall(normalise(phrase))


def valid_phrase(phrase: str) -> bool:
    """At least ``MIN_PHRASE`` letters in words (punctuation alone matches nothing)."""
    return sum(len(w) for w in phrase_words(phrase)) >= MIN_PHRASE


def _pattern(words: list[str]) -> re.Pattern[str]:
    # Whole words, any non-word run between them.
    return re.compile(r"(?<![\w'])" + r"[\W_]+".join(map(re.escape, words)) + r"(?![\w'])")


def find_phrases(text: str, phrases: Iterable[str]) -> list[PhraseMatch]:
    """Each phrase found in ``text`` (the first place it occurs), in the order given."""
    folded = normalise(text)
    # Case folding can change lengths (ß → ss); excerpts then come from the folded text.
    source = text if len(folded) == len(text) else folded
    found = []
    for phrase in phrases:
        words = phrase_words(phrase)
        if not valid_phrase(phrase):
            continue
        hit = _pattern(words).search(folded)
        if hit is None:
            continue
        start, end = hit.span()
        before = _WORD.findall(folded[:start])[-NEGATION_WINDOW:]
        excerpt = source[max(0, start - CONTEXT) : end + CONTEXT].strip()
        prefix = "…" if start > CONTEXT else ""
        suffix = "…" if end + CONTEXT < len(source) else ""
        found.append(
            PhraseMatch(
                phrase=phrase,
                excerpt=f"{prefix}{' '.join(excerpt.split())}{suffix}",
                negated=any(w in NEGATIONS for w in before),
            )
        )
    return found


def new_phrases(before: str, after: str, phrases: Iterable[str]) -> list[PhraseMatch]:
    """The phrases found in ``after`` that were not already in ``before`` (an edit that
    keeps a flagged sentence does not flag it again)."""
    phrases = list(phrases)
    already = {m.phrase for m in find_phrases(before, phrases)} if before else set()
    return [m for m in find_phrases(after, phrases) if m.phrase not in already]


def items_matching(
    instrument: str, answers: Mapping[str, int], rules: Iterable[ItemRule]
) -> list[ItemRule]:
    """The rules of ``instrument`` whose item was answered at or above their threshold."""
    return [
        rule
        for rule in rules
        if rule.instrument == instrument
        and rule.item in answers
        and int(answers[rule.item]) >= rule.threshold
    ]
