import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from articles.services.claimfinding import suggestion_reject
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

BODY = (
    "The council approved a €40 million budget for the tram line on Tuesday, the mayor said. "
    "It was sunny. Police arrested 12 people after the match, officials said."
)


def _json(*args):
    out = StringIO()
    call_command("suggest_claims", *args, "--format", "json", stdout=out)
    return json.loads(out.getvalue())


def test_suggest_claims_json_best_first_with_exact_spans():
    article = ArticleFactory(body=BODY)
    other = ArticleFactory(
        body="Nothing to see. The fee is $5,000, the company said on 3 May 2024."
    )
    rows = _json()
    assert {r["article_id"] for r in rows} == {article.pk, other.pk}
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    bodies = {article.pk: article.body, other.pk: other.body}
    for row in rows:
        assert set(row) == {"article_id", "start", "end", "text", "score", "reasons"}
        assert bodies[row["article_id"]][row["start"] : row["end"]] == row["text"]
        assert row["reasons"]
    assert "It was sunny." not in {r["text"] for r in rows}


def test_suggest_claims_article_limit_and_rejections(editor):
    article = ArticleFactory(body=BODY)
    ArticleFactory(body="The fee is $5,000, the company said on 3 May 2024.")
    rows = _json("--article", str(article.pk))
    assert len(rows) == 2
    assert {r["article_id"] for r in rows} == {article.pk}
    assert len(_json("--limit", "1")) == 1
    suggestion_reject(
        user=editor, article_id=article.pk, start=rows[0]["start"], end=rows[0]["end"]
    )
    assert [r["text"] for r in _json("--article", str(article.pk))] == [rows[1]["text"]]


def test_suggest_claims_table():
    ArticleFactory(body=BODY)
    out = StringIO()
    call_command("suggest_claims", stdout=out)
    text = out.getvalue()
    assert "money amount: €40 million (+2)" in text
    assert "2 suggestions." in text


@pytest.mark.parametrize(
    "args",
    [("--article", "999999"), ("--article", "abc"), ("--limit", "0"), ("--format", "xml")],
)
def test_suggest_claims_bad_input(args):
    ArticleFactory(body=BODY)
    with pytest.raises((CommandError, SystemExit)):
        call_command("suggest_claims", *args, stdout=StringIO(), stderr=StringIO())
