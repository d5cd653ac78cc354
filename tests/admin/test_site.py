"""The admin site: a table-driven permission matrix (every role,
including users in several groups, x every page and action) and the role helpers."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from articles import roles
from articles.models import (
    Assignment,
    Claim,
    Verdict,
)
from tests.admin.conftest import ROLES, admin_url, login, user_for_role
from tests.factories import (
    AnnotatorFactory,
    ClaimFactory,
)

pytestmark = pytest.mark.django_db


# (name, url builder, expected status for viewer, annotator, editor, superuser, a user in
# Annotators and Viewers, a user in Annotators and Editors).
# Anonymous always gets the login redirect. 302 for a logged-in user means "not found for
# you" (the admin's redirect to the index for objects outside the user's queryset).
PAGES = [
    ("index", admin_url("index"), 200, 200, 200, 200, 200, 200),
    ("article list", admin_url("articles_article_changelist"), 200, 200, 200, 200, 200, 200),
    ("article add", admin_url("articles_article_add"), 403, 403, 403, 403, 403, 403),
    (
        "article change",
        admin_url("articles_article_change", "article"),
        200,
        200,
        200,
        200,
        200,
        200,
    ),
    (
        "article delete",
        admin_url("articles_article_delete", "article"),
        403,
        403,
        200,
        200,
        403,
        200,
    ),
    ("claim list", admin_url("articles_claim_changelist"), 200, 200, 200, 200, 200, 200),
    ("claim add", admin_url("articles_claim_add"), 403, 403, 200, 200, 403, 200),
    ("claim change", admin_url("articles_claim_change", "claim"), 200, 200, 200, 200, 200, 200),
    ("claim delete", admin_url("articles_claim_delete", "claim"), 403, 403, 200, 200, 403, 200),
    ("claim history", admin_url("articles_claim_history", "claim"), 403, 403, 200, 200, 403, 200),
    ("contested queue", admin_url("desk-contested"), 403, 403, 200, 200, 403, 200),
    ("adjudicate", admin_url("desk-adjudicate", "claim"), 403, 403, 200, 200, 403, 200),
    ("annotation list", admin_url("articles_annotation_changelist"), 403, 200, 200, 200, 200, 200),
    (
        "annotation popup",
        lambda d: reverse("admin:articles_annotation_changelist") + "?_popup=1",
        403,
        200,
        200,
        200,
        200,
        200,
    ),
    ("annotation add", admin_url("articles_annotation_add"), 403, 403, 403, 403, 403, 403),
    (
        "others' annotation",
        admin_url("articles_annotation_change", "annotation"),
        403,
        302,
        200,
        200,
        302,
        200,
    ),
    (
        "annotation history",
        admin_url("articles_annotation_history", "annotation"),
        403,
        403,
        200,
        200,
        403,
        200,
    ),
    (
        "annotation delete",
        admin_url("articles_annotation_delete", "annotation"),
        403,
        403,
        403,
        403,
        403,
        403,
    ),
    ("my queue", admin_url("desk-queue"), 403, 200, 403, 403, 200, 200),
    ("annotate", admin_url("desk-annotate", "claim"), 403, 200, 403, 403, 200, 200),
    ("assignment list", admin_url("articles_assignment_changelist"), 403, 200, 200, 200, 200, 200),
    ("assignment add", admin_url("articles_assignment_add"), 403, 403, 200, 200, 403, 200),
    ("consensus list", admin_url("articles_consensus_changelist"), 200, 403, 200, 200, 200, 200),
    (
        "consensus change",
        admin_url("articles_consensus_change", "consensus"),
        200,
        403,
        200,
        200,
        302,
        200,
    ),
    (
        "reliability list",
        admin_url("articles_annotatorreliability_changelist"),
        200,
        403,
        200,
        200,
        200,
        200,
    ),
    (
        "reliability change",
        admin_url("articles_annotatorreliability_change", "reliability"),
        200,
        403,
        200,
        200,
        302,
        200,
    ),
    (
        "consensus run list",
        admin_url("articles_consensusrun_changelist"),
        200,
        403,
        200,
        200,
        200,
        200,
    ),
    ("consensus run add", admin_url("articles_consensusrun_add"), 403, 403, 403, 403, 403, 403),
    ("verdict list", admin_url("articles_verdict_changelist"), 200, 403, 200, 200, 200, 200),
    (
        "verdict change",
        admin_url("articles_verdict_change", "verdict"),
        200,
        403,
        200,
        200,
        302,
        200,
    ),
    (
        "verdict history",
        admin_url("articles_verdict_history", "verdict"),
        403,
        403,
        200,
        200,
        403,
        200,
    ),
    (
        "claim history version",
        lambda d: reverse(
            "admin:articles_claim_simple_history", args=[d.claim.pk, d.claim_history_id]
        ),
        403,
        403,
        200,
        200,
        403,
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
    client = login(client, user_for_role(desk, role))
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
    return Assignment.objects.filter(claim=d.claim).count() > 5  # five in the desk fixture


def _prepare_auto_assign(d):
    Claim.objects.filter(pk=d.claim.pk).update(required_annotations=6)
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
    "auto-assign action": {"editor", "superuser", "annotator+editor"},
    "assign-to action": {"editor", "superuser", "annotator+editor"},
    "set-required action": {"editor", "superuser", "annotator+editor"},
    "send-back action": {"editor", "superuser", "annotator+editor"},
    "publish verdict": {"editor", "superuser", "annotator+editor"},
    "send back from adjudication": {"editor", "superuser", "annotator+editor"},
    "create claim from span": {"editor", "superuser", "annotator+editor"},
    "edit claim": {"editor", "superuser", "annotator+editor"},
    "delete claim": {"editor", "superuser", "annotator+editor"},
    "add assignment": {"editor", "superuser", "annotator+editor"},
    "revert claim from history": set(),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "prepare", "do", "effect"), ACTIONS, ids=[a[0] for a in ACTIONS])
def test_admin_action_permissions(client, desk, role, name, prepare, do, effect):
    prepare(desk)
    response = do(login(client, user_for_role(desk, role)), desk)
    assert response.status_code in {200, 302, 403}
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    allowed = role in ALLOWED[name]
    assert effect(desk) is allowed, f"{role} → {name}"


def test_roles_helpers_match_groups(desk):
    assert roles.is_editor(desk.superuser)
    assert not roles.is_annotator(desk.superuser)
    assert set(Group.objects.values_list("name", flat=True)) >= {
        roles.EDITORS,
        roles.ANNOTATORS,
        roles.VIEWERS,
    }
