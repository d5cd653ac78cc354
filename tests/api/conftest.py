"""Fixtures of the API tests: users of every role (and of several groups), token clients and a
small desk with published, retracted and unrated claims."""

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from rest_framework.test import APIClient

from articles import roles
from articles.models import Claim, Consensus, ConsensusStatus, Label, Verdict
from articles.services.tokens import api_token_issue
from tests.factories import (
    AnnotationFactory,
    AnnotatorFactory,
    ArticleFactory,
    AssignmentFactory,
    ClaimAppearanceFactory,
    ClaimFactory,
    EditorFactory,
    UserFactory,
    ViewerFactory,
)


def token_client(user) -> APIClient:
    client = APIClient()
    key = api_token_issue(user=user, name=f"tests-{user.api_tokens.count()}").key
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def in_groups(*names, username=None):
    user = UserFactory(**({"username": username} if username else {}))
    for name in names:
        user.groups.add(Group.objects.get(name=name))
    return user


ROLE_USERS = {
    "anonymous": lambda: None,
    "nobody": lambda: UserFactory(),
    "viewer": ViewerFactory,
    "annotator": AnnotatorFactory,
    "editor": EditorFactory,
    "annotator+viewer": lambda: in_groups(roles.ANNOTATORS, roles.VIEWERS),
    "annotator+editor": lambda: in_groups(roles.ANNOTATORS, roles.EDITORS),
}


def client_for(role: str):
    user = ROLE_USERS[role]()
    return (token_client(user) if user is not None else APIClient()), user


def consensus_for(claim, label=Label.VERIFIED, status=ConsensusStatus.SETTLED):
    return Consensus.objects.create(
        claim=claim,
        label=label,
        probabilities={"verified": 0.9, "disputed": 0.05, "false": 0.05},
        agreement=1.0,
        status=status,
        method="dawid-skene",
        n_annotations=3,
        fingerprint="f" * 64,
        computed_at=timezone.now(),
    )


def verdict_for(claim, *, version=1, label=Label.VERIFIED, editor=None, retracted=False, when=None):
    editor = editor or EditorFactory()
    now = when or timezone.now()
    verdict = Verdict.objects.create(
        claim=claim,
        version=version,
        label=label,
        published_by=editor,
        published_at=now,
        retracted_at=now if retracted else None,
        retraction_reason="withdrawn" if retracted else "",
    )
    Claim.objects.filter(pk=claim.pk).update(status=Claim.Status.PUBLISHED)
    return verdict


@dataclass
class Desk:
    article: object
    rated: object  # rated by `annotator`, consensus and a verdict
    unrated: object  # assigned to `annotator`, not rated by them; rated by another; verdict
    annotator: object
    other: object
    own_annotation: object
    other_annotation: object


@pytest.fixture
def desk(db):
    annotator = AnnotatorFactory()
    other = AnnotatorFactory()
    article = ArticleFactory(publisher="Metro Ledger")
    rated = ClaimFactory(claimant="Elon Musk")
    unrated = ClaimFactory(claimant="Satya Nadella")
    for claim in (rated, unrated):
        ClaimAppearanceFactory(claim=claim, article=article)
        consensus_for(claim)
    AssignmentFactory(claim=rated, annotator=annotator, completed_at=timezone.now())
    AssignmentFactory(claim=unrated, annotator=annotator)
    own = AnnotationFactory(claim=rated, annotator=annotator)
    other_annotation = AnnotationFactory(claim=unrated, annotator=other, label=Label.FALSE)
    AnnotationFactory(claim=rated, annotator=other)
    verdict_for(rated)
    verdict_for(unrated, label=Label.FALSE)
    return Desk(article, rated, unrated, annotator, other, own, other_annotation)


@pytest.fixture(autouse=True)
def _fresh_throttles():
    # Throttle counters live in the cache, keyed by token/user ids that the next test reuses.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
