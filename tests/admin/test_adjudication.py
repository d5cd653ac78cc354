"""The adjudication desk pages."""

import pytest
from django.urls import reverse

from articles.admin.adjudication import CONTESTED_PER_PAGE
from articles.models import (
    Verdict,
)
from articles.selectors.counts import desk_counts_refresh
from tests.admin.conftest import SECRET_RATIONALE, make_consensus, text_of
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db


def test_contested_queue_and_adjudicate_page(client, desk):
    client.force_login(desk.editor)
    body = text_of(client.get(reverse("admin:desk-contested")))
    assert desk.claim.text in body
    body = text_of(client.get(reverse("admin:desk-adjudicate", args=[desk.claim.pk])))
    assert SECRET_RATIONALE in body
    assert desk.a1.username in body
    # The consensus leans false: publishing another label needs a reason, shown once, at the
    # reason field.
    response = client.post(
        reverse("admin:desk-adjudicate", args=[desk.claim.pk]),
        {"do": "publish", "label": "verified", "reason": ""},
    )
    assert response.status_code == 200
    assert text_of(response).count("write the reason for the override") == 1
    assert "write the reason" in str(response.context["form"].errors["reason"])
    assert not Verdict.objects.filter(claim=desk.claim).exists()
    # Publishing the consensus label needs none.
    response = client.post(
        reverse("admin:desk-adjudicate", args=[desk.claim.pk]),
        {"do": "publish", "label": "false", "reason": ""},
    )
    assert response.status_code == 302
    assert Verdict.objects.get(claim=desk.claim).is_override is False


def _contested_claims(n):
    claims = ClaimFactory.create_batch(n)
    for claim in claims:
        make_consensus(claim)
    return claims


def test_contested_queue_is_paginated_by_the_cached_count(client, desk):
    claims = _contested_claims(CONTESTED_PER_PAGE + 5)
    client.force_login(desk.editor)
    first = client.get(reverse("admin:desk-contested"))
    listed = [claim.pk for claim, _ in first.context["contested"]]
    assert len(listed) == CONTESTED_PER_PAGE
    total = CONTESTED_PER_PAGE + 6  # the fixture's contested claim too
    assert first.context["contested_page"].paginator.count == total
    assert f"Contested (about {total})" in text_of(first)
    second = client.get(reverse("admin:desk-contested"), {"page": 2})
    rest = [claim.pk for claim, _ in second.context["contested"]]
    assert len(rest) == total - CONTESTED_PER_PAGE
    assert not set(listed) & set(rest)
    assert {c.pk for c in claims} <= set(listed) | set(rest)
    assert not second.context["contested_page"].has_next()
    # Past the end or nonsense: an empty page or the first, not an error.
    assert client.get(reverse("admin:desk-contested"), {"page": 99}).status_code == 200
    assert client.get(reverse("admin:desk-contested"), {"page": "x"}).status_code == 200


def test_contested_queue_lists_claims_contested_after_the_count(client, desk):
    client.force_login(desk.editor)
    client.get(reverse("admin:desk-contested"))  # counts cached
    (late,) = _contested_claims(1)
    listed = [
        claim.pk for claim, _ in client.get(reverse("admin:desk-contested")).context["contested"]
    ]
    assert late.pk in listed


def test_contested_queue_query_count_bounded_by_the_page(
    client, desk, django_assert_num_queries, django_assert_max_num_queries
):
    client.force_login(desk.editor)
    url = reverse("admin:desk-contested")
    client.get(url)  # counts cached
    with django_assert_max_num_queries(12) as small:
        client.get(url)
    _contested_claims(3 * CONTESTED_PER_PAGE)
    desk_counts_refresh()
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert len(response.context["contested"]) == CONTESTED_PER_PAGE
