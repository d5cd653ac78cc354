import numpy as np
import pytest

from articles.claimfinding import (
    ArticleText,
    ClaimText,
    Thresholds,
    article_candidates,
    normalise,
    plan_batch,
    sentence_key,
)
from articles.claimfinding.matching import (
    LEGAL_TERM,
    TextSpace,
    best_matches,
    cluster,
    content_tokens,
    vectorise,
)


def test_sentence_key_ignores_case_and_spacing():
    assert sentence_key("Musk  SUED\nMicrosoft.") == sentence_key("musk sued microsoft.")
    assert sentence_key("Musk sued Microsoft.") != sentence_key("Musk sued Apple.")
    assert normalise("  A\u00a0B  ") == "a b"


def test_content_tokens_drop_function_words_and_stem():
    assert content_tokens("The training of models, trained on 42,000 posts") == [
        "train",
        "model",
        "train",
        "42000",
        "posts",
    ]


def test_vectorise_rows_are_unit_length_and_similar_wording_scores_higher():
    vectors = vectorise(
        [
            "Microsoft contributed $10 billion to OpenAI last year.",
            "Last year, Microsoft invested $10 billion in OpenAI.",
            "Reddit will charge companies for access to its API.",
        ]
    )
    norms = np.sqrt(np.asarray(vectors.multiply(vectors).sum(axis=1)).ravel())
    assert norms == pytest.approx([1.0, 1.0, 1.0])
    sims = (vectors @ vectors.T).toarray()
    assert sims[0, 1] > 0.4
    assert sims[0, 2] < 0.1


def test_content_tokens_write_values_alike_across_languages():
    english = content_tokens("Microsoft invested $10 billion, up 40%.")
    spanish = content_tokens("Microsoft invirtió 10 mil millones de dólares, un 40 por ciento más.")
    german = content_tokens("Microsoft investierte 10 Milliarden Dollar, 40 Prozent mehr.")
    for tokens in (english, spanish, german):
        assert {"10000000000", "usd", "40", "pct"} <= set(tokens)


def test_best_matches_maps_rows_to_groups():
    space = TextSpace(
        ["alpha beta gamma", "delta epsilon", "alpha beta gamma zeta", "delta epsilon eta"]
    )
    matches = best_matches(
        space,
        np.array([0, 1]),
        np.array([2, 3]),
        threshold=0.3,
        target_groups=np.array([7, 9], dtype=np.int64),
    )
    assert [(m.row, m.target) for m in matches] == [(0, 7), (1, 9)]


def test_similarity_counts_shared_word_parts():
    space = TextSpace(
        [
            "Musk co-founded OpenAI",
            "Musk was a co-founder of OpenAI",
            "Reddit charges companies for data",
        ]
    )
    sims = space.similarity(np.array([0, 0]), np.array([1, 2]))
    assert sims[0] > 0.5
    assert sims[1] < 0.05


def test_terms_in_many_texts_of_a_large_run_count_for_nothing():
    # "common" is in every text: past the cap it neither pairs texts nor adds to a similarity.
    texts = ["common rare", "common rare", "common", "common"]
    space = TextSpace(texts, max_df=0.5, min_df_cap=2)
    found = [
        (int(a), int(b), float(s))
        for left, right, sims in space.pairs(np.arange(4), np.arange(4), threshold=0.0)
        for a, b, s in zip(left, right, sims, strict=True)
    ]
    assert sorted((a, b) for a, b, _ in found) == [(0, 1), (1, 0)]
    # ... but it still makes the texts longer: sharing "rare" makes them alike, not identical.
    assert 0.5 < found[0][2] < 0.9
    # A small run keeps every term.
    assert TextSpace(texts).similarity(np.array([2]), np.array([3]))[0] == pytest.approx(1.0)


def test_legal_wording_shares_a_term_across_words_and_languages():
    for sentence in (
        "Musk threatens to sue Microsoft.",
        "Musk announced a lawsuit.",
        "Musk droht mit einer Klage.",
        "Musk anuncia una demanda.",
    ):
        assert LEGAL_TERM in content_tokens(sentence), sentence
    assert LEGAL_TERM not in content_tokens("Musk tweeted about Microsoft.")


def test_cluster_merges_by_average_similarity_not_by_chains():
    # a~b and b~c but a!~c: average linkage joins a and b; c is too unlike a to join them.
    space = TextSpace(["aaaa bbbb cccc", "aaaa bbbb cccc dddd eeee ffff", "dddd eeee ffff gggg"])
    ab, bc, ac = space.similarity(np.array([0, 1, 0]), np.array([1, 2, 2]))
    assert ab > bc > ac
    threshold = float(bc) - 0.01  # b and c alone would be one claim
    assert (bc + ac) / 2 < threshold  # c's average to {a, b} is too low
    clusters = cluster(space, np.arange(3), threshold=threshold, order=[0, 1, 2])
    assert clusters.labels == [0, 0, 2]
    assert clusters.similarities == [1.0, pytest.approx(float(ab), abs=1e-4), 1.0]


def test_cluster_groups_five_wordings_no_pair_of_which_is_close():
    # Each sentence shares a little with each other one: no pair reaches a high threshold,
    # but on average they are one claim; the unrelated sentence stays alone.
    texts = [
        "Acme fined 40 million over tram delays",
        "tram delays cost Acme 40 million fine",
        "Acme pays 40 million for tram delays",
        "court orders Acme to pay 40 million over delays",
        "Acme tram fine 40 million",
        "rain expected in the north tomorrow",
    ]
    space = TextSpace(texts)
    clusters = cluster(space, np.arange(6), threshold=0.3, order=list(range(6)))
    assert clusters.labels[:5] == [0] * 5
    assert clusters.labels[5] == 5


def test_cluster_leaves_large_linked_groups_to_their_cores(monkeypatch):
    import articles.claimfinding.matching as matching

    texts = ["Acme tram fine", "Acme tram fine paid", "Acme tram fine due"]
    space = TextSpace(texts)
    merged = cluster(space, np.arange(3), threshold=0.2, order=[0, 1, 2])
    assert len(set(merged.labels)) == 1
    monkeypatch.setattr(matching, "CORE", 1.1)  # no cores: every sentence alone at first
    monkeypatch.setattr(matching, "MAX_LINKED", 2)  # ... and too many to link
    alone = cluster(space, np.arange(3), threshold=0.2, order=[0, 1, 2])
    assert alone.labels == [0, 1, 2]


def test_plan_batch_groups_one_claim_across_outlets_and_matches_claims_on_file():
    bodies = [
        "The city council approved a €40 million budget for the new tram line on Tuesday, "
        "the mayor said.",
        "On Tuesday the council approved 40 million euros for the tram line, "
        "according to the mayor.",
        "Mayor says council approved €40m tram budget. "
        "Police arrested 12 people after the match, officials said.",
        "Officials said 12 people were arrested by police after the match on Saturday.",
    ]
    candidates = [
        c
        for i, body in enumerate(bodies)
        for c in article_candidates(ArticleText(i + 1, body, "en"), min_score=1.0)
    ]
    claims = [ClaimText(99, "Police arrested 12 people after the match.")]
    plan = plan_batch(
        candidates, claims, thresholds=Thresholds(suggest=2.0, similarity=0.45, cluster=0.3)
    )
    matched = {(m.candidate.article_id, m.claim_id) for m in plan.matches}
    assert matched == {(3, 99), (4, 99)}
    tram = [g for g in plan.groups if "tram" in g.members[0].text]
    assert len(tram) == 1
    assert sorted(m.article_id for m in tram[0].members) == [1, 2, 3]
    assert tram[0].similarities[0] == pytest.approx(1.0)


def test_plan_batch_empty():
    plan = plan_batch([], [], thresholds=Thresholds())
    assert plan.matches == []
    assert plan.groups == []


WORDING = [
    "Microsoft invested $10 billion in OpenAI, up 40% on last year, the company said.",
    "Microsoft investierte 10 Milliarden Dollar, 40 Prozent mehr.",
    "Microsoft invirtió 10 mil millones de dólares, un 40 por ciento más.",
    "",
    "Fees range from 42,000 USD to 210,000 USD per month.",
    "A text with the separator letter \ua66e inside it, and 3,5 Mrd. Euro.",
    "It cost €2.5m (about $2.7 million) on 20 April, before the lawsuit.",
]


SCALED = [
    "It rose to 10",
    "billion euros were spent, then 2,5 mil millones de dólares",
    "and 3 mil",
    "millones de euros, 4 bn",
    "4 bn",
]


@pytest.mark.parametrize(
    "texts", [WORDING, WORDING[:3] + WORDING[4:5], ["Only one."], SCALED, SCALED[1:]]
)
def test_term_counts_equal_the_terms_of_each_text(texts):
    from collections import Counter

    from articles.claimfinding import clear_caches
    from articles.claimfinding.matching import _TERM_IDS, _term_counts

    for _ in range(2):  # with the per-chunk table empty, then filled
        counts = _term_counts(texts)
        names = {v: k for k, v in _TERM_IDS.items()}
        for row, text in enumerate(texts):
            found = {
                names[c]: v for c, v in zip(counts[row].indices, counts[row].data, strict=True)
            }
            assert found == Counter(content_tokens(text)), text
    clear_caches()


def test_pairs_of_one_set_come_once_with_the_same_similarities():
    texts = [
        "Acme Group will pay €40 million to settle the tram dispute, the mayor said.",
        "The tram dispute ends: Acme Group pays 40 million euros, said the mayor.",
        "Acme Group settles the tram dispute for €40 million.",
        "Residents met in the park on a quiet summer evening.",
    ]
    space = TextSpace(texts)
    rows = np.arange(len(texts))
    both = {
        (int(a), int(b)): float(s)
        for left, right, sims in space.pairs(rows, rows, threshold=0.2)
        for a, b, s in zip(left, right, sims, strict=True)
    }
    once = {
        (int(a), int(b)): float(s)
        for left, right, sims in space.pairs(rows, rows, threshold=0.2, upper=True)
        for a, b, s in zip(left, right, sims, strict=True)
    }
    assert once
    assert all(a < b for a, b in once)
    assert both == once | {(b, a): s for (a, b), s in once.items()}


@pytest.mark.parametrize(
    "word",
    [
        "Microsoft",
        "the",
        "a",
        "April",
        "abril",
        "may",
        "dollars",
        "Prozent",
        "percent",
        "lawsuit",
        "Klage",
        "sued",
        "İstanbul",
        "Straße",
        "ǅemal",
        "42",
        "²",
        "٣٤",
        "42,000",
        "$42",
        "10bn",
        "it's",
        "",
        "x",
    ],
)
def test_word_terms_equal_content_tokens(word):
    from articles.claimfinding.matching import _word_terms

    assert _word_terms([word]) == [content_tokens(word)]
