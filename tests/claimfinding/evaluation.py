"""Precision and recall of claim suggestions and claim matching against hand-written gold.

Gold is a list of claims, each with the sentences stating it in each article, named by a
substring of the sentence (so the gold does not depend on offsets). A sentence is "gold" when it
states some expected claim; singletons are check-worthy claims found in one article only.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from articles.claimfinding import (
    ArticleText,
    Candidate,
    ClaimText,
    Thresholds,
    article_candidates,
    plan_batch,
)


@dataclass(frozen=True)
class Figures:
    precision: float
    recall: float
    predicted: int
    expected: int

    def __str__(self) -> str:
        return (
            f"precision {self.precision:.2f}, recall {self.recall:.2f} "
            f"({self.predicted} predicted, {self.expected} expected)"
        )


def _ratio(a: int, b: int) -> float:
    return a / b if b else 1.0


def _claims_of(candidate: Candidate, gold: dict[str, dict[int, tuple[str, ...]]]) -> set[str]:
    return {
        claim
        for claim, by_article in gold.items()
        for fragment in by_article.get(candidate.article_id, ())
        if fragment in candidate.text
    }


def evaluate(
    articles: list[ArticleText],
    gold: dict[str, dict[int, tuple[str, ...]]],
    thresholds: Thresholds,
) -> dict[str, Figures]:
    """Figures for: suggestions (sentences), grouping in one batch (pairs of sentences across
    articles) and matching to claims on file (each multi-article claim put on file with its
    first article's wording; the other articles' sentences matched to it)."""
    everything = [
        c for a in articles for c in article_candidates(a, min_score=min(thresholds.match, 0.0))
    ]
    by_sentence = {(c.article_id, c.start): _claims_of(c, gold) for c in everything}
    for claim, by_article in gold.items():
        for article_id, fragments in by_article.items():
            for fragment in fragments:
                hits = [c for c in everything if c.article_id == article_id and fragment in c.text]
                if not hits:
                    raise AssertionError(
                        f"gold {claim!r}: {fragment!r} not a sentence of {article_id}"
                    )
    gold_sentences = {key for key, claims in by_sentence.items() if claims}
    suggested = {(c.article_id, c.start) for c in everything if c.score >= thresholds.suggest}
    figures = {
        "suggestions": Figures(
            _ratio(len(suggested & gold_sentences), len(suggested)),
            _ratio(len(suggested & gold_sentences), len(gold_sentences)),
            len(suggested),
            len(gold_sentences),
        )
    }

    candidates = [c for c in everything if c.score >= thresholds.match]
    plan = plan_batch(candidates, [], thresholds=thresholds)
    predicted_pairs = set()
    for group in plan.groups:
        for a, b in combinations(group.members, 2):
            if a.article_id != b.article_id:
                predicted_pairs.add(frozenset({(a.article_id, a.start), (b.article_id, b.start)}))
    gold_pairs = {
        frozenset({a, b})
        for a, b in combinations(sorted(gold_sentences), 2)
        if a[0] != b[0] and by_sentence[a] & by_sentence[b]
    }
    figures["grouping"] = Figures(
        _ratio(len(predicted_pairs & gold_pairs), len(predicted_pairs)),
        _ratio(len(predicted_pairs & gold_pairs), len(gold_pairs)),
        len(predicted_pairs),
        len(gold_pairs),
    )

    # Matching: every claim stated in several articles is put on file in the wording of its
    # first article's sentence (anchored there); all other sentences are matched at once.
    names = sorted(c for c, by_article in gold.items() if len(by_article) > 1)
    on_file: list[ClaimText] = []
    anchored: set[tuple[int, int]] = set()
    for number, claim in enumerate(names):
        first_article = min(gold[claim])
        fragment = gold[claim][first_article][0]
        sentence = next(
            c for c in everything if c.article_id == first_article and fragment in c.text
        )
        on_file.append(ClaimText(number, sentence.text))
        anchored.add((sentence.article_id, sentence.start))
    expected_matches = {
        (number, key)
        for number, claim in enumerate(names)
        for key in gold_sentences
        if claim in by_sentence[key] and key not in anchored
    }
    others = [c for c in candidates if (c.article_id, c.start) not in anchored]
    matches = {
        (m.claim_id, (m.candidate.article_id, m.candidate.start))
        for m in plan_batch(others, on_file, thresholds=thresholds).matches
    }
    correct = {(number, key) for number, key in matches if names[number] in by_sentence[key]}
    figures["matching"] = Figures(
        _ratio(len(correct), len(matches)),
        _ratio(len(correct & expected_matches), len(expected_matches)),
        len(matches),
        len(expected_matches),
    )
    return figures
