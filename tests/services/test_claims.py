import pytest
from django.core.exceptions import ValidationError

from articles.exceptions import ApplicationError, PermissionDenied
from articles.models import Assignment, Claim, ClaimAppearance, ContradictionFlag
from articles.services.claims import (
    appearance_add,
    claim_create,
    claim_send_back,
    claim_update,
    claims_set_required_annotations,
)
from tests.factories import AnnotatorFactory, ArticleFactory, ClaimAppearanceFactory, ClaimFactory

pytestmark = pytest.mark.django_db

BODY = "Elon Musk threatened to sue Microsoft.\r\nHe said OpenAI was trained on Twitter data.\n"


@pytest.fixture
def article():
    return ArticleFactory(body=BODY)


def test_claim_create_with_span_anchors_the_quote(editor, article):
    start = BODY.index("OpenAI")
    end = BODY.index(" data.") + len(" data")
    claim = claim_create(
        user=editor,
        text="  OpenAI was trained on Twitter data ",
        claimant="Elon Musk",
        article_id=article.pk,
        start=start,
        end=end,
        quote=BODY[start:end],
    )
    assert claim.text == "OpenAI was trained on Twitter data"
    assert claim.created_by == editor
    assert claim.required_annotations == 3
    (appearance,) = claim.appearances.all()
    assert (appearance.start, appearance.end) == (start, end)
    assert appearance.quote == article.body[start:end]
    assert claim.history.count() == 1
    assert claim.history.first().history_user == editor


def test_claim_create_refuses_non_editors(annotator):
    with pytest.raises(PermissionDenied):
        claim_create(user=annotator, text="Something")
    assert not Claim.objects.exists()


def test_claim_create_rolls_back_when_the_span_is_bad(editor, article):
    with pytest.raises(ValidationError):
        claim_create(
            user=editor, text="X", article_id=article.pk, start=0, end=5, quote="not in body"
        )
    assert not Claim.objects.exists()


def test_appearance_add_fixes_offsets_drifted_by_newline_normalisation(editor, article):
    claim = ClaimFactory()
    # The browser sees "\r\n" as one character, so its offsets after it are one short.
    true_start = BODY.index("He said")
    text = "He said OpenAI was trained"
    appearance = appearance_add(
        user=editor,
        claim_id=claim.pk,
        article_id=article.pk,
        start=true_start - 1,
        end=true_start - 1 + len(text),
        text=text,
    )
    assert appearance.start == true_start
    assert appearance.quote == article.body[appearance.start : appearance.end] == text


def test_appearance_add_matches_across_newline_differences(editor, article):
    claim = ClaimFactory()
    text = "sue Microsoft.\nHe said"  # selection text has "\n", the body "\r\n"
    appearance = appearance_add(
        user=editor, claim_id=claim.pk, article_id=article.pk, start=22, end=44, text=text
    )
    assert appearance.quote == "sue Microsoft.\r\nHe said"
    assert article.body[appearance.start : appearance.end] == appearance.quote


def test_appearance_add_picks_the_occurrence_nearest_the_selection(editor):
    body = "Musk said it. " * 5
    article = ArticleFactory(body=body)
    claim = ClaimFactory()
    appearance = appearance_add(
        user=editor, claim_id=claim.pk, article_id=article.pk, start=43, end=50, text="said it"
    )
    assert appearance.start == body.index("said it", 40)


def test_appearance_add_strips_whitespace_of_the_selection(editor, article):
    claim = ClaimFactory()
    start = BODY.index("Elon")
    appearance = appearance_add(
        user=editor,
        claim_id=claim.pk,
        article_id=article.pk,
        start=start,
        end=start + 10,
        text="Elon Musk ",
    )
    assert appearance.quote == "Elon Musk"


@pytest.mark.parametrize("text", ["not in the article at all", "   "])
def test_appearance_add_rejects_text_not_in_the_article(editor, article, text):
    claim = ClaimFactory()
    with pytest.raises(ValidationError) as error:
        appearance_add(
            user=editor, claim_id=claim.pk, article_id=article.pk, start=0, end=5, text=text
        )
    assert "quote" in error.value.message_dict
    assert not ClaimAppearance.objects.exists()


def test_appearance_add_rejects_the_same_span_twice(editor, article):
    claim = ClaimFactory()
    appearance_add(
        user=editor, claim_id=claim.pk, article_id=article.pk, start=0, end=9, text="Elon Musk"
    )
    with pytest.raises(ValidationError, match="already anchored"):
        appearance_add(
            user=editor, claim_id=claim.pk, article_id=article.pk, start=0, end=9, text="Elon Musk"
        )


def test_appearance_add_attaches_a_claim_to_a_second_article(editor, article):
    other = ArticleFactory(body="Reuters: OpenAI was trained on Twitter data, Musk says.")
    claim = claim_create(
        user=editor,
        text="OpenAI was trained on Twitter data",
        article_id=article.pk,
        start=BODY.index("OpenAI"),
        end=BODY.index("OpenAI") + 6,
        quote="OpenAI",
    )
    appearance_add(
        user=editor,
        claim_id=claim.pk,
        article_id=other.pk,
        start=9,
        end=43,
        text="OpenAI was trained on Twitter data",
    )
    assert claim.appearances.count() == 2


def test_claim_update_changes_wording_but_never_moves_anchors(editor):
    appearance = ClaimAppearanceFactory()
    claim = appearance.claim
    before = list(ClaimAppearance.objects.values_list("id", "start", "end", "quote"))
    updated = claim_update(user=editor, claim_id=claim.pk, text="New wording", claimant="Musk")
    assert (updated.text, updated.claimant) == ("New wording", "Musk")
    assert list(ClaimAppearance.objects.values_list("id", "start", "end", "quote")) == before
    assert claim.history.first().history_user == editor


def test_claim_update_without_changes_writes_nothing(editor):
    claim = ClaimFactory()
    claim_update(user=editor, claim_id=claim.pk, text=Claim.objects.get(pk=claim.pk).text)
    assert claim.history.count() == 1


def test_claim_update_rejects_empty_wording(editor):
    claim = ClaimFactory()
    with pytest.raises(ValidationError):
        claim_update(user=editor, claim_id=claim.pk, text="   ")


def test_claim_send_back_raises_required_reopens_and_assigns(editor):
    claim = ClaimFactory(status=Claim.Status.PUBLISHED, required_annotations=3)
    annotators = AnnotatorFactory.create_batch(4)
    for annotator in annotators[:3]:
        Assignment.objects.create(
            claim=claim, annotator=annotator, completed_at="2024-01-01T00:00:00Z"
        )
    claim_send_back(user=editor, claim_id=claim.pk, extra_annotations=1)
    claim.refresh_from_db()
    assert claim.required_annotations == 4
    assert claim.status == Claim.Status.OPEN
    assert Assignment.objects.get(claim=claim, completed_at__isnull=True).annotator == annotators[3]


def test_claim_send_back_needs_a_positive_count(editor):
    claim = ClaimFactory()
    with pytest.raises(ApplicationError):
        claim_send_back(user=editor, claim_id=claim.pk, extra_annotations=0)


def test_claims_set_required_annotations(editor):
    claims = ClaimFactory.create_batch(2, required_annotations=3)
    assert (
        claims_set_required_annotations(
            user=editor, claim_ids=[c.pk for c in claims], required_annotations=5
        )
        == 2
    )
    assert set(Claim.objects.values_list("required_annotations", flat=True)) == {5}


def test_claims_delete_is_for_editors_only(annotator):
    from articles.exceptions import PermissionDenied
    from articles.services.claims import claim_delete

    claim = ClaimFactory()
    with pytest.raises(PermissionDenied):
        claim_delete(user=annotator, claim_id=claim.pk)
    assert Claim.objects.filter(pk=claim.pk).exists()


def test_claim_delete_of_a_missing_claim_is_a_clear_error(editor):
    from articles.services.claims import claim_delete

    with pytest.raises(ApplicationError, match="no longer exists"):
        claim_delete(user=editor, claim_id=999_999)


def test_appearance_add_refreshes_contradictions_on_commit(
    editor, django_capture_on_commit_callbacks
):
    one = "Twitter will charge up to $42,000 a month for its API."
    other = "Twitter will charge $210,000 a month for its API."
    first, second = ArticleFactory(body=one), ArticleFactory(body=other)
    claim = claim_create(
        user=editor,
        text="Twitter will charge for its API",
        article_id=first.pk,
        start=0,
        end=len(one),
        quote=one,
    )
    assert not ContradictionFlag.objects.filter(claim=claim).exists()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        appearance_add(
            user=editor,
            claim_id=claim.pk,
            article_id=second.pk,
            start=0,
            end=len(other),
            text=other,
        )
    assert len(callbacks) == 1
    flag = ContradictionFlag.objects.get(claim=claim)
    assert (flag.kind, flag.first_article_id, flag.second_article_id) == (
        "money",
        first.pk,
        second.pk,
    )
