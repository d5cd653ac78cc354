"""The real scraped seed articles (read from the shared folder beside the repo, never copied)."""

from pathlib import Path

import pytest

from articles.importing import Limits, ParsedArticle, SourceFile, iter_path_sources, parse_source

SEEDS = Path(__file__).resolve().parents[2] / ".." / "shared" / "seeds"
LIMITS = Limits(max_file_bytes=5 * 1024**2, max_zip_bytes=50 * 1024**2, max_zip_members=100)
CHROME = (
    "Click to Skip Ad",
    "Closing in",
    "Leave a Reply",
    "Your email address will not be published",
    "Required fields are marked",
    "About Us",
    "Our team of experienced writers",
    "Advertisment",
    "affiliate commission",
    "Getty Images/",
    "Pool/Getty Images",
    "Tech News Contributor",
    "With expertise in",
    "The purpose of my writing",
    "Friday, March 1, 2024",
    "HomeTechnology",
    "Published Apr 19th",
)

pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason="shared seeds folder not present")


@pytest.fixture(scope="module")
def seed_articles():
    parsed = []
    for source in iter_path_sources([SEEDS], LIMITS):
        assert isinstance(source, SourceFile)
        parsed.extend(parse_source(source))
    return parsed


def test_seeds_parse_into_five_articles(seed_articles):
    assert len(seed_articles) == 5
    assert all(isinstance(article, ParsedArticle) for article in seed_articles)


def test_seeds_bodies_have_no_chrome(seed_articles):
    for article in seed_articles:
        for phrase in CHROME:
            assert phrase not in article.body, (article.name, phrase)
        assert "\n\n\n" not in article.body
        assert article.body == article.body.strip()


def test_seeds_titles_are_headlines(seed_articles):
    by_seed = {Path(article.name).name[:3]: article for article in seed_articles}
    # A headline line becomes the title and leaves the body.
    for key in ("001", "002", "003", "004"):
        first_line = (SEEDS / Path(by_seed[key].name).name).read_text().strip().splitlines()
        assert by_seed[key].title in first_line or by_seed[key].title in "\n".join(first_line[:8])
        assert not by_seed[key].body.startswith(by_seed[key].title)
    # Seed 000 opens with a long lead sentence: the title is derived and the lead kept.
    lead = by_seed["000"]
    assert len(lead.title) <= 120
    assert lead.body.startswith(lead.title)
    assert lead.title.startswith("Twitter CEO Elon Musk")


def test_seeds_capture_byline_metadata(seed_articles):
    by_seed = {Path(article.name).name[:3]: article for article in seed_articles}

    assert by_seed["004"].published_at is not None
    assert by_seed["004"].published_at.year == 2023
    assert by_seed["004"].author
    assert all(article.language == "en" for article in seed_articles)
