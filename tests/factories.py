import hashlib

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from articles import roles
from articles.models import Annotation, Article, Assignment, Claim, ClaimAppearance, Label


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password("pw-for-tests")
    is_staff = True


def _joins(group_name):
    """A post-generation hook that puts the created user in one of the desk's groups."""

    def hook(user, create, extracted, **kwargs):
        if create:
            user.groups.add(Group.objects.get(name=group_name))

    return factory.PostGeneration(hook)


class EditorFactory(UserFactory):
    username = factory.Sequence(lambda n: f"editor{n}")
    role = _joins(roles.EDITORS)


class AnnotatorFactory(UserFactory):
    username = factory.Sequence(lambda n: f"annotator{n}")
    role = _joins(roles.ANNOTATORS)


class ViewerFactory(UserFactory):
    username = factory.Sequence(lambda n: f"viewer{n}")
    role = _joins(roles.VIEWERS)


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    title = factory.Faker("sentence", nb_words=8)
    publisher = factory.Faker("company")
    url = factory.Sequence(lambda n: f"https://news.example.org/story-{n}")
    author = factory.Faker("name")
    published_at = factory.LazyFunction(timezone.now)
    language = "en"
    body = factory.Faker("paragraph", nb_sentences=8)
    raw = factory.LazyAttribute(lambda o: o.body)
    source_format = Article.SourceFormat.TEXT
    content_hash = factory.LazyAttribute(lambda o: hashlib.sha256(o.body.encode()).hexdigest())


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claim

    text = factory.Faker("sentence", nb_words=10)
    claimant = factory.Faker("name")


class ClaimAppearanceFactory(factory.django.DjangoModelFactory):
    """Anchors the claim to the first sentence-ish span of the article body."""

    class Meta:
        model = ClaimAppearance

    claim = factory.SubFactory(ClaimFactory)
    article = factory.SubFactory(ArticleFactory)
    start = 0
    end = factory.LazyAttribute(lambda o: min(len(o.article.body), 40))
    quote = factory.LazyAttribute(lambda o: o.article.body[o.start : o.end])


class AnnotationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Annotation

    claim = factory.SubFactory(ClaimFactory)
    annotator = factory.SubFactory(AnnotatorFactory)
    label = Label.VERIFIED
    counted_label = factory.LazyAttribute(lambda o: o.label)
    confidence = 80
    rationale = factory.Faker("sentence")


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    claim = factory.SubFactory(ClaimFactory)
    annotator = factory.SubFactory(AnnotatorFactory)
