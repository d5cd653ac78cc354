"""Article writes after import: editing an article's metadata and deleting articles.

Articles enter the desk only through `articles.services.imports`. The cleaned body, the raw
original and the content hash never change after import: claims anchor to offsets in the body.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from articles import roles
from articles.exceptions import ApplicationError
from articles.models import Article

# The metadata an editor may correct after import; everything else is fixed by the import.
EDITABLE_FIELDS = ("title", "publisher", "author", "url", "published_at", "language")


def article_update(
    *,
    user: AbstractBaseUser,
    article_id: int,
    title: str,
    publisher: str = "",
    author: str = "",
    url: str = "",
    published_at: datetime | None = None,
    language: str = "",
) -> Article:
    """Correct an article's metadata (the fields in `EDITABLE_FIELDS`). Editors only.

    Raises PermissionDenied for anyone else, ApplicationError if the article no longer exists,
    ValidationError for invalid values (nothing is saved then).
    """
    roles.require_editor(user, "edit articles")
    with transaction.atomic():
        article = Article.objects.select_for_update().filter(pk=article_id).first()
        if article is None:
            raise ApplicationError("This article no longer exists.")
        article.title = title.strip()
        article.publisher = publisher.strip()
        article.author = author.strip()
        article.url = url.strip()
        article.published_at = published_at
        article.language = language.strip()
        article.full_clean()
        article.save(update_fields=[*EDITABLE_FIELDS, "updated_at"])
    return article


def articles_delete(*, user: AbstractBaseUser, article_ids: Iterable[int]) -> int:
    """Delete articles and their claim anchors. Editors only. Claims anchored in them stay,
    with their annotations and verdicts (a claim may appear in other articles, and its rating
    stands on its own). Returns how many articles were deleted.
    Raises PermissionDenied for anyone but editors.
    """
    roles.require_editor(user, "delete articles")
    with transaction.atomic():
        _, by_model = Article.objects.filter(pk__in=set(article_ids)).delete()
    return int(by_model.get(Article._meta.label, 0))
