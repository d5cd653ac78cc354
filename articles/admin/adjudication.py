"""The editors' adjudication desk pages: the queue of claims awaiting a decision and the screen
where an editor publishes a verdict or sends a claim back for more annotations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse

from articles import roles
from articles.admin.common import form_errors, log_desk_action, require_editor
from articles.admin.forms import AdjudicateForm, SendBackForm
from articles.admin.paging import ProbingPaginator, page_of
from articles.models import Claim, Consensus, Label
from articles.presentation import claim_passages, counted
from articles.selectors.claims import claim_adjudication
from articles.selectors.counts import desk_wide_counts
from articles.selectors.outcomes import (
    claims_ready_to_publish,
    contested_queue,
    contested_reasons,
)
from articles.services.claims import claim_send_back
from articles.services.verdicts import verdict_publish

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

    from articles.admin.site import DeskAdminSite


def may_publish(user: Any) -> bool:
    """Editors holding the permission to add verdicts."""
    return roles.is_editor(user) and bool(user.has_perm("articles.add_verdict"))


def _require_publisher(request: HttpRequest) -> AbstractBaseUser:
    user = require_editor(request)
    if not may_publish(user):
        raise PermissionDenied
    return user


CONTESTED_PER_PAGE = 50


def contested_view(request: HttpRequest, *, site: DeskAdminSite) -> HttpResponse:
    """Claims awaiting adjudication, and settled claims ready to publish: a page of each
    (`page` and `ready_page`), always current; their totals are the desk's cached counts (as of
    `counted_at`)."""
    _require_publisher(request)
    counts, counted_at = desk_wide_counts()
    contested_page = page_of(
        request,
        ProbingPaginator(contested_queue(), CONTESTED_PER_PAGE, count=counts["contested"]),
    )
    ready_page = page_of(
        request,
        ProbingPaginator(claims_ready_to_publish(), CONTESTED_PER_PAGE, count=counts["ready"]),
        param="ready_page",
    )
    contested = list(contested_page.object_list)
    reasons = contested_reasons(claims=contested)
    context = {
        **site.desk_context(request, title="Adjudication"),
        "contested": [(claim, reasons[claim.pk]) for claim in contested],
        "contested_page": contested_page,
        "ready": list(ready_page.object_list),
        "ready_page": ready_page,
        "counted_at": counted_at,
    }
    return TemplateResponse(request, "admin/articles/claim/contested.html", context)


def adjudicate_view(request: HttpRequest, *, site: DeskAdminSite, claim_id: int) -> HttpResponse:
    """Publish a verdict on one claim (defaulting to its consensus) or send it back."""
    user = _require_publisher(request)
    get_object_or_404(Claim, pk=claim_id)
    here = reverse("admin:desk-adjudicate", args=(claim_id,))
    claim = claim_adjudication(claim_id=claim_id)
    consensus: Consensus | None = getattr(claim, "consensus", None)
    default_label = consensus.label if consensus and consensus.label else ""
    form = AdjudicateForm(initial={"label": default_label})
    send_back_form = SendBackForm()
    if request.method == "POST":
        if request.POST.get("do") == "send_back":
            send_back_form = SendBackForm(request.POST)
            if send_back_form.is_valid():
                with form_errors(send_back_form) as errors:
                    claim_send_back(
                        user=user,
                        claim_id=claim_id,
                        extra_annotations=send_back_form.cleaned_data["extra_annotations"],
                    )
                if not errors:
                    extra_n = send_back_form.cleaned_data["extra_annotations"]
                    log_desk_action(
                        request, claim, f"Sent back for {counted(extra_n, 'more rating')}"
                    )
                    messages.success(request, "Sent back for more annotations.")
                    return HttpResponseRedirect(reverse("admin:desk-contested"))
        else:
            form = AdjudicateForm(request.POST)
            still_open = _open_assignees(claim)
            if form.is_valid():
                with form_errors(form) as errors:
                    verdict = verdict_publish(
                        user=user,
                        claim_id=claim_id,
                        label=form.cleaned_data["label"],
                        reason=form.cleaned_data["reason"],
                    )
                if not errors:
                    log_desk_action(
                        request,
                        claim,
                        f"Published verdict v{verdict.version}: {verdict.get_label_display()}",
                    )
                    closed = (
                        f" Closed the open assignments of {_names(still_open)}."
                        if still_open
                        else ""
                    )
                    messages.success(
                        request,
                        f"Published verdict v{verdict.version}: "
                        f"{verdict.get_label_display()}.{closed}",
                    )
                    return HttpResponseRedirect(here)
    annotations = list(claim.annotations.all())
    context = {
        **site.desk_context(request, title="Adjudicate"),
        "claim": claim,
        "consensus": consensus,
        "probabilities": label_probabilities(consensus),
        "passages": claim_passages(claim=claim),
        "annotations": [(a, getattr(a.annotator, "reliability", None)) for a in annotations],
        "verdicts": list(claim.verdicts.all()),
        "assignments": list(claim.assignments.all()),
        "still_open": _names(open_now) if (open_now := _open_assignees(claim)) else "",
        "still_open_count": len(open_now),
        "form": form,
        "send_back_form": send_back_form,
        "default_label": default_label,
    }
    return TemplateResponse(request, "admin/articles/claim/adjudicate.html", context)


def _open_assignees(claim: Claim) -> list[Any]:
    """Annotators whose assignment of the (prefetched) claim is still open."""
    return [a.annotator for a in claim.assignments.all() if a.is_open]


def _names(users: list[Any]) -> str:
    """ "Ada", "Ada and Ben", "Ada, Ben and Cleo"."""
    names = [str(u.get_full_name() or u.get_username()) for u in users]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def label_probabilities(consensus: Consensus | None) -> list[tuple[str, str, float]]:
    """(label, display name, probability) for each label, for the probability bars."""
    probs = consensus.probabilities if consensus is not None else {}
    return [(value, name, float(probs.get(value, 0.0) or 0.0)) for value, name in Label.choices]
