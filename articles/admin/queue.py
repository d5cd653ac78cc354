"""The annotator's desk pages: "My queue" and the one-claim-per-screen annotate view.

Blind annotation: the annotate screen loads a claim's consensus only when
`roles.may_see_outcome` allows it (once the annotator has rated the claim).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from articles import roles
from articles.admin.common import form_errors, require_annotator
from articles.admin.forms import AnnotateForm
from articles.admin.paging import page_of
from articles.models import Claim
from articles.presentation import claim_passages
from articles.selectors.claims import claim_detail
from articles.selectors.outcomes import claim_consensus, claim_current_verdict
from articles.selectors.queues import (
    annotation_of,
    annotator_done,
    annotator_open_assignments,
    annotator_queue,
    annotator_queue_next,
    assignment_of,
)
from articles.services.annotations import annotation_outcome_seen, annotation_submit

if TYPE_CHECKING:
    from articles.admin.site import DeskAdminSite


QUEUE_PER_PAGE = 50


def queue_view(request: HttpRequest, *, site: DeskAdminSite) -> HttpResponse:
    """The claims assigned to the annotator that they have not rated, and their recent work."""
    user = require_annotator(request)
    # Counted through the open-assignment index; 50 a page.
    page = page_of(request, Paginator(annotator_queue(user=user), QUEUE_PER_PAGE))
    context = {
        **site.desk_context(request, title="My queue"),
        "queue": list(page.object_list),
        "queue_page": page,
        "done": list(annotator_done(user=user)),
    }
    return TemplateResponse(request, "admin/articles/annotation/queue.html", context)


def annotate_view(request: HttpRequest, *, site: DeskAdminSite, claim_id: int) -> HttpResponse:
    """Rate one claim (or revise one's rating): its passages, the verdict form and, once rated,
    its consensus."""
    user = require_annotator(request)
    status = Claim.objects.filter(pk=claim_id).values_list("status", flat=True).first()
    if status is None:
        raise Http404("No claim with this id.")
    mine = annotation_of(user=user, claim_id=claim_id)
    if mine is None and assignment_of(user=user, claim_id=claim_id) is None:
        raise PermissionDenied
    locked = status == Claim.Status.PUBLISHED
    if request.method == "POST" and not locked:
        form = AnnotateForm(request.POST)
        if form.is_valid():
            with form_errors(form) as errors:
                annotation_submit(
                    user=user,
                    claim_id=claim_id,
                    label=form.cleaned_data["label"],
                    confidence=form.cleaned_data["confidence"],
                    rationale=form.cleaned_data["rationale"],
                    evidence_links=form.links(),
                )
            if not errors:
                messages.success(request, "Saved your annotation.")
                nxt = annotator_queue_next(user=user, exclude_claim_id=claim_id)
                if nxt is not None and "_next" in request.POST:
                    return HttpResponseRedirect(reverse("admin:desk-annotate", args=(nxt,)))
                return HttpResponseRedirect(reverse("admin:desk-queue"))
    elif mine is not None:
        form = AnnotateForm(
            initial={
                "label": mine.label,
                "confidence": mine.confidence,
                "rationale": mine.rationale,
                "evidence_links": "\n".join(mine.evidence_links or []),
            },
            locked=locked,
        )
    else:
        form = AnnotateForm(locked=locked)
    claim = claim_detail(claim_id=claim_id)
    visible = roles.may_see_outcome(user, has_rated=mine is not None)
    consensus = claim_consensus(claim_id=claim_id) if visible else None
    verdict = claim_current_verdict(claim_id=claim_id) if visible else None
    if mine is not None and (
        verdict is not None or (consensus is not None and consensus.is_decided)
    ):
        # The author now sees the claim's outcome: a later change of label is a revision
        # after the reveal, kept but not counted.
        annotation_outcome_seen(user=user, claim_id=claim_id)
    queue = list(annotator_open_assignments(user=user).values_list("claim_id", flat=True))
    position = queue.index(claim_id) + 1 if claim_id in queue else None
    context = {
        **site.desk_context(request, title="Annotate"),
        "claim": claim,
        "passages": claim_passages(claim=claim),
        "form": form,
        "mine": mine,
        "locked": locked,
        "outcome_visible": visible,
        "consensus": consensus,
        "verdict": verdict,
        "position": position,
        "queue_length": len(queue),
    }
    return TemplateResponse(request, "admin/articles/annotation/annotate.html", context)
