"""The pure rule of configured risk flags (program.rules.risk_flags): worked examples and
properties."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from program.rules.risk_flags import (
    ItemRule,
    find_phrases,
    items_matching,
    new_phrases,
    valid_phrase,
)


def test_a_phrase_matches_whole_words_whatever_the_case_and_spacing() -> None:
    [match] = find_phrases("Some nights I want to KILL   myself.", ["kill myself"])
    assert match.phrase == "kill myself" and "KILL   myself" not in match.excerpt
    assert "want to KILL myself." in match.excerpt and not match.negated
    assert find_phrases("I skill myselfie", ["kill myself"]) == []
    assert find_phrases("on a diet", ["die"]) == []
    assert [m.phrase for m in find_phrases("I could die", ["die"])] == ["die"]


def test_curly_apostrophes_and_punctuation_between_words_still_match() -> None:
    assert find_phrases("I can\u2019t go on", ["can't go on"])
    assert find_phrases("end-my-life", ["end my life"])


def test_accents_are_kept_and_french_matches() -> None:
    [match] = find_phrases("J'ai envie de mettre fin à mes jours", ["mettre fin à mes jours"])
    assert match.excerpt.endswith("mes jours")


def test_a_negated_mention_still_matches_but_says_so() -> None:
    [match] = find_phrases("I would never kill myself, don't worry", ["kill myself"])
    assert match.negated
    [far] = find_phrases("No, I slept badly and then wanted to kill myself", ["kill myself"])
    assert not far.negated


def test_the_excerpt_is_the_words_around_the_match() -> None:
    text = "x " * 100 + "I feel suicidal tonight" + " y" * 100
    [match] = find_phrases(text, ["suicidal"])
    assert match.excerpt.startswith("…") and match.excerpt.endswith("…")
    assert "I feel suicidal tonight" in match.excerpt and len(match.excerpt) < 140


def test_too_short_phrases_are_refused() -> None:
    assert not valid_phrase("a") and not valid_phrase(" !! ") and valid_phrase("die")
    assert find_phrases("a", ["a"]) == []


def test_an_edit_that_keeps_a_flagged_sentence_is_not_flagged_again() -> None:
    before = "I want to die."
    assert new_phrases(before, before + " Slept badly.", ["want to die"]) == []
    assert [m.phrase for m in new_phrases("", before, ["want to die"])] == ["want to die"]
    assert [m.phrase for m in new_phrases("ok", "I am suicidal", ["suicidal", "want to die"])] == [
        "suicidal"
    ]


def test_item_rules_match_at_or_above_their_threshold() -> None:
    rule = ItemRule("gad7", "gad7_7", 2)
    assert items_matching("gad7", {"gad7_7": 2}, [rule]) == [rule]
    assert items_matching("gad7", {"gad7_7": 1}, [rule]) == []
    assert items_matching("phq9", {"gad7_7": 3}, [rule]) == []
    assert items_matching("gad7", {"gad7_1": 3}, [rule]) == []


words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéà", min_size=1, max_size=8)


@given(st.lists(words, min_size=1, max_size=3), st.text(max_size=40), st.text(max_size=40))
def test_a_phrase_set_off_by_spaces_is_always_found(phrase_words, left, right) -> None:
    phrase = " ".join(phrase_words)
    if not valid_phrase(phrase):
        return
    text = f"{left} {phrase.upper()} {right}"
    assert phrase in [m.phrase for m in find_phrases(text, [phrase])]


@given(st.lists(words, min_size=1, max_size=3), st.text(max_size=60))
def test_a_phrase_is_never_found_inside_a_longer_word(phrase_words, _rest) -> None:
    phrase = " ".join(phrase_words)
    text = f"x{phrase.replace(' ', '')}x"
    assert find_phrases(text, [phrase]) == []


@given(st.text(max_size=200), st.lists(words, max_size=4))
def test_matching_never_fails_and_excerpts_come_from_the_text(text, phrases) -> None:
    for match in find_phrases(text, phrases):
        assert match.phrase in phrases
