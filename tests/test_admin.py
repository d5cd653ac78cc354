"""The admin: a table-driven permission matrix (every role x every page and action), blind
annotation across every admin surface, and query counts of the list pages."""

from types import SimpleNamespace
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from articles import roles
from articles.models import (
    Annotation,
    AnnotatorReliability,
    Assignment,
    Claim,
    Consensus,
    ConsensusRun,
    ConsensusStatus,
    Label,
    Verdict,
)
from tests.factories import (
    AnnotationFactory,
    AnnotatorFactory,
    ArticleFactory,
    AssignmentFactory,
    ClaimAppearanceFactory,
    ClaimFactory,
    EditorFactory,
    ViewerFactory,
)

pytestmark = pytest.mark.django_db

BODY = (
    "Elon Musk threatened to sue Microsoft on Wednesday.\n\n"
    "He said OpenAI was trained illegally on Twitter data and called the API fee a scam."
)
SECRET_RATIONALE = "Zebra-secret rationale of annotator one"  # noqa: S105 - not a password


@pytest.fixture(autouse=True)
def _no_broker():
    # Consensus jobs are not what these tests are about; keep them out of the way.
    with mock.patch("articles.tasks.claim_consensus_recompute_task.delay"):
        yield


def _consensus(claim, *, label=Label.FALSE, status=ConsensusStatus.CONTESTED):
    return Consensus.objects.create(
        claim=claim,
        label=label,
        status=status,
        method="dawid-skene",
        probabilities={"verified": 0.1, "disputed": 0.35, "false": 0.55},
        agreement=0.55,
        n_annotations=2,
        fingerprint="x",
        computed_at=timezone.now(),
    )


@pytest.fixture
def desk(db):
    """A claim in an article, assigned to three annotators; one has annotated it (the other two
    are blind to it), a consensus, a reliability row and a published verdict on a second claim."""
    article = ArticleFactory(body=BODY)
    claim = ClaimFactory(text="OpenAI was trained on Twitter data", required_annotations=3)
    start = BODY.index("OpenAI")
    end = BODY.index(" and called")
    ClaimAppearanceFactory(
        claim=claim, article=article, start=start, end=end, quote=BODY[start:end]
    )
    a1, a2, a3 = AnnotatorFactory.create_batch(3)
    for a in (a1, a2, a3):
        AssignmentFactory(claim=claim, annotator=a)
    annotation = AnnotationFactory(
        claim=claim, annotator=a1, label=Label.FALSE, rationale=SECRET_RATIONALE
    )
    Assignment.objects.filter(claim=claim, annotator=a1).update(completed_at=timezone.now())
    consensus = _consensus(claim)
    editor = EditorFactory()
    other = ClaimFactory(text="Musk threatened to sue Microsoft")
    verdict = Verdict.objects.create(
        claim=other,
        version=1,
        label=Label.VERIFIED,
        published_by=editor,
        published_at=timezone.now(),
    )
    reliability = AnnotatorReliability.objects.create(
        annotator=a1, accuracy=0.9, n_annotations=1, computed_at=timezone.now()
    )
    superuser = get_user_model().objects.create_superuser("root", "root@example.org", "pw")
    return SimpleNamespace(
        article=article,
        claim=claim,
        other=other,
        a1=a1,
        a2=a2,
        a3=a3,
        annotation=annotation,
        consensus=consensus,
        verdict=verdict,
        reliability=reliability,
        editor=editor,
        viewer=ViewerFactory(),
        superuser=superuser,
        claim_history_id=claim.history.first().history_id,
    )


def _client(client, user):
    if user is not None:
        client.force_login(user)
    return client


ROLES = ("anonymous", "viewer", "annotator", "editor", "superuser")


def _user(desk, role):
    return {
        "anonymous": None,
        "viewer": desk.viewer,
        "annotator": desk.a2,  # assigned to the claim, has not annotated it: blind
        "editor": desk.editor,
        "superuser": desk.superuser,
    }[role]


def admin_url(name, *args):
    return lambda d: reverse(
        f"admin:{name}", args=[getattr(d, a).pk if isinstance(a, str) else a for a in args]
    )


# (name, url builder, expected status for viewer, annotator, editor, superuser).
# Anonymous always gets the login redirect. 302 for a logged-in user means "not found for
# you" (the admin's redirect to the index for objects outside the user's queryset).
PAGES = [
    ("index", admin_url("index"), 200, 200, 200, 200),
    ("article list", admin_url("articles_article_changelist"), 200, 200, 200, 200),
    ("article add", admin_url("articles_article_add"), 403, 403, 403, 403),
    ("article change", admin_url("articles_article_change", "article"), 200, 200, 200, 200),
    ("article delete", admin_url("articles_article_delete", "article"), 403, 403, 200, 200),
    ("claim list", admin_url("articles_claim_changelist"), 200, 200, 200, 200),
    ("claim add", admin_url("articles_claim_add"), 403, 403, 200, 200),
    ("claim change", admin_url("articles_claim_change", "claim"), 200, 200, 200, 200),
    ("claim delete", admin_url("articles_claim_delete", "claim"), 403, 403, 200, 200),
    ("claim history", admin_url("articles_claim_history", "claim"), 403, 403, 200, 200),
    ("contested queue", admin_url("desk-contested"), 403, 403, 200, 200),
    ("adjudicate", admin_url("desk-adjudicate", "claim"), 403, 403, 200, 200),
    ("annotation list", admin_url("articles_annotation_changelist"), 403, 200, 200, 200),
    (
        "annotation popup",
        lambda d: reverse("admin:articles_annotation_changelist") + "?_popup=1",
        403,
        200,
        200,
        200,
    ),
    ("annotation add", admin_url("articles_annotation_add"), 403, 403, 403, 403),
    (
        "others' annotation",
        admin_url("articles_annotation_change", "annotation"),
        403,
        302,
        200,
        200,
    ),
    (
        "annotation history",
        admin_url("articles_annotation_history", "annotation"),
        403,
        403,
        200,
        200,
    ),
    (
        "annotation delete",
        admin_url("articles_annotation_delete", "annotation"),
        403,
        403,
        403,
        403,
    ),
    ("my queue", admin_url("desk-queue"), 403, 200, 403, 403),
    ("annotate", admin_url("desk-annotate", "claim"), 403, 200, 403, 403),
    ("assignment list", admin_url("articles_assignment_changelist"), 403, 200, 200, 200),
    ("assignment add", admin_url("articles_assignment_add"), 403, 403, 200, 200),
    ("consensus list", admin_url("articles_consensus_changelist"), 200, 403, 200, 200),
    ("consensus change", admin_url("articles_consensus_change", "consensus"), 200, 403, 200, 200),
    ("reliability list", admin_url("articles_annotatorreliability_changelist"), 200, 403, 200, 200),
    (
        "reliability change",
        admin_url("articles_annotatorreliability_change", "reliability"),
        200,
        403,
        200,
        200,
    ),
    ("consensus run list", admin_url("articles_consensusrun_changelist"), 200, 403, 200, 200),
    ("consensus run add", admin_url("articles_consensusrun_add"), 403, 403, 403, 403),
    ("verdict list", admin_url("articles_verdict_changelist"), 200, 403, 200, 200),
    ("verdict change", admin_url("articles_verdict_change", "verdict"), 200, 403, 200, 200),
    ("verdict history", admin_url("articles_verdict_history", "verdict"), 403, 403, 200, 200),
    (
        "claim history version",
        lambda d: reverse(
            "admin:articles_claim_simple_history", args=[d.claim.pk, d.claim_history_id]
        ),
        403,
        403,
        200,
        200,
    ),
    (
        "autocomplete claims",
        lambda d: (
            reverse("admin:autocomplete")
            + "?app_label=articles&model_name=assignment&field_name=claim&term=OpenAI"
        ),
        200,
        200,
        200,
        200,
    ),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("name", "url", "expected"),
    [(p[0], p[1], dict(zip(ROLES[1:], p[2:], strict=True))) for p in PAGES],
    ids=[p[0] for p in PAGES],
)
def test_admin_page_permissions_by_role(client, desk, role, name, url, expected):
    client = _client(client, _user(desk, role))
    response = client.get(url(desk))
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
        return
    assert response.status_code == expected[role], f"{role} on {name}"


# --- actions and POSTs: (name, do(client, desk) -> response, effect(desk) -> bool, allowed) --


def _changelist_action(action, **extra):
    def do(client, d):
        data = {"action": action, "_selected_action": [d.claim.pk], **extra}
        return client.post(reverse("admin:articles_claim_changelist"), data)

    return do


EXTRA = {}


def _inline_data(client, claim):
    """The inline formsets' management and hidden fields, as the browser would post them."""
    response = client.get(reverse("admin:articles_claim_change", args=[claim.pk]))
    data = {}
    for inline in (response.context or {}).get("inline_admin_formsets", []):
        formset = inline.formset
        for name, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{name}"] = value
        for form in formset.initial_forms:
            for bound in form:
                if bound.value() is not None:
                    data[bound.html_name] = bound.value()
    return data


def _auto_assign_effect(d):
    return Assignment.objects.filter(claim=d.claim).count() > 3


def _prepare_auto_assign(d):
    Claim.objects.filter(pk=d.claim.pk).update(required_annotations=4)
    EXTRA["spare"] = AnnotatorFactory()


ACTIONS = [
    (
        "auto-assign action",
        _prepare_auto_assign,
        _changelist_action("auto_assign"),
        _auto_assign_effect,
    ),
    (
        "assign-to action",
        lambda d: EXTRA.__setitem__("spare", AnnotatorFactory()),
        lambda c, d: _changelist_action("assign_to", apply="1", annotator=EXTRA["spare"].pk)(c, d),
        lambda d: Assignment.objects.filter(claim=d.claim, annotator=EXTRA["spare"]).exists(),
    ),
    (
        "set-required action",
        lambda d: None,
        _changelist_action("set_required", apply="1", required_annotations=7),
        lambda d: Claim.objects.get(pk=d.claim.pk).required_annotations == 7,
    ),
    (
        "send-back action",
        lambda d: None,
        _changelist_action("send_back"),
        lambda d: Claim.objects.get(pk=d.claim.pk).required_annotations == 4,
    ),
    (
        "publish verdict",
        lambda d: None,
        lambda c, d: c.post(
            reverse("admin:desk-adjudicate", args=[d.claim.pk]),
            {"do": "publish", "label": "false", "reason": "Contested: editor."},
        ),
        lambda d: Verdict.objects.filter(claim=d.claim).exists(),
    ),
    (
        "send back from adjudication",
        lambda d: None,
        lambda c, d: c.post(
            reverse("admin:desk-adjudicate", args=[d.claim.pk]),
            {"do": "send_back", "extra_annotations": "2"},
        ),
        lambda d: Claim.objects.get(pk=d.claim.pk).required_annotations == 5,
    ),
    (
        "create claim from span",
        lambda d: None,
        lambda c, d: c.post(
            reverse("admin:articles_article_span", args=[d.article.pk]),
            {"mode": "new", "start": 0, "end": 9, "quote": "Elon Musk", "text": "Musk said so"},
        ),
        lambda d: Claim.objects.filter(text="Musk said so").exists(),
    ),
    (
        "edit claim",
        lambda d: None,
        lambda c, d: c.post(
            reverse("admin:articles_claim_change", args=[d.claim.pk]),
            {
                **_inline_data(c, d.claim),
                "text": "Reworded",
                "claimant": "Musk",
                "required_annotations": 3,
            },
        ),
        lambda d: Claim.objects.get(pk=d.claim.pk).text == "Reworded",
    ),
    (
        "delete claim",
        lambda d: EXTRA.__setitem__("fresh", ClaimFactory()),
        lambda c, d: c.post(
            reverse("admin:articles_claim_delete", args=[EXTRA["fresh"].pk]), {"post": "yes"}
        ),
        lambda d: not Claim.objects.filter(pk=EXTRA["fresh"].pk).exists(),
    ),
    (
        "add assignment",
        lambda d: EXTRA.__setitem__("spare", AnnotatorFactory()),
        lambda c, d: c.post(
            reverse("admin:articles_assignment_add"),
            {"claim": d.claim.pk, "annotator": EXTRA["spare"].pk},
        ),
        lambda d: Assignment.objects.filter(annotator=EXTRA["spare"]).exists(),
    ),
    (
        "revert claim from history",
        lambda d: None,
        lambda c, d: c.post(
            reverse("admin:articles_claim_simple_history", args=[d.claim.pk, d.claim_history_id]),
            {"text": "Reverted", "claimant": "", "required_annotations": 3},
        ),
        lambda d: Claim.objects.get(pk=d.claim.pk).text == "Reverted",
    ),
]

# Which roles may carry each action out (the others must leave no effect).
ALLOWED = {
    "auto-assign action": {"editor", "superuser"},
    "assign-to action": {"editor", "superuser"},
    "set-required action": {"editor", "superuser"},
    "send-back action": {"editor", "superuser"},
    "publish verdict": {"editor", "superuser"},
    "send back from adjudication": {"editor", "superuser"},
    "create claim from span": {"editor", "superuser"},
    "edit claim": {"editor", "superuser"},
    "delete claim": {"editor", "superuser"},
    "add assignment": {"editor", "superuser"},
    "revert claim from history": set(),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "prepare", "do", "effect"), ACTIONS, ids=[a[0] for a in ACTIONS])
def test_admin_action_permissions(client, desk, role, name, prepare, do, effect):
    prepare(desk)
    response = do(_client(client, _user(desk, role)), desk)
    assert response.status_code in {200, 302, 403}
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    allowed = role in ALLOWED[name]
    assert effect(desk) is allowed, f"{role} → {name}"


def test_annotator_can_annotate_only_assigned_claims(client, desk):
    unassigned = ClaimFactory()
    client.force_login(desk.a2)
    url = reverse("admin:desk-annotate", args=[unassigned.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"label": "verified"}).status_code == 403
    assert not Annotation.objects.filter(claim=unassigned).exists()


# --- blind annotation ----------------------------------------------------------------------


def _text(response):
    return response.content.decode()


def test_blind_annotator_sees_no_annotation_or_consensus_anywhere(client, desk):
    client.force_login(desk.a3)  # assigned, not annotated
    pages = [
        reverse("admin:articles_claim_changelist"),
        reverse("admin:articles_claim_changelist") + "?q=OpenAI",
        reverse("admin:articles_claim_change", args=[desk.claim.pk]),
        reverse("admin:articles_annotation_changelist"),
        reverse("admin:articles_annotation_changelist") + "?q=Zebra",
        reverse("admin:articles_annotation_changelist") + "?_popup=1",
        reverse("admin:desk-annotate", args=[desk.claim.pk]),
        reverse("admin:desk-queue"),
        reverse("admin:articles_article_change", args=[desk.article.pk]),
        reverse("admin:articles_assignment_changelist"),
        reverse("admin:index"),
        reverse("admin:autocomplete")
        + "?app_label=articles&model_name=assignment&field_name=claim&term=",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = _text(response)
        assert "Zebra-secret" not in body, url
        assert "contested" not in body.lower(), url
        assert "55%" not in body, url
        assert desk.a1.username not in body, url
    # Consensus and verdict data: not reachable at all.
    for url in [
        reverse("admin:articles_consensus_changelist"),
        reverse("admin:articles_consensus_change", args=[desk.consensus.pk]),
        reverse("admin:articles_verdict_changelist"),
        reverse("admin:articles_annotatorreliability_changelist"),
        reverse("admin:articles_consensusrun_changelist"),
        reverse("admin:articles_annotation_history", args=[desk.annotation.pk]),
        reverse("admin:articles_claim_history", args=[desk.claim.pk]),
    ]:
        assert client.get(url).status_code == 403, url
    # Someone else's annotation is "not found".
    response = client.get(reverse("admin:articles_annotation_change", args=[desk.annotation.pk]))
    assert response.status_code == 302
    assert "Zebra" not in _text(client.get(response["Location"]))


@pytest.mark.parametrize(
    "query",
    [
        "consensus__status=contested",
        "consensus__isnull=False",
        "consensus=1",
        f"annotations__annotator={1}",
        "annotations__label=false",
        "consensus_stale=1",
        "verdicts__label=verified",
        "consensus=contested",
    ],
)
def test_blind_annotator_cannot_filter_claims_by_hidden_data(client, desk, query):
    client.force_login(desk.a3)
    response = client.get(reverse("admin:articles_claim_changelist") + "?" + query)
    # The admin refuses lookups it does not allow (400 or its "?e=1" redirect).
    assert response.status_code in {400, 302}
    if response.status_code == 302:
        assert "e=1" in response["Location"]


def test_blind_annotator_list_has_no_consensus_filters_or_columns(client, desk):
    client.force_login(desk.a3)
    response = client.get(reverse("admin:articles_claim_changelist"))
    cl = response.context["cl"]
    assert "consensus" not in [getattr(f, "parameter_name", "") for f in cl.filter_specs]
    assert "progress" not in cl.list_display
    assert "agreement" not in cl.list_display
    row = cl.result_list.get(pk=desk.claim.pk)
    assert row.consensus_label == ""
    assert row.consensus_status == ""
    assert row.n_annotations is None


def test_annotator_sees_consensus_after_submitting(client, desk):
    client.force_login(desk.a1)  # has annotated
    response = client.get(reverse("admin:articles_claim_changelist"))
    row = response.context["cl"].result_list.get(pk=desk.claim.pk)
    assert row.consensus_status == "contested"
    body = _text(client.get(reverse("admin:articles_claim_change", args=[desk.claim.pk])))
    assert "Contested" in body
    # ... but never the other annotators' annotations.
    AnnotationFactory(claim=desk.claim, annotator=desk.a2, rationale="Other-annotator-note")
    for url in [
        reverse("admin:articles_annotation_changelist"),
        reverse("admin:articles_claim_change", args=[desk.claim.pk]),
        reverse("admin:desk-annotate", args=[desk.claim.pk]),
    ]:
        assert "Other-annotator-note" not in _text(client.get(url)), url


def test_blind_annotator_submits_then_sees_consensus(client, desk):
    client.force_login(desk.a3)
    url = reverse("admin:desk-annotate", args=[desk.claim.pk])
    assert "Blind until you submit" in _text(client.get(url))
    response = client.post(
        url, {"label": "disputed", "confidence": "60", "rationale": "", "_next": "1"}
    )
    assert response.status_code == 200  # rationale missing: the form shows the error
    assert "required for disputed and false" in _text(response)
    response = client.post(
        url,
        {
            "label": "disputed",
            "confidence": "60",
            "rationale": "Outlets disagree.",
            "evidence_links": "https://example.org/a\nnot-a-url",
            "_next": "1",
        },
    )
    assert response.status_code == 200
    assert "not a valid http(s) URL" in _text(response)
    response = client.post(
        url,
        {
            "label": "disputed",
            "confidence": "60",
            "rationale": "Outlets disagree.",
            "evidence_links": "https://example.org/a",
            "_next": "1",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:desk-queue")
    assert Annotation.objects.get(claim=desk.claim, annotator=desk.a3).label == "disputed"
    assert "Blind until you submit" not in _text(client.get(url))


def test_annotate_save_and_next_goes_to_the_next_claim(client, desk):
    second = AssignmentFactory(annotator=desk.a3)
    client.force_login(desk.a3)
    response = client.post(
        reverse("admin:desk-annotate", args=[desk.claim.pk]),
        {"label": "verified", "confidence": "90", "_next": "1"},
    )
    assert response["Location"] == reverse("admin:desk-annotate", args=[second.claim_id])


def test_annotation_is_frozen_once_published(client, desk):
    Claim.objects.filter(pk=desk.claim.pk).update(status=Claim.Status.PUBLISHED)
    client.force_login(desk.a1)
    url = reverse("admin:desk-annotate", args=[desk.claim.pk])
    assert "can no longer change" in _text(client.get(url))
    client.post(url, {"label": "verified"})
    assert Annotation.objects.get(pk=desk.annotation.pk).label == Label.FALSE


def test_editor_sees_history_of_annotation_changes(client, desk):
    from articles.services.annotations import annotation_submit

    annotation_submit(user=desk.a2, claim_id=desk.claim.pk, label="verified")
    annotation_submit(user=desk.a2, claim_id=desk.claim.pk, label="false", rationale="Changed.")
    annotation = Annotation.objects.get(annotator=desk.a2)
    client.force_login(desk.editor)
    body = _text(client.get(reverse("admin:articles_annotation_history", args=[annotation.pk])))
    assert desk.a2.username in body
    assert "verified" in body.lower()
    assert "false" in body.lower()


# --- the editor's screens ------------------------------------------------------------------


def test_span_form_creates_claim_and_reports_bad_offsets(client, desk):
    client.force_login(desk.editor)
    url = reverse("admin:articles_article_span", args=[desk.article.pk])
    response = client.post(
        url,
        {"mode": "new", "start": 0, "end": 5, "quote": "nowhere to be", "text": "X"},
        follow=True,
    )
    assert "not found in the article" in _text(response)
    start = BODY.index("called the API fee")
    response = client.post(
        url,
        {
            "mode": "new",
            "start": start - 3,
            "end": start + 15,
            "quote": "called the API fee",
            "text": "The API fee is a scam",
            "claimant": "Elon Musk",
        },
        follow=True,
    )
    claim = Claim.objects.get(text="The API fee is a scam")
    appearance = claim.appearances.get()
    assert appearance.start == start
    assert appearance.quote == "called the API fee"
    assert "Created claim" in _text(response)
    response = client.post(
        url,
        {"mode": "attach", "claim_id": desk.other.pk, "start": 0, "end": 9, "quote": "Elon Musk"},
        follow=True,
    )
    assert desk.other.appearances.filter(article=desk.article).exists()


def test_article_page_shows_highlighted_body_and_span_tool(client, desk):
    client.force_login(desk.editor)
    body = _text(client.get(reverse("admin:articles_article_change", args=[desk.article.pk])))
    assert 'id="fc-body"' in body
    assert "<mark" in body
    assert 'id="fc-span-form"' in body
    client.force_login(desk.viewer)
    body = _text(client.get(reverse("admin:articles_article_change", args=[desk.article.pk])))
    assert "<mark" in body
    assert 'id="fc-span-form"' not in body


def test_contested_queue_and_adjudicate_page(client, desk):
    client.force_login(desk.editor)
    body = _text(client.get(reverse("admin:desk-contested")))
    assert desk.claim.text in body
    body = _text(client.get(reverse("admin:desk-adjudicate", args=[desk.claim.pk])))
    assert SECRET_RATIONALE in body
    assert desk.a1.username in body
    response = client.post(
        reverse("admin:desk-adjudicate", args=[desk.claim.pk]),
        {"do": "publish", "label": "false", "reason": ""},
    )
    assert response.status_code == 200
    assert "write the reason" in _text(response)
    assert not Verdict.objects.filter(claim=desk.claim).exists()


# --- query counts --------------------------------------------------------------------------


def _bulk(n):
    annotators = AnnotatorFactory.create_batch(3)
    for _ in range(n):
        claim = ClaimAppearanceFactory().claim
        for a in annotators:
            AssignmentFactory(claim=claim, annotator=a)
            AnnotationFactory(claim=claim, annotator=a)
        _consensus(claim, status=ConsensusStatus.SETTLED)
        Verdict.objects.create(
            claim=claim,
            version=1,
            label="false",
            published_by=EditorFactory(),
            published_at=timezone.now(),
        )
        ConsensusRun.objects.create(
            method="dawid-skene",
            n_claims=n,
            alpha=0.5,
            started_at=timezone.now(),
            finished_at=timezone.now(),
        )
    return annotators


@pytest.mark.parametrize(
    "page",
    [
        "claim",
        "annotation",
        "assignment",
        "consensus",
        "verdict",
        "article",
        "annotatorreliability",
        "consensusrun",
    ],
)
@pytest.mark.parametrize("n", [3, 25])
def test_admin_list_pages_query_count_is_flat(client, django_assert_max_num_queries, page, n):
    _bulk(n)
    editor = EditorFactory()
    client.force_login(editor)
    url = reverse(f"admin:articles_{page}_changelist")
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200


def test_annotator_pages_query_count_is_flat(client, django_assert_max_num_queries):
    annotators = _bulk(20)
    client.force_login(annotators[0])
    for url in [
        reverse("admin:articles_claim_changelist"),
        reverse("admin:articles_annotation_changelist"),
        reverse("admin:desk-queue"),
        reverse("admin:index"),
    ]:
        with django_assert_max_num_queries(16):
            assert client.get(url).status_code == 200


def test_roles_helpers_match_groups(desk):
    assert roles.is_editor(desk.superuser)
    assert not roles.is_annotator(desk.superuser)
    assert set(Group.objects.values_list("name", flat=True)) >= {
        roles.EDITORS,
        roles.ANNOTATORS,
        roles.VIEWERS,
    }
