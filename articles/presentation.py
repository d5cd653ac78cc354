"""Article text for display: bodies split into highlighted segments and claim passages in
context. Pure text work over already loaded rows; no queries.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from articles.models import (
    Article,
    Claim,
    ClaimAppearance,
)


def counted(n: int, singular: str, plural: str = "") -> str:
    """ "1 rating", "2 ratings" (`plural` when adding an s is wrong)."""
    return f"{n} {singular if n == 1 else plural or singular + 's'}"


# How much article text to show either side of a passage on the annotate screen.
CONTEXT_CHARS = 320


@dataclass(frozen=True)
class Segment:
    """A run of article text; `claim_ids` are the claims anchored over all of it (empty for
    plain text) and `focus` marks the passage being annotated or adjudicated."""

    text: str
    claim_ids: tuple[int, ...] = ()
    focus: bool = False

    @property
    def highlighted(self) -> bool:
        return bool(self.claim_ids)

    @property
    def claim_ids_attr(self) -> str:
        return " ".join(str(cid) for cid in self.claim_ids)


def segments_for_spans(
    body: str,
    spans: list[tuple[int, int, int]],
    *,
    focus_claim_id: int | None = None,
    window: tuple[int, int] | None = None,
) -> list[Segment]:
    """Split `body` (or `body[window]`) at every span boundary. `spans` are (start, end,
    claim_id); overlapping spans yield segments carrying every claim over them."""
    lo, hi = window if window else (0, len(body))
    cuts = {lo, hi}
    for start, end, _ in spans:
        cuts.update(x for x in (start, end) if lo < x < hi)
    points = sorted(cuts)
    segments: list[Segment] = []
    for a, b in itertools.pairwise(points):
        over = tuple(sorted({cid for s, e, cid in spans if s <= a and b <= e}))
        segments.append(
            Segment(
                text=body[a:b],
                claim_ids=over,
                focus=focus_claim_id is not None and focus_claim_id in over,
            )
        )
    return segments


@dataclass(frozen=True)
class Passage:
    """One appearance of a claim shown in context: a window of the article around the span."""

    article: Article
    appearance: ClaimAppearance
    segments: list[Segment]
    clipped_start: bool
    clipped_end: bool


def _widen(body: str, start: int, end: int, chars: int) -> tuple[int, int]:
    """Widen [start, end) by about `chars` each side, snapping to paragraph or word breaks."""
    lo = max(0, start - chars)
    hi = min(len(body), end + chars)
    para = body.rfind("\n\n", lo, start)
    if para != -1:
        lo = para + 2
    elif lo > 0:
        space = body.find(" ", lo, start)
        lo = space + 1 if space != -1 else lo
    para = body.find("\n\n", end, hi)
    if para != -1:
        hi = para
    elif hi < len(body):
        space = body.rfind(" ", end, hi)
        hi = space if space != -1 else hi
    return lo, hi


def claim_passages(*, claim: Claim, context_chars: int = CONTEXT_CHARS) -> list[Passage]:
    """Every appearance of `claim` (prefetched by `claim_detail`) as its passage in context,
    the claim's span marked as focus."""
    passages: list[Passage] = []
    for appearance in claim.appearances.all():
        body = appearance.article.body
        lo, hi = _widen(body, appearance.start, appearance.end, context_chars)
        spans = [(appearance.start, appearance.end, claim.pk)]
        passages.append(
            Passage(
                article=appearance.article,
                appearance=appearance,
                segments=segments_for_spans(body, spans, focus_claim_id=claim.pk, window=(lo, hi)),
                clipped_start=lo > 0,
                clipped_end=hi < len(body),
            )
        )
    return passages


@dataclass(frozen=True)
class Highlight:
    """A run of an article in the reader: plain text, or one or more claims' passage with a
    tooltip (`title`), a link to the claim (`href`) and, on a claim's first run, the anchor the
    side list jumps to (`anchor`)."""

    text: str
    claim_ids: tuple[int, ...] = ()
    title: str = ""
    href: str = ""
    anchor: str = ""


def reader_highlights(
    segments: list[Segment], *, titles: dict[int, str], hrefs: dict[int, str]
) -> list[Highlight]:
    """The article reader's runs: each highlighted segment carries its claims' tooltip (their
    `titles`, joined) and a link to the first of them; each claim's first segment carries the
    anchor `claim-<id>`."""
    seen: set[int] = set()
    runs: list[Highlight] = []
    for segment in segments:
        if not segment.claim_ids:
            runs.append(Highlight(text=segment.text))
            continue
        first = next((cid for cid in segment.claim_ids if cid not in seen), None)
        seen.update(segment.claim_ids)
        runs.append(
            Highlight(
                text=segment.text,
                claim_ids=segment.claim_ids,
                title=" · ".join(titles.get(cid, f"Claim {cid}") for cid in segment.claim_ids),
                href=hrefs.get(segment.claim_ids[0], ""),
                anchor=f"claim-{first}" if first is not None else "",
            )
        )
    return runs
