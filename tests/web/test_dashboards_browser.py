"""The dashboards in a real browser (Playwright + Chromium against the live server), as an
editor, an annotator, a viewer and a user in Annotators and Viewers: each page's content, the
blind rule, keyboard-reachable charts, no console errors. Screenshots go to
artifacts/screenshots/dashboards/."""

import hashlib
import shutil
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from articles import roles
from articles.models import (
    Annotation,
    AnnotatorReliability,
    Claim,
    ClaimAppearance,
    Consensus,
    ConsensusRun,
    ConsensusStatus,
    ContradictionFlag,
    Label,
    Verdict,
)
from tests.factories import AnnotatorFactory, ArticleFactory, EditorFactory, ViewerFactory
from tests.web.test_browser_flow import SHOTS, _ensure_groups, _login, browser  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DASH_SHOTS = SHOTS / "dashboards"

STORIES = [
    (
        "Harbour Daily",
        "Port authority doubles cargo fees after record year",
        "The port authority announced on Monday that cargo handling fees will double from "
        "March, after a record year in which the harbour moved 4.2 million containers.\n\n"
        "Officials said the increase would fund a new deep-water berth costing $310 million. "
        "Shipping firms called the rise unjustified and warned that freight prices would "
        "climb.\n\nThe authority's chair said fees had not changed since 2015.",
    ),
    (
        "Coastal Wire",
        "Shipping firms protest port fee rise",
        "Shipping companies protested on Tuesday against the port authority's decision to "
        "double cargo fees, which it said would pay for a deep-water berth costing $290 "
        "million.\n\nThe harbour moved 4.2 million containers last year, a record. Fees have "
        "not changed since 2015, the authority said.",
    ),
]
CLAIMS = [
    ("Cargo handling fees at the port will double from March", "Port authority", "double"),
    ("The harbour moved 4.2 million containers last year", "Port authority", "4.2 million"),
    ("The new deep-water berth costs $310 million", "Port authority", "$310 million"),
    ("Port fees have not changed since 2015", "Authority chair", "since 2015"),
    ("Freight prices will climb because of the fee rise", "Shipping firms", "freight prices"),
]


def _span(body, needle):
    start = body.index(needle)
    return start, start + len(needle)


def _desk():
    _ensure_groups()
    now = timezone.now()
    editor = EditorFactory(first_name="Erin", last_name="Editor")
    viewer = ViewerFactory(first_name="Vic", last_name="Viewer")
    a1, a2, a3, spammer = (
        AnnotatorFactory(first_name=n, last_name="Annotator") for n in ("Ada", "Ben", "Cleo", "Sam")
    )
    both = AnnotatorFactory(username="ann-viewer")
    both.groups.add(Group.objects.get(name=roles.VIEWERS))
    articles = [
        ArticleFactory(
            publisher=publisher,
            title=title,
            body=body,
            raw=body,
            author="Staff",
            content_hash=hashlib.sha256(body.encode()).hexdigest(),
            published_at=now - timedelta(days=3 - i),
        )
        for i, (publisher, title, body) in enumerate(STORIES)
    ]
    claims = []
    for text, claimant, needle in CLAIMS:
        claim = Claim.objects.create(text=text, claimant=claimant, required_annotations=3)
        claims.append(claim)
        for article in articles:
            lowered = article.body.lower()
            key = needle.lower() if needle != "$310 million" else "deep-water berth"
            if key in lowered:
                start = lowered.index(key)
                ClaimAppearance.objects.create(
                    claim=claim,
                    article=article,
                    start=start,
                    end=start + len(key),
                    quote=article.body[start : start + len(key)],
                )
    ratings = {
        0: [(a1, "verified"), (a2, "verified"), (a3, "verified")],
        1: [(a1, "verified"), (a2, "verified"), (spammer, "false")],
        2: [(a1, "disputed"), (a3, "false"), (spammer, "verified")],
        3: [(a1, "verified")],
    }
    for i, rows in ratings.items():
        for k, (annotator, label) in enumerate(rows):
            annotation = Annotation.objects.create(
                claim=claims[i],
                annotator=annotator,
                label=label,
                counted_label=label,
                confidence=70 + 5 * k,
                rationale=f"{annotator.first_name}'s reading of the annual report",
            )
            Annotation.objects.filter(pk=annotation.pk).update(
                created_at=now - timedelta(days=(i * 3 + k) % 12, minutes=k * 3)
            )

    def probs(v, d, f):
        return {"verified": v, "disputed": d, "false": f}

    outcomes = {
        0: ("verified", ConsensusStatus.SETTLED, probs(0.96, 0.03, 0.01), 1.0),
        1: ("verified", ConsensusStatus.SETTLED, probs(0.88, 0.04, 0.08), 0.67),
        2: ("disputed", ConsensusStatus.CONTESTED, probs(0.2, 0.45, 0.35), 0.34),
        3: ("", ConsensusStatus.PENDING, probs(1.0, 0.0, 0.0), 1.0),
    }
    for i, (label, status, probabilities, agreement) in outcomes.items():
        Consensus.objects.create(
            claim=claims[i],
            label=label,
            status=status,
            probabilities=probabilities,
            agreement=agreement,
            method="calibrated-dawid-skene",
            n_annotations=len(ratings[i]),
            fingerprint="f",
            computed_at=now,
        )
    Verdict.objects.create(
        claim=claims[0],
        version=1,
        label=Label.VERIFIED,
        reason="",
        published_by=editor,
        published_at=now - timedelta(days=1),
        consensus_label="verified",
        consensus_status="settled",
    )
    Claim.objects.filter(pk=claims[0].pk).update(status=Claim.Status.PUBLISHED)
    ContradictionFlag.objects.create(
        claim=claims[2],
        kind=ContradictionFlag.Kind.MONEY,
        first_article=articles[0],
        first_start=0,
        first_end=10,
        first_values=["$310 million"],
        second_article=articles[1],
        second_start=0,
        second_end=10,
        second_values=["$290 million"],
    )
    for k, alpha in enumerate([0.41, 0.52, 0.58, 0.66, 0.71, 0.69, 0.74]):
        finished = now - timedelta(days=7 - k)
        ConsensusRun.objects.create(
            method="calibrated-dawid-skene",
            alpha=alpha,
            n_claims=5,
            n_annotators=4,
            n_annotations=10,
            started_at=finished - timedelta(seconds=3 + k),
            finished_at=finished,
        )
    labels = Label.values

    def confusion(rows):
        return {t: dict(zip(labels, r, strict=True)) for t, r in zip(labels, rows, strict=True)}

    for user, rows, acc in (
        (a1, [[0.9, 0.07, 0.03], [0.1, 0.8, 0.1], [0.05, 0.1, 0.85]], 0.86),
        (a2, [[0.85, 0.1, 0.05], [0.2, 0.7, 0.1], [0.1, 0.1, 0.8]], 0.8),
        (a3, [[0.8, 0.1, 0.1], [0.1, 0.75, 0.15], [0.05, 0.15, 0.8]], 0.79),
        (spammer, [[0.6, 0.2, 0.2], [0.6, 0.2, 0.2], [0.6, 0.2, 0.2]], 0.45),
    ):
        AnnotatorReliability.objects.create(
            annotator=user,
            confusion=confusion(rows),
            accuracy=acc,
            agreement_with_consensus=acc - 0.05,
            n_annotations=40,
            computed_at=now,
        )
    return {
        "editor": editor,
        "viewer": viewer,
        "annotator": a2,  # rated claims 0 and 1, not 2
        "both": both,  # Annotators + Viewers, rated nothing
        "claims": claims,
        "articles": articles,
    }


def _watch(page):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def _shot(page, name):
    # From the top: the admin's sidebar is sticky, so a page scrolled by a keyboard walk would
    # show it part-way down the full-page picture.
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(DASH_SHOTS / f"{name}.png"), full_page=True)


def _status(page, url):
    """The status of a GET with the page's session, without navigating (a 403 page would log a
    console error by design)."""
    return page.request.get(url).status


def test_dashboards_in_the_browser(browser, live_server):  # noqa: F811
    shutil.rmtree(DASH_SHOTS, ignore_errors=True)
    DASH_SHOTS.mkdir(parents=True, exist_ok=True)
    desk = _desk()
    base = f"{live_server.url}/admin/desk"
    contested, published = desk["claims"][2], desk["claims"][0]
    article = desk["articles"][0]

    # --- editor -----------------------------------------------------------------------------
    page = _login(browser, live_server, desk["editor"])
    errors = _watch(page)
    page.click("#fc-nav-overview")
    page.wait_for_selector("#fc-chart-status")
    body = page.inner_text("body").lower()
    assert "desk overview" in body
    assert "awaiting adjudication" in body
    assert contested.text[:40].lower() in body
    assert "Published verdicts by label: Verified 1" in page.inner_html("#fc-chart-verdicts")
    # The charts are keyboard reachable and their numbers are a click away.
    page.focus("#fc-chart-status a")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')").startswith("Open")
    page.click("#fc-chart-alpha summary")
    assert "0.74" in page.inner_text("#fc-chart-alpha table")
    _shot(page, "01-editor-overview")

    page.goto(f"{base}/claims/")
    assert page.locator("#fc-claims-table tbody tr").count() == 5
    page.select_option("#id_consensus", "contested")
    page.click("#fc-apply")
    page.wait_for_url("**consensus=contested**")
    assert page.locator("#fc-claims-table tbody tr").count() == 1
    with page.expect_download() as download:
        page.click("#fc-csv")
    csv_text = download.value.path().read_text()
    assert contested.text in csv_text
    page.goto(f"{base}/claims/")
    _shot(page, "02-editor-claims-table")

    page.goto(f"{base}/claims/{contested.pk}/")
    body = page.inner_text("body").lower()
    assert "contradictions between appearances (1)" in body
    assert "$290 million" in body
    assert "ada annotator" in body  # editors see who rated
    assert "accuracy" in body
    assert page.locator("#fc-chart-posterior").count() == 1
    _shot(page, "03-editor-claim-dashboard")

    page.goto(f"{base}/articles/{article.pk}/")
    assert page.locator("#fc-reader-body a.fc-hl-verdict.fc-label-verified").count() >= 1
    assert page.locator("#fc-reader-body a.fc-hl-consensus.fc-label-disputed").count() >= 1
    title = page.get_attribute("#fc-reader-body a.fc-hl-verdict", "title")
    assert "verdict: Verified" in title
    _shot(page, "04-editor-article-reader")

    page.goto(f"{base}/annotators/")
    body = page.inner_text("body").lower()
    assert "spammer: near chance" in body
    assert "Spammer: near chance" in page.locator(".fc-annotator-card").first.inner_text()
    _shot(page, "05-editor-annotators")
    assert errors == [], errors
    page.context.close()

    # --- annotator: sees outcomes of what they rated, nothing else ---------------------------
    page = _login(browser, live_server, desk["annotator"])
    errors = _watch(page)
    assert page.locator("#fc-nav-overview").count() == 0
    assert page.locator("#fc-nav-annotators").count() == 0
    assert _status(page, f"{base}/overview/") == 403
    page.goto(f"{base}/claims/{contested.pk}/")
    body = page.inner_text("body").lower()
    assert "blind until you rate it" in body
    assert "ada's reading" not in body
    assert page.locator("#fc-chart-posterior").count() == 0
    _shot(page, "06-annotator-claim-blind")
    page.goto(f"{base}/claims/{desk['claims'][1].pk}/")  # rated: outcome and others' ratings
    body = page.inner_text("body").lower()
    assert "annotator a" in body
    assert "ada annotator" not in body
    assert page.locator("#fc-chart-posterior").count() == 1
    _shot(page, "07-annotator-claim-rated")
    page.goto(f"{base}/articles/{article.pk}/")
    assert page.locator("#fc-reader-body a.fc-hl-hidden").count() >= 1
    assert page.locator("#fc-reader-body a.fc-label-disputed").count() == 0
    _shot(page, "08-annotator-article-reader")
    page.click("#fc-nav-claims-table")
    page.wait_for_selector("#fc-claims-table")
    assert "hidden" in page.inner_text("#fc-claims-table")
    _shot(page, "09-annotator-claims-table")
    assert errors == [], errors
    page.context.close()

    # --- viewer -------------------------------------------------------------------------------
    page = _login(browser, live_server, desk["viewer"])
    errors = _watch(page)
    page.click("#fc-tile-dashboards")
    page.wait_for_selector("#fc-chart-status")
    assert page.locator(f"a[href$='/desk/adjudicate/{contested.pk}/']").count() == 0
    _shot(page, "10-viewer-overview")
    page.goto(f"{base}/claims/{contested.pk}/")
    body = page.inner_text("body").lower()
    assert "who rated what is shown to editors" in body
    assert "ada's reading" not in body
    assert page.locator("#fc-chart-posterior").count() == 1
    _shot(page, "11-viewer-claim-dashboard")
    assert _status(page, f"{base}/annotators/") == 403
    assert errors == [], errors
    page.context.close()

    # --- a user in Annotators and Viewers: blind like any annotator --------------------------
    page = _login(browser, live_server, desk["both"])
    errors = _watch(page)
    assert page.locator("#fc-nav-overview").count() == 0
    assert _status(page, f"{base}/overview/") == 403
    page.goto(f"{base}/claims/{published.pk}/")
    body = page.inner_text("body").lower()
    assert "blind until you rate it" in body
    assert "Verified" not in page.inner_text("#fc-outcome")
    _shot(page, "12-annotator-viewer-claim-blind")
    page.goto(f"{base}/articles/{article.pk}/")
    assert page.locator("#fc-reader-body a.fc-hl-verdict").count() == 0
    assert errors == [], errors
    page.context.close()
