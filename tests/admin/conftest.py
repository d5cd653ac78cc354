"""Fixtures of the admin tests: a small desk with every role, one of them blind."""

from types import SimpleNamespace
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from articles import roles
from articles.models import (
    AnnotatorReliability,
    Assignment,
    Consensus,
    ConsensusStatus,
    Label,
    Verdict,
)
from tests.factories import (
    AnnotationFactory,
    AnnotatorFactory,
    ArticleFactory,
    AssignmentFactory,
    ClaimAppearanceFactory,
    ClaimFactory,
    EditorFactory,
    ViewerFactory,
)

BODY = (
    "Elon Musk threatened to sue Microsoft on Wednesday.\n\n"
    "He said OpenAI was trained illegally on Twitter data and called the API fee a scam."
)
SECRET_RATIONALE = "Zebra-secret rationale of annotator one"  # noqa: S105 - not a password


@pytest.fixture(autouse=True)
def _no_broker():
    # Consensus jobs are not what these tests are about; keep them out of the way.
    with mock.patch("articles.tasks.claims_stale_recompute_task.delay"):
        yield


def make_consensus(claim, *, label=Label.FALSE, status=ConsensusStatus.CONTESTED):
    return Consensus.objects.create(
        claim=claim,
        label=label,
        status=status,
        method="dawid-skene",
        probabilities={"verified": 0.1, "disputed": 0.35, "false": 0.55},
        agreement=0.55,
        n_annotations=2,
        fingerprint="x",
        computed_at=timezone.now(),
    )


@pytest.fixture
def desk(db):
    """A claim in an article, assigned to three annotators; one has annotated it (the other two
    are blind to it), a consensus, a reliability row and a published verdict on a second claim."""
    article = ArticleFactory(body=BODY)
    claim = ClaimFactory(text="OpenAI was trained on Twitter data", required_annotations=3)
    start = BODY.index("OpenAI")
    end = BODY.index(" and called")
    ClaimAppearanceFactory(
        claim=claim, article=article, start=start, end=end, quote=BODY[start:end]
    )
    a1, a2, a3 = AnnotatorFactory.create_batch(3)
    for a in (a1, a2, a3):
        AssignmentFactory(claim=claim, annotator=a)
    annotation = AnnotationFactory(
        claim=claim, annotator=a1, label=Label.FALSE, rationale=SECRET_RATIONALE
    )
    Assignment.objects.filter(claim=claim, annotator=a1).update(completed_at=timezone.now())
    consensus = make_consensus(claim)
    editor = EditorFactory()
    other = ClaimFactory(text="Musk threatened to sue Microsoft")
    verdict = Verdict.objects.create(
        claim=other,
        version=1,
        label=Label.VERIFIED,
        published_by=editor,
        published_at=timezone.now(),
    )
    reliability = AnnotatorReliability.objects.create(
        annotator=a1, accuracy=0.9, n_annotations=1, computed_at=timezone.now()
    )
    superuser = get_user_model().objects.create_superuser("root", "root@example.org", "pw")
    # Users in several groups, both assigned to the claim and neither has rated it.
    annotator_viewer = AnnotatorFactory(username="annotator-viewer")
    annotator_viewer.groups.add(Group.objects.get(name=roles.VIEWERS))
    annotator_editor = AnnotatorFactory(username="annotator-editor")
    annotator_editor.groups.add(Group.objects.get(name=roles.EDITORS))
    for a in (annotator_viewer, annotator_editor):
        AssignmentFactory(claim=claim, annotator=a)
    return SimpleNamespace(
        article=article,
        claim=claim,
        other=other,
        a1=a1,
        a2=a2,
        a3=a3,
        annotation=annotation,
        consensus=consensus,
        verdict=verdict,
        reliability=reliability,
        editor=editor,
        viewer=ViewerFactory(),
        superuser=superuser,
        annotator_viewer=annotator_viewer,
        annotator_editor=annotator_editor,
        claim_history_id=claim.history.first().history_id,
    )


def text_of(response):
    return response.content.decode()


def login(client, user):
    if user is not None:
        client.force_login(user)
    return client


ROLES = (
    "anonymous",
    "viewer",
    "annotator",
    "editor",
    "superuser",
    "annotator+viewer",
    "annotator+editor",
)


def user_for_role(desk, role):
    return {
        "anonymous": None,
        "viewer": desk.viewer,
        "annotator": desk.a2,  # assigned to the claim, has not annotated it: blind
        "editor": desk.editor,
        "superuser": desk.superuser,
        "annotator+viewer": desk.annotator_viewer,  # assigned, not rated: blind
        "annotator+editor": desk.annotator_editor,  # assigned, not rated: sees all as editor
    }[role]


def admin_url(name, *args):
    return lambda d: reverse(
        f"admin:{name}", args=[getattr(d, a).pk if isinstance(a, str) else a for a in args]
    )
