import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from articles.exceptions import PermissionDenied
from articles.models import Claim, Consensus, ConsensusStatus, Label, Verdict
from articles.services.verdicts import verdict_publish
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db


def _consensus(claim, *, label, status):
    return Consensus.objects.create(
        claim=claim,
        label=label,
        status=status,
        method="test",
        n_annotations=3,
        fingerprint="f",
        computed_at=timezone.now(),
        agreement=0.9,
    )


def test_verdict_publish_defaults_to_the_settled_consensus(editor):
    claim = ClaimFactory()
    _consensus(claim, label=Label.FALSE, status=ConsensusStatus.SETTLED)
    verdict = verdict_publish(user=editor, claim_id=claim.pk)
    assert (verdict.label, verdict.version, verdict.is_override) == (Label.FALSE, 1, False)
    assert (verdict.consensus_label, verdict.consensus_status) == ("false", "settled")
    assert verdict.published_by == editor
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PUBLISHED


def test_verdict_publish_override_needs_a_reason(editor):
    claim = ClaimFactory()
    _consensus(claim, label=Label.FALSE, status=ConsensusStatus.SETTLED)
    with pytest.raises(ValidationError) as err:
        verdict_publish(user=editor, claim_id=claim.pk, label=Label.VERIFIED, reason=" ")
    assert "reason" in err.value.message_dict
    verdict = verdict_publish(
        user=editor, claim_id=claim.pk, label=Label.VERIFIED, reason="Primary source confirms it."
    )
    assert verdict.is_override is True


@pytest.mark.parametrize("status", [ConsensusStatus.PENDING, None])
def test_verdict_publish_without_a_consensus_is_an_override(editor, status):
    claim = ClaimFactory()
    if status:
        _consensus(claim, label=Label.DISPUTED, status=status)
    with pytest.raises(ValidationError):
        verdict_publish(user=editor, claim_id=claim.pk, label=Label.DISPUTED)
    verdict = verdict_publish(
        user=editor, claim_id=claim.pk, label=Label.DISPUTED, reason="Adjudicated by the desk."
    )
    assert verdict.is_override is True


def test_verdict_publish_of_a_contested_consensus_label_needs_no_reason(editor):
    # The rule as the adjudicate screen states it: a reason is needed when the verdict differs
    # from the consensus label, or when there is no consensus yet.
    claim = ClaimFactory()
    _consensus(claim, label=Label.DISPUTED, status=ConsensusStatus.CONTESTED)
    verdict = verdict_publish(user=editor, claim_id=claim.pk, label=Label.DISPUTED)
    assert verdict.is_override is False
    assert verdict.consensus_status == ConsensusStatus.CONTESTED


def test_verdict_publish_needs_a_label_without_consensus(editor):
    with pytest.raises(ValidationError, match="choose a verdict"):
        verdict_publish(user=editor, claim_id=ClaimFactory().pk, reason="x")


def test_verdict_publish_stale_consensus_is_not_settled(editor):
    claim = ClaimFactory(consensus_stale=True)
    _consensus(claim, label=Label.VERIFIED, status=ConsensusStatus.SETTLED)
    with pytest.raises(ValidationError):
        verdict_publish(user=editor, claim_id=claim.pk)


def test_verdict_publish_again_keeps_earlier_versions(editor):
    claim = ClaimFactory()
    _consensus(claim, label=Label.FALSE, status=ConsensusStatus.SETTLED)
    first = verdict_publish(user=editor, claim_id=claim.pk)
    second = verdict_publish(
        user=editor, claim_id=claim.pk, label=Label.DISPUTED, reason="New evidence."
    )
    assert [v.version for v in Verdict.objects.order_by("version")] == [1, 2]
    assert Verdict.objects.get(pk=first.pk).label == Label.FALSE
    assert second.history.get().history_user == editor


def test_verdict_publish_refuses_non_editors(annotator, viewer):
    claim = ClaimFactory()
    for user in (annotator, viewer):
        with pytest.raises(PermissionDenied):
            verdict_publish(user=user, claim_id=claim.pk, label=Label.FALSE, reason="x")
    assert not Verdict.objects.exists()
