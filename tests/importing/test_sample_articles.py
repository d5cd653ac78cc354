"""The demo's sample articles import cleanly and CLAIMS.json anchors into their cleaned bodies."""

import json
from pathlib import Path

import pytest

from articles.importing import Limits, ParsedArticle, SourceFile, parse_source

SAMPLES = Path(__file__).resolve().parents[2] / "articles" / "sample_articles"
LIMITS = Limits(max_file_bytes=5 * 1024**2, max_zip_bytes=50 * 1024**2, max_zip_members=100)


@pytest.fixture(scope="module")
def sample_articles():
    articles = []
    for path in sorted(SAMPLES.iterdir()):
        if path.name == "CLAIMS.json":
            continue
        articles.extend(parse_source(SourceFile(path.name, path.read_bytes())))
    return articles


def test_sample_articles_all_parse(sample_articles):
    assert len(sample_articles) == 7
    assert all(isinstance(article, ParsedArticle) for article in sample_articles)
    assert {article.source_format for article in sample_articles} == {"text", "html", "json"}
    for article in sample_articles:
        for chrome in ("Advertisement", "Leave a Reply", "Share this article", "Anzeige", "©"):
            assert chrome not in article.body, (article.name, chrome)


def test_sample_claims_quotes_anchor_in_exactly_one_article(sample_articles):
    claims = json.loads((SAMPLES / "CLAIMS.json").read_text(encoding="utf-8"))

    assert len(claims) >= 3
    for claim in claims:
        assert claim["text"]
        assert claim["claimant"]
        for quote in claim["quotes"]:
            holders = [a.name for a in sample_articles if quote in a.body]
            assert len(holders) == 1, (quote, holders)
