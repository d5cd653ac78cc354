"""Token ids shared by the scorer and the matcher: a text's tokens are exactly `str.split()`'s,
ids are handed out in the order tokens are first met, and ids of an old generation are not
used."""

import re

import numpy as np

from articles.claimfinding import (
    ArticleText,
    ClaimText,
    Thresholds,
    batch_candidates,
    clear_caches,
    plan_batch,
    vocabulary,
)
from articles.claimfinding.vocabulary import SEPARATOR, Vocabulary


def _tokens(found: Vocabulary, texts: list[str], **kwargs: bool) -> list[list[str]]:
    ids, counts = found.split(texts, **kwargs)
    ends = np.cumsum(counts)
    return [
        [found.tokens[i] for i in ids[end - count : end].tolist()]
        for count, end in zip(counts.tolist(), ends.tolist(), strict=True)
    ]


def test_split_is_str_split_for_every_character():
    characters = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    texts = [f"a{c}b" for c in characters]
    found = Vocabulary()
    ids, counts = found.split(texts, separator_as_space=False)
    # The same tokens (through the table of those met), as many for each text.
    assert counts.tolist() == [len(t.split()) for t in texts]
    assert np.array_equal(ids, found.ids([token for t in texts for token in t.split()]))


def test_split_odd_texts_and_order_of_ids():
    texts = ["", "   ", " \u3000x\u2028\u2028y\x85z ", "a b a", "b c", "\ud800 lone surrogate"]
    found = Vocabulary()
    assert _tokens(found, texts, separator_as_space=False) == [t.split() for t in texts]
    assert found.tokens[:6] == ["x", "y", "z", "a", "b", "c"]
    # Python's own path (a lone surrogate) agrees with the ids already handed out.
    ids, _ = found.split(["c a \ud800"], separator_as_space=False)
    assert found.tokens[int(ids[0])] == "c"
    assert found.tokens[int(ids[1])] == "a"


def test_separator_read_as_space_by_the_matcher():
    found = Vocabulary()
    text = f"a{SEPARATOR}b c"
    assert _tokens(found, [text]) == [["a", "b", "c"]]
    assert _tokens(found, [text], separator_as_space=False) == [[f"a{SEPARATOR}b", "c"]]


def test_stale_ids_are_split_again():
    articles = [
        ArticleText(0, "Microsoft agreed to pay $42,000 to settle the lawsuit, Ana Soler said."),
        ArticleText(1, "Microsoft will pay $42,000 to settle the lawsuit, said Ana Soler."),
    ]
    claims = [ClaimText(7, "Microsoft pays $42,000 to settle the lawsuit.")]

    def plan(clear_between: bool) -> list[tuple[int, int, float]]:
        clear_caches()
        candidates = batch_candidates(articles, min_score=1.0)
        assert all(c.words is not None for c in candidates)
        if clear_between:
            vocabulary.VOCABULARY.clear()
        found = plan_batch(candidates, claims, thresholds=Thresholds())
        return [(m.candidate.article_id, m.claim_id, m.similarity) for m in found.matches]

    expected = plan(clear_between=False)
    assert expected
    assert plan(clear_between=True) == expected


def test_word_characters_are_what_the_scorer_checks():
    # The scorer takes a token with a word character at both ends as a bare word, with
    # `isalnum() or == "_"` standing for the `\w` of its pattern: the same for every character.
    word = re.compile(r"\w")
    for code in range(0x110000):
        c = chr(code)
        assert (word.match(c) is not None) == (c.isalnum() or c == "_"), hex(code)
        assert not (c.isalpha() and c.isdigit()), hex(code)


def test_ids_and_splits_share_one_table_in_any_order():
    # Splits through Arrow, through Python (a lone surrogate), and `ids`, interleaved: every
    # token keeps the id it got first, and new ones get the next ids.
    found = Vocabulary()
    assert _tokens(found, ["a b", "c a"]) == [["a", "b"], ["c", "a"]]
    assert found.ids(["c", "d", "a"]).tolist() == [2, 3, 0]
    assert _tokens(found, ["d e \ud800", "b"]) == [["d", "e", "\ud800"], ["b"]]
    assert found.tokens == ["a", "b", "c", "d", "e", "\ud800"]
    ids, _ = found.split(["f e d", "\u00e9 f"])
    assert ids.tolist() == [6, 4, 3, 7, 6]
    assert found.ids(["\u00e9", "g", "\ud800"]).tolist() == [7, 8, 5]
    ids, _ = found.split(["g h a"])
    assert ids.tolist() == [8, 9, 0]
