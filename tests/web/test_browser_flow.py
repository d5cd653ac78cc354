"""The desk's real flow in a real browser (Playwright + Chromium against the live server):
an editor selects a passage and creates a claim, assigns it; three annotators annotate it
blind; the editor adjudicates and publishes. Screenshots go to artifacts/screenshots/."""

import hashlib
import importlib
import os
import shutil
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from articles import roles
from articles.models import Annotation, Assignment, Claim, Consensus, ConsensusStatus, Verdict
from tests.conftest import require_service
from tests.factories import AnnotatorFactory, ArticleFactory, EditorFactory

# Playwright's sync API runs an event loop in this thread; the ORM calls the test makes between
# browser steps are safe (nothing else runs in the thread meanwhile).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
PASSWORD = "pw-for-tests"  # noqa: S105 - the factories' test password

# CRLF line breaks: the browser shows them as one character, so its offsets drift after the
# first one and the server has to find the true span.
BODY = (
    "Elon Musk has threatened to sue Microsoft, accusing the company of illegally using "
    "Twitter's data to train its artificial intelligence models.\r\n\r\n"
    'In a tweet posted on Wednesday, Musk wrote: "They trained illegally using Twitter data. '
    'Lawsuit time." The threat came after Microsoft said it would drop Twitter from its '
    "advertising platform rather than pay the new API fees.\r\n\r\n"
    "Twitter announced earlier this year that access to its API would cost $42,000 a month "
    "for the cheapest enterprise tier, a sharp rise from the free access developers had "
    "relied on for years.\r\n\r\n"
    "OpenAI, in which Microsoft has invested billions of dollars, has not disclosed the "
    "full list of sources used to train ChatGPT."
)
QUOTE = "access to its API would cost $42,000 a month"
CLAIM_TEXT = "Twitter's API costs $42,000 a month for the cheapest enterprise tier"
VERDICTS = [
    ("verified", 85, "Twitter's developer page lists $42,000/month for Enterprise Small."),
    ("verified", 70, "Confirmed by Wired and The Verge reporting on the pricing tiers."),
    ("disputed", 55, "Reports give ranges from $42,000 to $210,000 depending on the tier."),
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _ensure_groups():
    # A transactional test database is flushed between tests: recreate the roles migration's
    # groups (permissions themselves are recreated by the flush's post_migrate).
    migration = importlib.import_module("articles.migrations.0002_roles")
    for name, codenames in migration.GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(
            Permission.objects.filter(content_type__app_label="articles", codename__in=codenames)
        )


@pytest.fixture
def browser():
    require_service("Chromium (/usr/bin/chromium)", Path(CHROMIUM).exists())
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def shots():
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True, exist_ok=True)

    def shot(page, name):
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    return shot


def _login(browser, live_server, user):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    return page


def _select_text(page, text):
    """Select `text` inside the article reader as a user would, then release the mouse."""
    found = page.evaluate(
        """(needle) => {
            const body = document.getElementById("fc-body");
            const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
            let node;
            while ((node = walker.nextNode())) {
                const i = node.data.indexOf(needle);
                if (i >= 0) {
                    const range = document.createRange();
                    range.setStart(node, i);
                    range.setEnd(node, i + needle.length);
                    const sel = window.getSelection();
                    sel.removeAllRanges();
                    sel.addRange(range);
                    body.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
                    return true;
                }
            }
            return false;
        }""",
        text,
    )
    assert found, f"{text!r} not in the page"


def test_browser_flow_claim_assign_annotate_publish(browser, live_server, shots):
    _ensure_groups()
    editor = EditorFactory(first_name="Erin", last_name="Editor")
    annotators = [
        AnnotatorFactory(first_name=first, last_name="Annotator")
        for first in ("Ada", "Ben", "Cleo")
    ]
    article = ArticleFactory(
        title="Elon Musk threatens to sue Microsoft over Twitter data used to train AI",
        publisher="The Example Times",
        author="Sam Reporter",
        body=BODY,
        raw=BODY,
        content_hash=hashlib.sha256(BODY.encode()).hexdigest(),
    )

    # --- the editor marks a claim in the article and assigns it ---------------------------
    page = _login(browser, live_server, editor)
    shots(page, "01-editor-index")
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    _select_text(page, QUOTE)
    page.wait_for_selector("#fc-span-form:not([hidden])")
    assert page.input_value("#fc-quote-input") == QUOTE
    page.fill("#fc-claim-text", CLAIM_TEXT)
    page.fill("#fc-claimant", "Twitter")
    shots(page, "02-article-selected-span")
    page.click("#fc-create")
    page.wait_for_selector(".messagelist .success")
    claim = Claim.objects.get(text=CLAIM_TEXT)
    appearance = claim.appearances.get()
    assert appearance.quote == QUOTE
    assert BODY[appearance.start : appearance.end] == QUOTE
    assert page.locator("#fc-body mark").count() == 1
    shots(page, "03-article-claim-created")

    # The new claim is staffed on the same screen: how many annotators, by load.
    page.wait_for_selector("#fc-staff")
    page.fill("#fc-staff input[name=required_annotations]", "3")
    page.click("#fc-staff-assign")
    page.wait_for_selector(".messagelist .success")
    assert set(Assignment.objects.filter(claim=claim).values_list("annotator_id", flat=True)) == {
        a.pk for a in annotators
    }
    shots(page, "04-claim-staffed")

    # --- three annotators, blind ----------------------------------------------------------
    for n, (annotator, (label, confidence, rationale)) in enumerate(
        zip(annotators, VERDICTS, strict=True)
    ):
        apage = _login(browser, live_server, annotator)
        assert "My queue (1)" in apage.inner_text(".fc-cards")
        if n == 0:
            shots(apage, "05-annotator-index")
        apage.click("#fc-nav-queue")  # "My queue (1)" in the header, on every page
        apage.wait_for_selector("#fc-start-queue")
        if n == 0:
            shots(apage, "06-annotator-queue")
        apage.click("#fc-start-queue")
        apage.wait_for_selector("#fc-annotate-form")
        body_text = apage.inner_text("body")
        assert "Blind until you submit" in body_text
        for _, _, other_rationale in VERDICTS[:n]:
            assert other_rationale not in body_text
        assert apage.locator(".fc-passage mark.fc-focus").inner_text() == QUOTE
        apage.click(f"#fc-annotate-form label.fc-label-{label}")
        apage.fill("#fc-rationale", rationale)
        apage.fill("#fc-evidence", "https://developer.twitter.com/en/products/twitter-api")
        if n != 1:  # the second annotator leaves the confidence untouched: none is recorded
            apage.eval_on_selector(
                "#fc-confidence",
                "(el, v) => { el.value = v; el.dispatchEvent(new Event('input')); }",
                str(confidence),
            )
        if n == 2:
            shots(apage, "07-annotate-screen")
        if n == 1:
            apage.focus("#fc-rationale")
            apage.keyboard.press("Control+Enter")  # saves from the rationale box
        else:
            apage.click("#fc-save-next")
        apage.wait_for_selector(".fc-empty")
        assert "All caught up" in apage.inner_text("body")
        if n == 2:
            shots(apage, "08-annotator-queue-done")
        apage.context.close()

    assert Annotation.objects.filter(claim=claim).count() == 3
    assert Annotation.objects.get(claim=claim, annotator=annotators[1]).confidence is None
    assert not Assignment.objects.filter(claim=claim, completed_at__isnull=True).exists()
    if not Consensus.objects.filter(claim=claim).exists():
        # The consensus engine is someone else's; keep the editor's half testable without it.
        Consensus.objects.create(
            claim=claim,
            label="verified",
            status=ConsensusStatus.CONTESTED,
            method="fallback",
            probabilities={"verified": 0.6, "disputed": 0.4, "false": 0.0},
            agreement=0.67,
            n_annotations=3,
            fingerprint="x",
            computed_at=timezone.now(),
        )
        Claim.objects.filter(pk=claim.pk).update(consensus_stale=False)

    # --- the editor adjudicates and publishes ---------------------------------------------
    page.goto(f"{live_server.url}/admin/")
    shots(page, "09-editor-index-after")
    page.goto(f"{live_server.url}/admin/desk/contested/")
    shots(page, "10-adjudication-queue")
    page.click(f"a[href$='/desk/adjudicate/{claim.pk}/'] >> nth=0")
    page.wait_for_selector("#fc-publish-form")
    for _, _, rationale in VERDICTS:
        assert rationale in page.inner_text("body")
    page.click("#fc-publish-form h2")  # focus outside the text boxes: keys pick verdicts
    page.keyboard.press("1")
    assert page.is_checked("#fc-publish-form input[data-hotkey='1']")
    page.fill("#fc-reason", "Twitter's own pricing page confirms the $42,000 entry tier.")
    shots(page, "11-adjudicate")
    page.keyboard.press("Control+Enter")  # publishes from the reason box
    page.wait_for_selector(".messagelist .success")
    verdict = Verdict.objects.get(claim=claim)
    assert (verdict.version, verdict.label, verdict.published_by_id) == (1, "verified", editor.pk)
    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.PUBLISHED
    shots(page, "12-published")
    page.goto(f"{live_server.url}/admin/articles/claim/")
    shots(page, "13-claim-list")
    annotation = claim.annotations.first()
    assert annotation is not None
    page.goto(f"{live_server.url}/admin/articles/annotation/{annotation.pk}/history/")
    shots(page, "14-annotation-history")
    # --- agreement: the article page and the article list ---------------------------------
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    card = page.locator("#fc-agreement")
    assert card.is_visible()
    assert "Not enough ratings yet" in card.inner_text()  # one rated claim: no figure
    shots(page, "15-article-agreement")
    # The published verdict, not the consensus, on the article page; highlights explain and
    # link their claim; the side list jumps to the passage.
    side = page.inner_text("#content")
    assert "VERDICT" in side.upper()
    mark = page.locator("#fc-body mark.fc-hl").first
    assert CLAIM_TEXT in (mark.get_attribute("title") or "")
    assert "verdict: Verified" in (mark.get_attribute("title") or "")
    page.click("a.fc-jump")
    page.wait_for_selector("#fc-body mark.fc-flash")
    page.goto(f"{live_server.url}/admin/articles/article/")
    assert "AGREEMENT" in page.inner_text("#result_list thead").upper()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1366, f"the article list page is {width}px wide"
    table, room = page.evaluate(
        "[document.querySelector('#result_list').scrollWidth,"
        " document.querySelector('#changelist .results').clientWidth]"
    )
    assert table <= room, f"the article table needs {table}px of {room}px"
    shots(page, "16-article-list")
    # The annotators who rated it read the published verdict on their screen.
    apage = _login(browser, live_server, annotators[0])
    apage.goto(f"{live_server.url}/admin/desk/annotate/{claim.pk}/")
    assert "PUBLISHED VERDICT" in apage.inner_text("#fc-outcome").upper()
    shots(apage, "17-annotator-sees-verdict")
    apage.context.close()
    assert roles.is_editor(editor)
    page.context.close()


def test_browser_annotator_filter_is_a_search_box(browser, live_server, shots):
    """The annotation list's annotator filter: typing part of a name and pressing Enter keeps
    the other filters, and the list shows those annotators' rows only."""
    from tests.factories import AnnotationFactory

    _ensure_groups()
    editor = EditorFactory()
    ada, adam, ben = (AnnotatorFactory(username=name) for name in ("ada", "adam", "ben"))
    for annotator in (ada, adam, ben):
        AnnotationFactory(annotator=annotator, label="verified")
        AnnotationFactory(annotator=annotator, label="false")
    page = _login(browser, live_server, editor)
    page.goto(f"{live_server.url}/admin/articles/annotation/?label__exact=false")
    search = page.locator('#changelist-filter input[name="annotator_name"]')
    search.fill("ad")
    search.press("Enter")
    page.wait_for_url("**annotator_name=ad**")
    assert "label__exact=false" in page.url
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 2
    names = {rows.nth(i).locator("td.field-annotator").inner_text() for i in range(2)}
    assert names == {"ada", "adam"}
    shots(page, "annotation-list-annotator-search")
    # The whole name is that annotator alone; "All" clears the search and keeps the rest.
    search = page.locator('#changelist-filter input[name="annotator_name"]')
    search.fill("ada")
    search.press("Enter")
    page.wait_for_url("**annotator_name=ada**")
    assert page.locator("#result_list tbody tr").count() == 1
    page.locator(
        '#changelist-filter details[data-filter-title="annotator"] a', has_text="All"
    ).click()
    page.wait_for_load_state()
    assert "annotator_name" not in page.url
    assert page.locator("#result_list tbody tr").count() == 3
