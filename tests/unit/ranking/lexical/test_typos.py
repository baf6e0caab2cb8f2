"""The hashed symmetric-delete index finds exactly what a dict of deletion strings finds."""

from __future__ import annotations

import pickle
import random

import pytest

from twinbot.ranking.lexical.typos import MIN_LENGTH, DeleteIndex

LETTERS = "abcdefghijklmnopqrstuvwxyzäöüßабвгдеёжзийклмнопрстуфхцчшщъыьэюя𝟘"


def reference(vocabulary: list[str], word: str, deletions: int, max_length: int) -> list[str]:
    """The textbook version: every known word and its one-letter deletions as strings."""
    index: dict[str, set[str]] = {}
    for known in vocabulary:
        if MIN_LENGTH <= len(known) <= max_length:
            for form in {known, *(known[:i] + known[i + 1 :] for i in range(len(known)))}:
                index.setdefault(form, set()).add(known)
    probes = {word, *(word[:i] + word[i + 1 :] for i in range(len(word)))}
    if deletions == 2:
        probes.update(
            word[:i] + word[i + 1 : j] + word[j + 1 :]
            for i in range(len(word))
            for j in range(i + 1, len(word))
        )
    return sorted({known for probe in probes for known in index.get(probe, ())})


def typo(word: str, rng: random.Random) -> str:
    for _ in range(rng.randint(0, 3)):
        at = rng.randint(0, len(word))
        match rng.randint(0, 3):
            case 0:
                word = word[:at] + rng.choice(LETTERS) + word[at:]
            case 1:
                word = word[:at] + word[at + 1 :]
            case 2:
                word = word[:at] + rng.choice(LETTERS) + word[at + 1 :]
            case _:
                word = word[:at] + word[at + 1 : at + 2] + word[at : at + 1] + word[at + 2 :]
    return word


def test_same_candidates_as_the_string_index() -> None:
    rng = random.Random(7)
    vocabulary = [
        "".join(rng.choice(LETTERS) for _ in range(rng.randint(2, 14))) for _ in range(400)
    ]
    vocabulary += ["konferenz", "konferenzen", "städtepartnerschaft", "калуга", "калуге", "aaaa"]
    vocabulary += vocabulary[:50]  # duplicates count once
    index = DeleteIndex(vocabulary, max_length=12)
    questions = [typo(rng.choice(vocabulary), rng) for _ in range(1500)]
    questions += ["konferens", "konfrenz", "калгуа", "aaa", "aaaaa", "zzzzzzzz", "x"]
    found = 0
    for word in questions:
        for deletions in (1, 2):
            expected = reference(vocabulary, word, deletions, max_length=12)
            assert index.near(word, deletions) == expected, (word, deletions)
            found += bool(expected)
    assert found > 1000  # (the typos mostly do meet their words)


def test_known_word_meets_itself_and_its_neighbours() -> None:
    index = DeleteIndex(["konferenz", "konferenzen", "workshop"], max_length=31)
    assert index.near("konferenz", 1) == ["konferenz"]
    # Two letters are deleted on the asking side only: two extra letters are found, two
    # missing ones are not.
    assert index.near("konferenzen", 2) == ["konferenz", "konferenzen"]
    assert index.near("konferenz", 2) == ["konferenz"]
    assert index.near("konfernez", 1) == ["konferenz"]  # a swap
    assert index.near("wrkshop", 1) == ["workshop"]
    assert index.near("partnerstadt", 2) == []


def test_lengths_outside_the_range_are_not_indexed() -> None:
    index = DeleteIndex(["abc", "abcd", "abcdefgh"], max_length=7)
    assert len(index) == 1
    assert index.near("abc", 1) == ["abcd"]
    assert index.near("abcdefg", 1) == []


@pytest.mark.parametrize("vocabulary", [[], ["ab"]])
def test_empty_index(vocabulary: list[str]) -> None:
    index = DeleteIndex(vocabulary, max_length=31)
    assert len(index) == 0
    assert index.near("anything", 2) == []


def test_survives_pickling_unchanged() -> None:
    index = DeleteIndex(["konferenz", "kaluga", "калуга"], max_length=31)
    copy = pickle.loads(pickle.dumps(index))
    for word in ("konferens", "kaluag", "калгуа", "nothing"):
        assert copy.near(word, 2) == index.near(word, 2)
