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
    vectorise,
)
from articles.claimfinding.matching import best_matches, cluster, content_tokens


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


def test_best_matches_maps_rows_to_groups():
    vectors = vectorise(
        ["alpha beta gamma", "delta epsilon", "alpha beta gamma zeta", "delta epsilon eta"]
    )
    matches = best_matches(
        vectors[:2], vectors[2:], threshold=0.3, target_groups=np.array([7, 9], dtype=np.int64)
    )
    assert [(m.row, m.target) for m in matches] == [(0, 7), (1, 9)]


def test_cluster_joins_leader_not_chains():
    # a~b and b~c but a!~c: the leader a takes b; c leads its own cluster.
    vectors = vectorise(["aaaa bbbb cccc", "aaaa bbbb cccc dddd eeee ffff", "dddd eeee ffff gggg"])
    sims = (vectors @ vectors.T).toarray()
    threshold = min(sims[0, 1], sims[1, 2]) - 0.01
    assert sims[0, 2] < threshold
    assert cluster(vectors, threshold=threshold, order=[0, 1, 2]) == [0, 0, 2]


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
