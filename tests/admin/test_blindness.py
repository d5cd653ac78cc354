"""Blind annotation across every admin surface, for annotators and for annotators who are in
other groups too."""

import pytest
from django.urls import reverse

from articles.models import (
    Annotation,
    Label,
)
from tests.admin.conftest import SECRET_RATIONALE, text_of
from tests.factories import (
    AnnotationFactory,
    ClaimFactory,
)

pytestmark = pytest.mark.django_db


# --- blind annotation ----------------------------------------------------------------------


def test_blind_annotator_sees_no_annotation_or_consensus_anywhere(client, desk):
    client.force_login(desk.a3)  # assigned, not annotated
    pages = [
        reverse("admin:articles_claim_changelist"),
        reverse("admin:articles_claim_changelist") + "?q=OpenAI",
        reverse("admin:articles_claim_change", args=[desk.claim.pk]),
        reverse("admin:articles_annotation_changelist"),
        reverse("admin:articles_annotation_changelist") + "?q=Zebra",
        reverse("admin:articles_annotation_changelist") + "?_popup=1",
        reverse("admin:desk-annotate", args=[desk.claim.pk]),
        reverse("admin:desk-queue"),
        reverse("admin:articles_article_change", args=[desk.article.pk]),
        reverse("admin:articles_assignment_changelist"),
        reverse("admin:index"),
        reverse("admin:autocomplete")
        + "?app_label=articles&model_name=assignment&field_name=claim&term=",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = text_of(response)
        assert "Zebra-secret" not in body, url
        assert "contested" not in body.lower(), url
        assert "55%" not in body, url
        assert desk.a1.username not in body, url
    # Consensus and verdict data: not reachable at all.
    for url in [
        reverse("admin:articles_consensus_changelist"),
        reverse("admin:articles_consensus_change", args=[desk.consensus.pk]),
        reverse("admin:articles_verdict_changelist"),
        reverse("admin:articles_annotatorreliability_changelist"),
        reverse("admin:articles_consensusrun_changelist"),
        reverse("admin:articles_annotation_history", args=[desk.annotation.pk]),
        reverse("admin:articles_claim_history", args=[desk.claim.pk]),
    ]:
        assert client.get(url).status_code == 403, url
    # Someone else's annotation is "not found".
    response = client.get(reverse("admin:articles_annotation_change", args=[desk.annotation.pk]))
    assert response.status_code == 302
    assert "Zebra" not in text_of(client.get(response["Location"]))


@pytest.mark.parametrize(
    "query",
    [
        "consensus__status=contested",
        "consensus__isnull=False",
        "consensus=1",
        f"annotations__annotator={1}",
        "annotations__label=false",
        "consensus_stale=1",
        "verdicts__label=verified",
        "consensus=contested",
    ],
)
def test_blind_annotator_cannot_filter_claims_by_hidden_data(client, desk, query):
    client.force_login(desk.a3)
    response = client.get(reverse("admin:articles_claim_changelist") + "?" + query)
    # The admin refuses lookups it does not allow (400 or its "?e=1" redirect).
    assert response.status_code in {400, 302}
    if response.status_code == 302:
        assert "e=1" in response["Location"]


def test_blind_annotator_list_has_no_consensus_filters_or_columns(client, desk):
    client.force_login(desk.a3)
    response = client.get(reverse("admin:articles_claim_changelist"))
    cl = response.context["cl"]
    assert "consensus" not in [getattr(f, "parameter_name", "") for f in cl.filter_specs]
    assert "progress" not in cl.list_display
    assert "agreement" not in cl.list_display
    row = cl.result_list.get(pk=desk.claim.pk)
    assert row.consensus_label == ""
    assert row.consensus_status == ""
    assert row.n_annotations is None


def test_annotator_sees_consensus_after_submitting(client, desk):
    client.force_login(desk.a1)  # has annotated
    response = client.get(reverse("admin:articles_claim_changelist"))
    row = response.context["cl"].result_list.get(pk=desk.claim.pk)
    assert row.consensus_status == "contested"
    body = text_of(client.get(reverse("admin:articles_claim_change", args=[desk.claim.pk])))
    assert "contested" in body.lower()
    # ... but never the other annotators' annotations.
    AnnotationFactory(claim=desk.claim, annotator=desk.a2, rationale="Other-annotator-note")
    for url in [
        reverse("admin:articles_annotation_changelist"),
        reverse("admin:articles_claim_change", args=[desk.claim.pk]),
        reverse("admin:desk-annotate", args=[desk.claim.pk]),
    ]:
        assert "Other-annotator-note" not in text_of(client.get(url)), url


def test_blind_annotator_submits_then_seesmake_consensus(client, desk):
    client.force_login(desk.a3)
    url = reverse("admin:desk-annotate", args=[desk.claim.pk])
    assert "Blind until you submit" in text_of(client.get(url))
    response = client.post(
        url, {"label": "disputed", "confidence": "60", "rationale": "", "_next": "1"}
    )
    assert response.status_code == 200  # rationale missing: the form shows the error
    assert "required for disputed and false" in text_of(response)
    response = client.post(
        url,
        {
            "label": "disputed",
            "confidence": "60",
            "rationale": "Outlets disagree.",
            "evidence_links": "https://example.org/a\nnot-a-url",
            "_next": "1",
        },
    )
    assert response.status_code == 200
    assert "not a valid http(s) URL" in text_of(response)
    response = client.post(
        url,
        {
            "label": "disputed",
            "confidence": "60",
            "rationale": "Outlets disagree.",
            "evidence_links": "https://example.org/a",
            "_next": "1",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:desk-queue")
    assert Annotation.objects.get(claim=desk.claim, annotator=desk.a3).label == "disputed"
    assert "Blind until you submit" not in text_of(client.get(url))


def test_annotator_can_annotate_only_assigned_claims(client, desk):
    unassigned = ClaimFactory()
    client.force_login(desk.a2)
    url = reverse("admin:desk-annotate", args=[unassigned.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"label": "verified"}).status_code == 403
    assert not Annotation.objects.filter(claim=unassigned).exists()


def test_annotator_who_is_also_a_viewer_is_blind_until_they_rate(client, desk):
    """Regression: a user in Annotators and Viewers saw an unrated claim's consensus on the
    claim page, the consensus list and the consensus page."""
    client.force_login(desk.annotator_viewer)
    claim_page = text_of(client.get(reverse("admin:articles_claim_change", args=[desk.claim.pk])))
    assert "contested" not in claim_page.lower()
    assert "55%" not in claim_page
    listing = client.get(reverse("admin:articles_consensus_changelist"))
    assert listing.status_code == 200
    assert desk.consensus.pk not in [c.pk for c in listing.context["cl"].result_list]
    detail = client.get(reverse("admin:articles_consensus_change", args=[desk.consensus.pk]))
    assert detail.status_code == 302  # "not found" for them
    annotate = text_of(client.get(reverse("admin:desk-annotate", args=[desk.claim.pk])))
    assert "Blind until you submit" in annotate
    assert "contested" not in annotate.lower()
    # Reliability is everyone's record, not for annotators to read.
    reliability = client.get(reverse("admin:articles_annotatorreliability_changelist"))
    assert list(reliability.context["cl"].result_list) == []

    # Once they have rated the claim, its outcome is theirs to see.
    AnnotationFactory(claim=desk.claim, annotator=desk.annotator_viewer, label=Label.FALSE)
    claim_page = text_of(client.get(reverse("admin:articles_claim_change", args=[desk.claim.pk])))
    assert "contested" in claim_page.lower()
    detail = client.get(reverse("admin:articles_consensus_change", args=[desk.consensus.pk]))
    assert detail.status_code == 200


def test_annotator_who_is_also_an_editor_sees_everything(client, desk):
    client.force_login(desk.annotator_editor)
    claim_page = text_of(client.get(reverse("admin:articles_claim_change", args=[desk.claim.pk])))
    assert "contested" in claim_page.lower()
    assert SECRET_RATIONALE in claim_page


@pytest.mark.parametrize("who", ["a3", "annotator_viewer"])
@pytest.mark.parametrize(
    "query",
    ["updated_at__gte=2000-01-01", "updated_at__lt=2100-01-01", "created_by__username=x"],
)
def test_blind_users_cannot_filter_claims_by_when_others_rated(client, desk, who, query):
    client.force_login(getattr(desk, who))
    response = client.get(reverse("admin:articles_claim_changelist") + "?" + query)
    assert response.status_code in {400, 302}
    if response.status_code == 302:
        assert "e=1" in response["Location"]


def test_blind_users_may_still_filter_claims_by_status_and_search(client, desk):
    client.force_login(desk.annotator_viewer)
    url = reverse("admin:articles_claim_changelist")
    assert client.get(url + "?status__exact=open").status_code == 200
    assert client.get(url + "?q=OpenAI&mine=todo").status_code == 200
