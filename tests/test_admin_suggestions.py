"""Claim finding in the admin: suggestions on the article page (editors only), accepting and
rejecting them, proposed appearances, and contradiction flags on the claim page."""

import pytest
from django.urls import reverse

from articles.models import ClaimAppearance, ClaimSuggestion, ProposedAppearance
from articles.selectors.claimfinding import article_suggestions
from articles.services.claimfinding import claims_find_for_articles
from articles.services.claims import claim_create
from tests.factories import AnnotatorFactory, ArticleFactory, EditorFactory, ViewerFactory

pytestmark = pytest.mark.django_db

FEE_A = (
    "Twitter will charge for its API. Large companies face fees of up to $42,000 per month, "
    "the company said. The weather was fine."
)
FEE_B = (
    "Large companies will face API fees from 42,000 USD to 210,000 USD per month, reports "
    "said. Nobody knows why."
)
FEE_C = "Twitter said large companies will face API fees of up to $42,000 per month. Fine."


def _change(article):
    return reverse("admin:articles_article_change", args=(article.pk,))


def test_editor_sees_ranked_suggestions_with_reasons(client, django_assert_max_num_queries):
    article = ArticleFactory(body=FEE_A)
    client.force_login(EditorFactory())
    with django_assert_max_num_queries(30):
        response = client.get(_change(article))
    html = response.content.decode()
    assert 'id="fc-suggestions"' in html
    assert "Large companies face fees of up to $42,000 per month, the company said." in html
    assert "money amount: $42,000 (+2)" in html
    assert "Accept as claim" in html


@pytest.mark.parametrize("factory", [AnnotatorFactory, ViewerFactory])
def test_non_editors_see_no_suggestions_and_cannot_decide(client, factory):
    article = ArticleFactory(body=FEE_A)
    client.force_login(factory())
    response = client.get(_change(article))
    assert 'id="fc-suggestions"' not in response.content.decode()
    url = reverse("admin:articles_suggestion_decide", args=(article.pk, "accept"))
    assert client.post(url, {"start": 0, "end": 10}).status_code == 403
    assert client.get(reverse("admin:articles_proposedappearance_changelist")).status_code == 403
    assert not ClaimSuggestion.objects.exists()


def test_accept_in_one_click_then_reject_another(client):
    article = ArticleFactory(
        body=FEE_A + " Police arrested 12 people after the match on Saturday, officials said."
    )
    client.force_login(EditorFactory())
    first, *rest = article_suggestions(article_ids=[article.pk])
    url = reverse("admin:articles_suggestion_decide", args=(article.pk, "accept"))
    response = client.post(url, {"start": first.start, "end": first.end})
    assert response.status_code == 302
    assert response["Location"] == _change(article)
    appearance = ClaimAppearance.objects.get()
    assert appearance.quote == first.text
    assert appearance.claim.text == first.text
    assert len(rest) == 1
    url = reverse("admin:articles_suggestion_decide", args=(article.pk, "reject"))
    client.post(url, {"start": rest[0].start, "end": rest[0].end})
    assert article_suggestions(article_ids=[article.pk]) == []
    # A stale span gets a message, not an error page, and writes nothing.
    response = client.post(url, {"start": 3, "end": 9999}, follow=True)
    assert response.status_code == 200
    assert "not in the article" in response.content.decode()
    assert ClaimSuggestion.objects.count() == 2


def test_grouped_suggestion_lists_other_outlets_and_accepts_all(client):
    a, c = (
        ArticleFactory(body=FEE_A, publisher="Outlet A"),
        ArticleFactory(body=FEE_C, publisher="Outlet C"),
    )
    claims_find_for_articles(article_ids=[a.pk, c.pk])
    client.force_login(EditorFactory())
    html = client.get(_change(a)).content.decode()
    assert "Also stated in 1 other article" in html
    assert "Outlet C" in html
    row = ClaimSuggestion.objects.filter(article=a, group__isnull=False).get()
    client.post(
        reverse("admin:articles_suggestion_decide", args=(a.pk, "accept")),
        {"start": row.start, "end": row.end},
    )
    assert sorted(ClaimAppearance.objects.values_list("article_id", flat=True)) == [a.pk, c.pk]


def test_proposed_appearance_confirm_and_contradictions_on_claim_page(client, editor):
    source = ArticleFactory(body=FEE_A, publisher="Outlet A")
    sentence = "Large companies face fees of up to $42,000 per month, the company said."
    start = FEE_A.index(sentence)
    claim = claim_create(
        user=editor,
        text=sentence,
        article_id=source.pk,
        start=start,
        end=start + len(sentence),
        quote=sentence,
    )
    newcomer = ArticleFactory(body=FEE_B, publisher="Outlet B")
    claims_find_for_articles(article_ids=[newcomer.pk])
    proposal = ProposedAppearance.objects.get()
    client.force_login(editor)
    listing = client.get(reverse("admin:articles_proposedappearance_changelist"))
    assert listing.status_code == 200
    assert proposal.quote[:60] in listing.content.decode()
    page = client.get(_change(newcomer)).content.decode()
    assert 'id="fc-proposals"' in page

    claim_page = client.get(reverse("admin:articles_claim_change", args=(claim.pk,)))
    html = claim_page.content.decode()
    assert 'id="fc-contradictions"' in html
    assert "$42,000" in html
    assert "42,000 USD, 210,000 USD" in html
    assert "Outlet A" in html
    assert "Outlet B" in html

    url = reverse("admin:articles_proposedappearance_decide", args=(proposal.pk, "confirm"))
    assert client.post(url).status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposedAppearance.Status.CONFIRMED
    assert ClaimAppearance.objects.filter(claim=claim, article=newcomer).exists()
    # Deciding twice is a message, not an error.
    response = client.post(url, follow=True)
    assert "confirmed already" in response.content.decode()


def test_proposal_admin_actions_reject(client, editor):
    source = ArticleFactory(body=FEE_A)
    sentence = "Large companies face fees of up to $42,000 per month, the company said."
    start = FEE_A.index(sentence)
    claim_create(
        user=editor,
        text=sentence,
        article_id=source.pk,
        start=start,
        end=start + len(sentence),
        quote=sentence,
    )
    claims_find_for_articles(article_ids=[ArticleFactory(body=FEE_B).pk])
    proposal = ProposedAppearance.objects.get()
    client.force_login(editor)
    response = client.post(
        reverse("admin:articles_proposedappearance_changelist"),
        {"action": "reject_selected", "_selected_action": [proposal.pk]},
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposedAppearance.Status.REJECTED


def test_annotator_sees_no_contradictions_panel(client, editor):
    claim = claim_create(user=editor, text="A claim")
    annotator = AnnotatorFactory()
    client.force_login(annotator)
    response = client.get(reverse("admin:articles_claim_change", args=(claim.pk,)))
    assert 'id="fc-contradictions"' not in response.content.decode()
