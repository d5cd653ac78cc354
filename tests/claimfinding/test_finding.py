"""How a batch's sentences are gathered for scoring: chunks of exactly `SCORE_CHUNK` sentences (the
last one shorter), across articles and within the blocks of a long body, and the same candidates
whatever the chunk size."""

from articles.claimfinding import ArticleText, batch_candidates, clear_caches, finding

ARTICLES = [
    ArticleText(1, "Microsoft agreed to pay $42,000 to settle the lawsuit, Ana Soler said. Yes."),
    ArticleText(2, "\n".join(f"Line {k}: the mayor said prices rose {k}%." for k in range(9))),
    ArticleText(3, ""),
    ArticleText(4, "Laut Statistischem Bundesamt stiegen die Preise um 2,5 Prozent. Gut."),
]


def _found(monkeypatch, chunk: int) -> tuple[list[tuple[object, ...]], list[int]]:
    sizes: list[int] = []
    score = finding.score_sentences

    def spy(texts):
        sizes.append(len(texts))
        return score(texts)

    monkeypatch.setattr(finding, "SCORE_CHUNK", chunk)
    monkeypatch.setattr(finding, "score_sentences", spy)
    clear_caches()
    found = batch_candidates(ARTICLES, min_score=-100.0)
    return [(c.article_id, c.start, c.end, c.text, c.score, c.reasons) for c in found], sizes


def test_batch_candidates_score_chunks_of_exactly_score_chunk_sentences(monkeypatch):
    expected, sizes = _found(monkeypatch, 1000)
    assert sizes == [13]
    assert len(expected) == 13
    for chunk in (1, 2, 3, 5, 12, 13):
        found, sizes = _found(monkeypatch, chunk)
        assert found == expected, chunk
        assert sizes == [chunk] * (13 // chunk) + ([13 % chunk] if 13 % chunk else []), chunk
