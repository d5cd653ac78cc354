"""schema.org ClaimReview JSON-LD for published verdicts (https://schema.org/ClaimReview).

Each verdict becomes one ClaimReview with exactly: `claimReviewed` (the claim's wording),
`reviewRating` (the label as `alternateName` on the numeric scale below), `itemReviewed` (a
`Claim` with its claimant as `author` and its appearances: each article's URL and date),
`author` (the publishing Organization from settings), `datePublished` and `url` (the public
page of the verdict, from the FACTCHECK_CLAIMREVIEW_URL template).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from articles.models import Label, Verdict

# The numeric scale of reviewRating, from the order of the Label choices (best first): the last
# label rates 1, the first rates highest.
RATING_VALUES: dict[str, int] = {
    label.value: len(Label) - position for position, label in enumerate(Label)
}
WORST_RATING = min(RATING_VALUES.values())
BEST_RATING = max(RATING_VALUES.values())


def publishing_organization() -> dict[str, Any]:
    organization: dict[str, Any] = {
        "@type": "Organization",
        "name": settings.FACTCHECK_CLAIMREVIEW_ORGANIZATION_NAME,
    }
    if settings.FACTCHECK_CLAIMREVIEW_ORGANIZATION_URL:
        organization["url"] = settings.FACTCHECK_CLAIMREVIEW_ORGANIZATION_URL
    return organization


def claim_review(verdict: Verdict) -> dict[str, Any]:
    """One verdict (its claim's appearances and their articles loaded) as a ClaimReview."""
    claim = verdict.claim
    item: dict[str, Any] = {"@type": "Claim"}
    if claim.claimant:
        item["author"] = {"@type": "Person", "name": claim.claimant}
    item["appearance"] = [
        {
            "@type": "CreativeWork",
            "url": appearance.article.url,
            "datePublished": (
                appearance.article.published_at.isoformat()
                if appearance.article.published_at
                else None
            ),
        }
        for appearance in claim.appearances.all()
    ]
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "claimReviewed": claim.text,
        "reviewRating": {
            "@type": "Rating",
            "alternateName": Label(verdict.label).label,
            "ratingValue": RATING_VALUES[verdict.label],
            "bestRating": BEST_RATING,
            "worstRating": WORST_RATING,
        },
        "itemReviewed": item,
        "author": publishing_organization(),
        "datePublished": verdict.published_at.isoformat(),
        "url": str(settings.FACTCHECK_CLAIMREVIEW_URL).format(
            claim_id=verdict.claim_id, verdict_id=verdict.pk, version=verdict.version
        ),
    }
