import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles import roles
from articles.models import Annotation, Label, Verdict
from tests.factories import (
    AnnotationFactory,
    AnnotatorFactory,
    ArticleFactory,
    ClaimAppearanceFactory,
    ClaimFactory,
    EditorFactory,
)

pytestmark = pytest.mark.django_db


def test_roles_groups_created_by_migration():
    groups = {
        g.name: set(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()
    }
    assert set(groups) >= {roles.EDITORS, roles.ANNOTATORS, roles.VIEWERS}
    assert "add_annotation" in groups[roles.ANNOTATORS]
    assert "add_annotation" not in groups[roles.EDITORS]
    assert "add_verdict" in groups[roles.EDITORS]
    assert all(
        not code.startswith(("add_", "change_", "delete_")) for code in groups[roles.VIEWERS]
    )


def test_annotation_one_per_claim_and_annotator():
    annotation = AnnotationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        AnnotationFactory(claim=annotation.claim, annotator=annotation.annotator)


def test_annotation_label_checked_in_database():
    claim = ClaimFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Annotation.objects.create(claim=claim, annotator=AnnotatorFactory(), label="maybe")


def test_appearance_quote_must_equal_body_span():
    article = ArticleFactory(body="Musk said the fee is $42,000 a month. Others disagree.")
    appearance = ClaimAppearanceFactory.build(
        claim=ClaimFactory(), article=article, start=0, end=10, quote="Musk said"
    )
    with pytest.raises(ValidationError, match="does not match"):
        appearance.full_clean()
    appearance.quote = article.body[0:10]
    appearance.full_clean()


def test_appearance_span_order_checked_in_database():
    appearance = ClaimAppearanceFactory()
    appearance.end = appearance.start
    with pytest.raises(IntegrityError), transaction.atomic():
        appearance.save()


def test_verdict_override_requires_reason_in_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        Verdict.objects.create(
            claim=ClaimFactory(),
            version=1,
            label=Label.FALSE,
            is_override=True,
            reason="",
            published_by=EditorFactory(),
            published_at=timezone.now(),
        )


@pytest.mark.django_db
def test_article_texts_are_compressed_with_lz4_on_postgresql(postgres):
    # pglz costs the server about twice as much per stored HTML original (migration 0017).
    with postgres.cursor() as cursor:
        cursor.execute(
            "SELECT attname, attcompression FROM pg_attribute "
            "WHERE attrelid = 'articles_article'::regclass AND attname IN ('body', 'raw')"
        )
        assert dict(cursor.fetchall()) == {"body": "l", "raw": "l"}
