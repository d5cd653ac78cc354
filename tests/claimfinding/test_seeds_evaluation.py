"""Claim finding on the five real seed articles (read from the shared folder beside the repo):
which claims we expect to be suggested and matched across them, and the precision and recall
the desk reaches. Run with -s to see the figures."""

from pathlib import Path

import pytest

from articles.claimfinding import ArticleText, Thresholds
from articles.importing import Limits, SourceFile, iter_path_sources, parse_source
from tests.claimfinding.evaluation import evaluate

SEEDS = Path(__file__).resolve().parents[2] / ".." / "shared" / "seeds"
LIMITS = Limits(max_file_bytes=5 * 1024**2, max_zip_bytes=50 * 1024**2, max_zip_members=100)

pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason="shared seeds folder not present")

# Seed number -> sentence fragments, per claim the articles make. Every sentence stating the
# claim is listed, not only the first: a restatement ("In conclusion, Elon Musk's tweet
# threatening legal action against Microsoft ...") grouped or matched with the claim is right.
# Musk's tweet and his threat are one claim (the tweet is the threat: "Lawsuit time"), and the
# two pieces the segmenter makes of the quoted tweet belong to it. Sentences that only wonder
# whether the claim holds ("It is unclear whether Musk will actually follow through") and
# headings are not listed.
GOLD: dict[str, dict[int, tuple[str, ...]]] = {
    "Musk accused Microsoft of illegally training AI on Twitter data and threatened to sue": {
        0: (
            "Twitter CEO Elon Musk threatened legal action against Microsoft",
            "Musk tweeted, They were illegally using Twitter data",
            "\u201cLawsuit time.\u201d",
        ),
        1: (
            "On April 20th, 2023, Twitter CEO Elon Musk tweeted a threat",
            "In conclusion, Elon Musk\u2019s tweet threatening legal action",
        ),
        2: (
            "The owner of Twitter, Elon Musk, threatens to sue Microsoft",
            "According to Musk, Microsoft would have used Twitter",
            "with a direct accusation",
            "Lawsuit time\u201c.",
        ),
        3: (
            "Elon Musk has threatened to take legal action against Microsoft",
            "In response, Musk tweeted \u201clawsuit time,\u201d",
            "Musk is now demanding compensation",
            "Elon Musk\u2019s threat of legal action against Microsoft underscores",
        ),
        4: (
            "Musk suddenly accused Microsoft of training its AI products",
            "The Twitter CEO went even further, threatening the company",
            "what AI products Musk is accusing Microsoft",
            "Musk is the first to claim that Microsoft did something illegal",
        ),
    },
    "Microsoft drops Twitter from its advertising platform (Smart Campaigns) from April 25": {
        0: ("Microsoft would remove Twitter from its advertising platform",),
        1: (
            "The tweet came in response to Microsoft\u2019s advertising platform",
            "Microsoft\u2019s decision to no longer support Twitter on its advertising platform",
        ),
        2: ("The controversy began after Microsoft announced",),
        3: (
            "reported that Microsoft planned to remove Twitter from its advertising platform",
            "Microsoft\u2019s removal of Twitter from its advertising platform, Smart Campaigns",
            "clients will no longer be able to access their Twitter accounts",
            "has removed Twitter from Smart Campaigns as a result",
        ),
        4: (
            "Microsoft announced that it will be dropping support for Twitter",
            "Smart Campaigns with Multi-platform will no longer support Twitter",
            "users will no longer be able to access the following features",
        ),
    },
    "Microsoft invested $10 billion in OpenAI last year": {
        0: ("Microsoft contributed $10 billion to OpenAI",),
        2: ("Microsoft invested $10 billion in OpenAI",),
    },
    "Musk co-founded OpenAI and left its board in 2018": {
        0: ("Musk, who was a co-founder of OpenAI before stepping down",),
        1: ("OpenAI, a research organization co-founded by Elon Musk",),
        2: ("Elon Musk was a co-founder of OpenAI, but resigned in 2018",),
        3: ("Musk co-founded OpenAI before leaving its board in 2018",),
    },
    "Musk is dissatisfied with OpenAI's turn into a Microsoft-influenced business": {
        0: ("Musk, who was a co-founder of OpenAI before stepping down",),
        2: ("Musk recently expressed his dissatisfaction",),
        3: ("He has been vocal about his dissatisfaction",),
    },
    "Microsoft builds its own large language models and sells access to OpenAI's": {
        0: ("Microsoft creates its own so-called large language models",),
        2: ("Microsoft creates its own language models",),
        3: ("It is developing its own large language models",),
    },
    "Twitter will charge for API access (fees of up to $42,000 / 42,000-210,000 USD a month)": {
        1: (
            "changes in Twitter\u2019s API that required payment to access",
            "it will require payment to access its API",
            "The decision by Twitter to put its API behind a paywall",
        ),
        3: (
            "reports suggest that Twitter plans to charge companies for access to its API",
            "The proposed fees are expected to range from 42,000 USD to 210,000 USD",
            "Microsoft is not willing to pay the new API fee",
        ),
        4: ("due to Twitter starting to charge companies for API usage",),
    },
    "Language models need terabytes of data from Reddit, StackOverflow and Twitter": {
        0: ("Terabytes of data, much of it scraped from sites like Reddit",),
        2: ("they require terabytes of data for their training",),
        3: ("Google Bard need a lot of information to learn",),
    },
    "Reddit will charge companies that use its data to train AI": {
        0: ("earlier this week Reddit announced that it would charge businesses",),
        3: (
            "2 days after Reddit, where 57 million people",
            "Reddit has changed the rules for companies",
        ),
        4: ("Reddit is also now demanding that companies",),
    },
    "Musk often tweets plans that never happen; no lawsuit has been filed": {
        0: ("frequently tweets about plans that never materialise",),
        3: (
            "Musk is notorious for tweeting about plans that never come to fruition",
            "no lawsuit has been filed yet",
        ),
    },
    "Microsoft has not commented on Musk's accusations": {
        2: ("Microsoft has not issued any official statement",),
        3: ("both tech giants have declined to comment",),
    },
    "Musk plans his own AI (TruthGPT, a chat bot to compete with OpenAI)": {
        0: ("TruthGPT",),
        2: ("has announced his intention to create his own chat bot",),
    },
    "Microsoft uses Twitter data to train its AI models": {
        1: ("Microsoft has also been using Twitter data to train its AI models",),
        3: ("Microsoft is one such company that has been using Twitter\u2019s data",),
    },
    "Twitter's terms allow research use of its API data": {
        1: (
            "Twitter\u2019s terms of service allow developers to access its API and use data",
            "While Twitter\u2019s terms of service allow developers to access its API for research",
        )
    },
    # Check-worthy claims made by one article only.
    "Musk said in December Twitter would pause OpenAI's access": {
        0: ("would \u201cpause\u201d OpenAI",)
    },
    "Universal Music Group called AI training on artists' music a breach": {
        0: ("Universal Music Group also stated",)
    },
    "Getty Images is suing Stable Diffusion": {0: ("is being sued by Getty Images",)},
    "OpenAI has been using Twitter data to train its models": {
        1: ("OpenAI, a research organization co-founded by Elon Musk",)
    },
    "Musk called stealing and selling Twitter data not a winning solution": {
        2: ("Stealing the Twitter database",)
    },
    "Other companies also refused to pay the fees": {
        3: ("Several other companies have also refused",)
    },
    "Musk gave no evidence of illegal training": {3: ("he has failed to provide any evidence",)},
    "Microsoft said other social channels stay available": {
        4: ("other social media channels such as Facebook",)
    },
}


@pytest.fixture(scope="module")
def seed_articles():
    parsed = []
    for source in iter_path_sources([SEEDS], LIMITS):
        assert isinstance(source, SourceFile)
        parsed.extend(parse_source(source))
    parsed.sort(key=lambda p: Path(p.name).name)
    return [ArticleText(i, p.body, p.language) for i, p in enumerate(parsed)]


@pytest.fixture(scope="module")
def figures(seed_articles):
    result = evaluate(seed_articles, GOLD, Thresholds())
    for name, value in result.items():
        print(f"seeds, {name}: {value}")  # noqa: T201 - the figures the report quotes
    return result


def test_seed_suggestions_precision_and_recall(figures):
    # Measured: precision 0.88, recall 0.66 (with the claims listed before every restatement
    # was: 0.70, 0.71).
    assert figures["suggestions"].precision >= 0.8
    assert figures["suggestions"].recall >= 0.6


def test_seed_grouping_precision_and_recall(figures):
    # Measured: precision 0.77, recall 0.48 (pairs of sentences; the one claim all five outlets
    # word differently makes most of the 199 pairs). The desk before average linkage and the
    # legal term: 1.00, 0.10.
    assert figures["grouping"].precision >= 0.7
    assert figures["grouping"].recall >= 0.4


def test_seed_matching_precision_and_recall(figures):
    # Measured: precision 0.65, recall 0.45 (before: 0.54, 0.31); each proposal is reviewed by
    # an editor, so recall weighs more here than in grouping.
    assert figures["matching"].precision >= 0.6
    assert figures["matching"].recall >= 0.4
