"""The blind rule through every endpoint: an annotator (also one in Viewers) sees no consensus,
no other annotator's rating and no verdict of a claim they have not rated; once they rate it,
they do. Editors and viewers see everything."""

import pytest

from articles import roles
from articles.models import Annotation
from tests.api.conftest import in_groups, token_client


def _claim(client, claim_id):
    return client.get(f"/api/v1/claims/{claim_id}/").json()


def _assert_blind(client, desk):
    unrated = desk.unrated.pk
    # claims: list and detail carry no consensus of the unrated claim
    listed = {c["id"]: c for c in client.get("/api/v1/claims/").json()["results"]}
    assert listed[unrated]["consensus"] is None
    assert listed[desk.rated.pk]["consensus"]["probabilities"]["verified"] == 0.9
    assert _claim(client, unrated)["consensus"] is None
    # annotations: only their own
    annotations = client.get("/api/v1/annotations/").json()["results"]
    assert [a["id"] for a in annotations] == [desk.own_annotation.pk]
    assert client.get(f"/api/v1/annotations/{desk.other_annotation.pk}/").status_code == 404
    assert client.get(f"/api/v1/annotations/?claim={unrated}").json()["results"] == []
    # verdicts: none of the unrated claim, in any format
    verdicts = client.get("/api/v1/verdicts/").json()["results"]
    assert [v["claim"] for v in verdicts] == [desk.rated.pk]
    unrated_verdict = desk.unrated.verdicts.get().pk
    assert client.get(f"/api/v1/verdicts/{unrated_verdict}/").status_code == 404
    assert client.get(f"/api/v1/verdicts/{unrated_verdict}/?format=claimreview").status_code == 404
    csv_body = b"".join(client.get("/api/v1/verdicts/?format=csv").streaming_content).decode()
    assert desk.unrated.text not in csv_body
    assert desk.rated.text in csv_body
    jsonl = b"".join(client.get("/api/v1/verdicts/?format=jsonl").streaming_content).decode()
    assert desk.unrated.text not in jsonl
    reviews = client.get("/api/v1/verdicts/?format=claimreview").json()["results"]
    assert [r["claimReviewed"] for r in reviews] == [desk.rated.text]
    assert client.get("/api/v1/verdicts/?all_versions=true").json()["results"] == verdicts
    # assignments: their own queue only, which reveals nothing of others
    assignments = client.get("/api/v1/assignments/").json()["results"]
    assert {a["annotator"] for a in assignments} == {desk.annotator.pk}


@pytest.mark.django_db
@pytest.mark.parametrize("extra_groups", [(), (roles.VIEWERS,)])
def test_blind_annotator_through_every_endpoint(desk, extra_groups):
    from django.contrib.auth.models import Group

    for name in extra_groups:
        desk.annotator.groups.add(Group.objects.get(name=name))
    client = token_client(desk.annotator)
    _assert_blind(client, desk)


@pytest.mark.django_db
def test_blind_lifts_after_rating(desk):
    client = token_client(desk.annotator)
    from articles.models import Claim

    Claim.objects.filter(pk=desk.unrated.pk).update(status=Claim.Status.OPEN)
    response = client.post(
        "/api/v1/annotations/",
        {"claim": desk.unrated.pk, "label": "verified", "confidence": 70},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert _claim(client, desk.unrated.pk)["consensus"]["label"] == "verified"
    assert desk.unrated.pk in {
        v["claim"] for v in client.get("/api/v1/verdicts/").json()["results"]
    }
    # Still only their own annotations: the admin's rule (annotations_for_user).
    annotations = client.get("/api/v1/annotations/").json()["results"]
    assert {a["annotator"] for a in annotations} == {desk.annotator.pk}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "groups", [(roles.EDITORS,), (roles.VIEWERS,), (roles.ANNOTATORS, roles.EDITORS)]
)
def test_blind_does_not_apply_to_editors_and_viewers(desk, groups):
    client = token_client(in_groups(*groups))
    assert _claim(client, desk.unrated.pk)["consensus"]["label"] == "verified"
    verdicts = client.get("/api/v1/verdicts/").json()["results"]
    assert {v["claim"] for v in verdicts} == {desk.rated.pk, desk.unrated.pk}
    annotations = client.get("/api/v1/annotations/")
    if roles.EDITORS in groups:
        assert annotations.json()["count"] == Annotation.objects.count()
    else:
        assert annotations.status_code == 403
