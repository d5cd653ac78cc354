import pytest
from django.core.exceptions import ValidationError

from articles.exceptions import ApplicationError, PermissionDenied
from articles.models import Article
from articles.services.articles import article_update, articles_delete
from tests.factories import AnnotatorFactory, ArticleFactory, ViewerFactory

pytestmark = pytest.mark.django_db


def test_article_update_changes_only_metadata(editor):
    article = ArticleFactory(body="The body stays.")
    updated = article_update(user=editor, article_id=article.pk, title=" New title ", language="de")
    assert updated.title == "New title"
    stored = Article.objects.values_list("title", "language", "body").get(pk=article.pk)
    assert stored == ("New title", "de", "The body stays.")


@pytest.mark.parametrize("factory", [AnnotatorFactory, ViewerFactory])
def test_article_writes_are_for_editors_only(factory):
    article = ArticleFactory()
    user = factory()
    with pytest.raises(PermissionDenied):
        article_update(user=user, article_id=article.pk, title="x")
    with pytest.raises(PermissionDenied):
        articles_delete(user=user, article_ids=[article.pk])
    assert Article.objects.filter(pk=article.pk).exists()


def test_article_update_rejects_bad_values_and_saves_nothing(editor):
    article = ArticleFactory(title="Kept")
    with pytest.raises(ValidationError):
        article_update(user=editor, article_id=article.pk, title="  ")
    with pytest.raises(ApplicationError):
        article_update(user=editor, article_id=999_999, title="x")
    assert Article.objects.get(pk=article.pk).title == "Kept"


def test_articles_delete_counts_what_it_deleted(editor):
    first, second = ArticleFactory.create_batch(2)
    assert articles_delete(user=editor, article_ids=[first.pk, second.pk, 999_999]) == 2
