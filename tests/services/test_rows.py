import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles.models import Claim, ClaimSuggestion, ContradictionFlag
from articles.services.rows import rows_insert
from tests.factories import ArticleFactory, ClaimFactory

FIELDS = (
    "article",
    "sentence_key",
    "start",
    "end",
    "text",
    "score",
    "reasons",
    "status",
    "group",
    "similarity",
    "created_at",
)


def _suggestion(article_id, key, *, now, reasons=("figure: 5 (+1)",)):
    return (article_id, key, 0, 5, "Five.", 1.5, list(reasons), "open", None, None, now)


def _check_rows_insert():
    article = ArticleFactory(body="Five. Six.")
    now = timezone.now().replace(microsecond=123456)
    rows_insert(
        ClaimSuggestion,
        fields=FIELDS,
        rows=[
            _suggestion(article.pk, "a" * 64, now=now, reasons=["quotation (+0.5)", "ünïcode"]),
            _suggestion(article.pk, "b" * 64, now=now),
        ],
        batch_size=1,
    )
    stored = list(ClaimSuggestion.objects.order_by("sentence_key"))
    assert [s.sentence_key for s in stored] == ["a" * 64, "b" * 64]
    assert stored[0].reasons == ["quotation (+0.5)", "ünïcode"]
    assert stored[0].created_at == now
    assert stored[0].status == ClaimSuggestion.Status.OPEN
    assert stored[0].group_id is None
    assert stored[0].similarity is None

    # A row breaking the unique constraint is skipped with ignore_conflicts ...
    rows_insert(
        ClaimSuggestion,
        fields=FIELDS,
        rows=[
            _suggestion(article.pk, "a" * 64, now=now),
            _suggestion(article.pk, "c" * 64, now=now),
        ],
        ignore_conflicts=True,
    )
    assert ClaimSuggestion.objects.count() == 3
    # ... and fails the statement without it, leaving no partial rows in the transaction.
    with pytest.raises(IntegrityError), transaction.atomic():
        rows_insert(
            ClaimSuggestion,
            fields=FIELDS,
            rows=[
                _suggestion(article.pk, "d" * 64, now=now),
                _suggestion(article.pk, "a" * 64, now=now),
            ],
        )
    assert ClaimSuggestion.objects.count() == 3


@pytest.mark.django_db
def test_rows_insert_writes_json_and_dates_and_ignores_conflicts():
    _check_rows_insert()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_rows_insert_on_postgres(postgres):
    _check_rows_insert()


@pytest.mark.django_db
def test_rows_insert_foreign_keys_booleans_and_empty_input():
    claim = ClaimFactory()
    article = ArticleFactory()
    when = dt.datetime(2024, 4, 20, 12, 0, tzinfo=dt.UTC)
    rows_insert(ContradictionFlag, fields=("claim",), rows=[])
    rows_insert(
        ContradictionFlag,
        fields=(
            "claim",
            "kind",
            "first_article",
            "first_start",
            "first_end",
            "first_values",
            "first_proposed",
            "second_article",
            "second_start",
            "second_end",
            "second_values",
            "second_proposed",
            "created_at",
        ),
        rows=[
            (
                claim.pk,
                "money",
                article.pk,
                0,
                4,
                ["$1"],
                True,
                article.pk,
                5,
                9,
                ["$2"],
                False,
                when,
            )
        ],
    )
    flag = ContradictionFlag.objects.get()
    assert (flag.claim_id, flag.first_article_id, flag.first_values) == (
        claim.pk,
        article.pk,
        ["$1"],
    )
    assert flag.first_proposed is True
    assert flag.second_proposed is False
    assert flag.created_at == when


@pytest.mark.django_db
def test_rows_insert_refuses_a_name_that_is_no_column():
    with pytest.raises(ValueError, match="not a column"):
        rows_insert(Claim, fields=("text", "suggestions"), rows=[("A claim.", 1)])
    assert not Claim.objects.exists()
