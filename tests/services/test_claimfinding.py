import pytest
from django.core.exceptions import ValidationError

from articles.exceptions import ApplicationError, PermissionDenied
from articles.models import (
    Article,
    ClaimAppearance,
    ClaimSuggestion,
    ContradictionFlag,
    ProposedAppearance,
    SuggestionGroup,
)
from articles.selectors.claimfinding import article_page_suggestions, article_suggestions
from articles.services.claimfinding import (
    claim_contradictions_recompute,
    claims_contradictions_recompute,
    claims_find_after_import,
    claims_find_for_articles,
    match_confirm,
    match_reject,
    suggestion_accept,
    suggestion_reject,
)
from articles.services.claims import claim_create
from tests.factories import ArticleFactory

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
OTHER = "The city council approved a €40 million budget for the tram line, the mayor said."


def _span(body, sentence):
    start = body.index(sentence)
    return start, start + len(sentence)


@pytest.fixture
def fee_articles():
    return [
        ArticleFactory(body=FEE_A, title="A"),
        ArticleFactory(body=FEE_C, title="C"),
        ArticleFactory(body=OTHER, title="O"),
    ]


def test_find_groups_one_claim_across_articles_and_is_idempotent(fee_articles):
    ids = [a.pk for a in fee_articles]
    result = claims_find_for_articles(article_ids=ids)
    assert result["groups"] == 1
    group = SuggestionGroup.objects.get()
    members = ClaimSuggestion.objects.filter(group=group)
    assert sorted(m.article_id for m in members) == ids[:2]
    for row in ClaimSuggestion.objects.select_related("article"):
        assert row.article.body[row.start : row.end] == row.text
        assert row.reasons
    # Stored: the group's sentences only. The third article's suggestion stands alone: it is
    # scored where it is shown (the article page), not stored.
    assert result["suggested"] == 3
    assert result["grouped"] == ClaimSuggestion.objects.count() == 2
    assert not ClaimSuggestion.objects.filter(article=fee_articles[2]).exists()
    [alone] = article_suggestions(article_ids=[fee_articles[2].pk])
    assert alone.reasons
    # Every article is marked as gone over; a second run leaves them alone and writes nothing.
    assert Article.objects.filter(pk__in=ids, claims_found_at__isnull=True).count() == 0
    again = claims_find_for_articles(article_ids=ids)
    assert again["articles"] == again["suggested"] == again["grouped"] == 0
    assert ClaimSuggestion.objects.count() == 2
    assert SuggestionGroup.objects.count() == 1


def test_accept_group_makes_one_claim_with_an_appearance_per_article(editor, fee_articles):
    claims_find_for_articles(article_ids=[a.pk for a in fee_articles])
    first = ClaimSuggestion.objects.filter(group__isnull=False).order_by("-score").first()
    claim = suggestion_accept(
        user=editor, article_id=first.article_id, start=first.start, end=first.end
    )
    assert claim.text == first.text
    assert sorted(claim.appearances.values_list("article_id", flat=True)) == sorted(
        a.pk for a in fee_articles[:2]
    )
    assert set(
        ClaimSuggestion.objects.filter(group=first.group).values_list("status", flat=True)
    ) == {"accepted"}
    # Accepted sentences are not suggested again, and cannot be accepted twice.
    suggested = {(c.article_id, c.start) for c in article_suggestions()}
    assert (first.article_id, first.start) not in suggested
    with pytest.raises(ApplicationError):
        suggestion_accept(
            user=editor, article_id=first.article_id, start=first.start, end=first.end
        )


def test_reject_is_remembered(editor):
    article = ArticleFactory(body=OTHER)
    [candidate] = article_suggestions(article_ids=[article.pk])
    suggestion_reject(user=editor, article_id=article.pk, start=candidate.start, end=candidate.end)
    assert article_suggestions(article_ids=[article.pk]) == []
    claims_find_for_articles(article_ids=[article.pk])
    assert ClaimSuggestion.objects.get().status == ClaimSuggestion.Status.REJECTED


def test_decisions_need_an_editor_and_a_real_sentence(editor, annotator):
    article = ArticleFactory(body=OTHER)
    with pytest.raises(PermissionDenied):
        suggestion_reject(user=annotator, article_id=article.pk, start=0, end=10)
    with pytest.raises(ValidationError):
        suggestion_accept(user=editor, article_id=article.pk, start=5, end=500)
    with pytest.raises(ValidationError):
        suggestion_reject(user=editor, article_id=article.pk, start=3, end=3)
    assert ClaimSuggestion.objects.count() == 0


def test_matching_proposes_appearances_and_flags_contradictions(editor):
    source = ArticleFactory(body=FEE_A)
    sentence = "Large companies face fees of up to $42,000 per month, the company said."
    start, end = _span(FEE_A, sentence)
    claim = claim_create(
        user=editor,
        text="Twitter's API costs large companies up to $42,000 a month",
        article_id=source.pk,
        start=start,
        end=end,
        quote=sentence,
    )
    newcomer = ArticleFactory(body=FEE_B)
    claims_find_for_articles(article_ids=[newcomer.pk])
    proposal = ProposedAppearance.objects.get()
    assert proposal.claim_id == claim.pk
    assert proposal.article_id == newcomer.pk
    assert newcomer.body[proposal.start : proposal.end] == proposal.quote
    assert 0 < proposal.similarity <= 1
    # The proposal already shows the contradiction: two different fees, both sources.
    flag = ContradictionFlag.objects.get(claim=claim, kind="money")
    assert flag.first_article_id == source.pk
    assert flag.first_values == ["$42,000"]
    assert flag.second_article_id == newcomer.pk
    assert flag.second_values == ["42,000 USD", "210,000 USD"]
    assert flag.second_proposed is True

    appearance = match_confirm(user=editor, proposal_id=proposal.pk)
    assert appearance.claim_id == claim.pk
    proposal.refresh_from_db()
    assert proposal.status == ProposedAppearance.Status.CONFIRMED
    assert proposal.appearance_id == appearance.pk
    assert ContradictionFlag.objects.get(claim=claim, kind="money").second_proposed is False
    with pytest.raises(ApplicationError):
        match_confirm(user=editor, proposal_id=proposal.pk)


def test_match_reject_drops_the_flag_and_is_not_proposed_again(editor, annotator):
    source = ArticleFactory(body=FEE_A)
    sentence = "Large companies face fees of up to $42,000 per month, the company said."
    start, end = _span(FEE_A, sentence)
    claim = claim_create(
        user=editor, text=sentence, article_id=source.pk, start=start, end=end, quote=sentence
    )
    newcomer = ArticleFactory(body=FEE_B)
    claims_find_for_articles(article_ids=[newcomer.pk])
    proposal = ProposedAppearance.objects.get()
    match_reject(user=editor, proposal_id=proposal.pk)
    assert not ContradictionFlag.objects.filter(claim=claim).exists()
    claims_find_for_articles(article_ids=[newcomer.pk])
    assert ProposedAppearance.objects.get().status == ProposedAppearance.Status.REJECTED
    assert not ClaimAppearance.objects.filter(article=newcomer).exists()
    with pytest.raises(PermissionDenied):
        match_reject(user=annotator, proposal_id=proposal.pk)


def test_contradictions_recompute_replaces_flags(editor):
    article = ArticleFactory(body="Musk sued on Wednesday. Musk sued on April 20, 2023.")
    claim = claim_create(user=editor, text="Musk sued")
    for sentence in ("Musk sued on Wednesday.", "Musk sued on April 20, 2023."):
        start, end = _span(article.body, sentence)
        ClaimAppearance.objects.create(
            claim=claim, article=article, start=start, end=end, quote=sentence
        )
    assert claim_contradictions_recompute(claim_id=claim.pk) == 1
    assert claim_contradictions_recompute(claim_id=claim.pk) == 1
    flag = ContradictionFlag.objects.get()
    assert flag.first_values == ["Wednesday"]
    assert flag.second_values == ["April 20, 2023 (a Thursday)"]


def test_after_import_enqueues_on_commit(
    fee_articles, django_capture_on_commit_callbacks, settings
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        claims_find_after_import(article_ids=[a.pk for a in fee_articles])
    assert len(callbacks) == 1
    assert ClaimSuggestion.objects.exists()
    settings.FACTCHECK_CLAIMFINDING_ON_IMPORT = False
    with django_capture_on_commit_callbacks() as callbacks:
        claims_find_after_import(article_ids=[a.pk for a in fee_articles])
    assert callbacks == []


def test_page_suggestions_show_group_siblings(fee_articles, django_assert_max_num_queries):
    claims_find_for_articles(article_ids=[a.pk for a in fee_articles])
    with django_assert_max_num_queries(6):
        rows = article_page_suggestions(article_id=fee_articles[0].pk)
    grouped = [r for r in rows if r.siblings]
    assert len(grouped) == 1
    assert grouped[0].siblings[0].article_id == fee_articles[1].pk


def test_task_twice_is_idempotent(fee_articles):
    from articles.tasks import claims_find_for_articles_task

    ids = [a.pk for a in fee_articles]
    first = claims_find_for_articles_task(ids)
    count = ClaimSuggestion.objects.count()
    second = claims_find_for_articles_task(ids)
    assert first["grouped"] == count > 0
    assert first["articles"] == 3
    assert second["articles"] == second["grouped"] == 0
    assert ClaimSuggestion.objects.count() == count
    assert claims_find_for_articles_task([999999])["articles"] == 0


def test_import_queues_claim_finding_for_imported_articles(
    editor, django_capture_on_commit_callbacks
):
    from articles.services.imports import articles_import_uploads

    files = [
        ("a.txt", ("Fees\n\n" + FEE_A).encode()),
        ("c.txt", ("Fees again\n\n" + FEE_C).encode()),
    ]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        results = articles_import_uploads(files=files, imported_by=editor)
    assert len(callbacks) == 1
    assert [r.status for r in results] == ["imported", "imported"]
    ids = sorted(r.article_id or 0 for r in results)
    group = SuggestionGroup.objects.get()
    assert sorted(group.members.values_list("article_id", flat=True)) == ids
    # Re-importing the same files (duplicates) queues nothing.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        articles_import_uploads(files=files, imported_by=editor)
    assert callbacks == []
    assert SuggestionGroup.objects.count() == 1


def test_contradictions_recompute_for_many_claims_in_constant_queries(
    editor, django_assert_max_num_queries
):
    article = ArticleFactory(body="The fee is $5. The fee is $6.")
    claims = [claim_create(user=editor, text=f"Fee {i}") for i in range(5)]
    for claim in claims:
        for sentence in ("The fee is $5.", "The fee is $6."):
            start, end = _span(article.body, sentence)
            ClaimAppearance.objects.create(
                claim=claim, article=article, start=start, end=end, quote=sentence
            )
    # two reads, one delete, one insert (plus savepoints of the atomic block)
    with django_assert_max_num_queries(6):
        assert claims_contradictions_recompute(claim_ids=[c.pk for c in claims]) == 5
    assert ContradictionFlag.objects.count() == 5


def test_article_page_says_when_the_job_went_over_the_article(client, editor, fee_articles):
    from django.urls import reverse

    client.force_login(editor)
    url = reverse("admin:articles_article_change", args=[fee_articles[0].pk])
    before = client.get(url).content.decode()
    assert "Claims found at" in before
    assert Article.objects.get(pk=fee_articles[0].pk).claims_found_at is None

    claims_find_for_articles(article_ids=[a.pk for a in fee_articles])

    found_at = Article.objects.get(pk=fee_articles[0].pk).claims_found_at
    assert found_at is not None
    after = client.get(url).content.decode()

    def shown(page: str) -> str:  # the readonly value after the label
        return page.split("Claims found at", 1)[1][:400]

    assert str(found_at.year) in shown(after)
    assert str(found_at.year) not in shown(before)
