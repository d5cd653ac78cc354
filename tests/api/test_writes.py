"""Writes through the API go through the services: article import (single and as a job),
claims from spans, appearances, required annotations, assignment, publishing and retraction,
annotations created and revised."""

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from articles.models import Annotation, Article, Assignment, Claim, ClaimAppearance, ImportBatch
from tests.api.conftest import consensus_for, token_client
from tests.factories import AnnotatorFactory, ArticleFactory, AssignmentFactory, ClaimFactory

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"


@pytest.fixture
def editor_api(editor):
    return token_client(editor)


@pytest.mark.django_db
def test_writes_article_create_from_fields_cleans_and_dedupes(editor_api, editor):
    record = {
        "title": "Musk threatens to sue Microsoft",
        "body": "Click to Skip Ad\nElon Musk said Microsoft trained on Twitter data.\n"
        "The company has not answered.",
        "url": "https://news.example.org/musk",
        "publisher": "Metro Ledger",
        "published_at": "2023-04-20",
    }
    created = editor_api.post("/api/v1/articles/", record, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "imported"
    article = Article.objects.get(pk=body["article"]["id"])
    assert article.imported_by == editor
    assert article.publisher == "Metro Ledger"
    assert "Click to Skip Ad" not in article.body  # the importer's cleaning
    again = editor_api.post("/api/v1/articles/", record, format="json")
    assert again.status_code == 200
    assert again.json() == {"status": "duplicate", "article": body["article"]}


@pytest.mark.django_db
def test_writes_article_create_specific_errors(editor_api):
    no_body = editor_api.post("/api/v1/articles/", {"title": "Only a title"}, format="json")
    assert no_body.status_code == 400
    assert no_body.json() == {"detail": "the record has no body or text"}
    bad_date = editor_api.post(
        "/api/v1/articles/",
        {"title": "T", "body": "Some text here.", "published_at": "someday"},
        format="json",
    )
    assert bad_date.status_code == 400
    assert "published_at 'someday' is not a date" in bad_date.json()["detail"]
    empty = editor_api.post("/api/v1/articles/", {}, format="json")
    assert empty.status_code == 400
    assert "non_field_errors" in empty.json()
    many = SimpleUploadedFile("two.jsonl", b'{"title":"a","body":"b"}\n{"title":"c","body":"d"}\n')
    several = editor_api.post("/api/v1/articles/", {"file": many}, format="multipart")
    assert several.status_code == 400
    assert "import job" in str(several.json())
    assert Article.objects.count() == 0  # nothing partial


@pytest.mark.django_db
def test_writes_article_create_from_seed_file(editor_api):
    seed = next(p for p in sorted(SEEDS.iterdir()) if p.suffix in {".html", ".txt"})
    upload = SimpleUploadedFile(seed.name, seed.read_bytes())
    response = editor_api.post("/api/v1/articles/", {"file": upload}, format="multipart")
    assert response.status_code == 201, response.json()
    assert Article.objects.get().source_name == seed.name


@pytest.mark.django_db
def test_writes_import_job_reports_progress_and_results(
    editor_api, django_capture_on_commit_callbacks
):
    records = [
        {"title": "One", "body": "First article body text."},
        {"title": "Two"},
        {"title": "One", "body": "First article body text."},
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_api.post("/api/v1/import-jobs/", {"records": records}, format="json")
    assert response.status_code == 202, response.json()
    job_id = response.json()["id"]
    assert response["Location"].endswith(f"/api/v1/import-jobs/{job_id}/")
    job = editor_api.get(f"/api/v1/import-jobs/{job_id}/").json()
    assert job["status"] == "done"
    assert (job["total"], job["processed"], job["imported"]) == (3, 3, 1)
    assert [r["status"] for r in job["results"]] == ["imported", "rejected", "duplicate"]
    assert job["results"][1]["reason"] == "the record has no body or text"
    files = [SimpleUploadedFile("a.txt", b"Title A\nBody of article A.")]
    with django_capture_on_commit_callbacks(execute=True):
        uploaded = editor_api.post("/api/v1/import-jobs/", {"files": files}, format="multipart")
    assert uploaded.status_code == 202
    assert ImportBatch.objects.get(pk=uploaded.json()["id"]).imported == 1
    assert editor_api.post("/api/v1/import-jobs/", {}, format="json").status_code == 400


@pytest.mark.django_db
def test_writes_claim_from_span_appearance_required_assign(editor_api):
    article = ArticleFactory(body="Elon Musk said Twitter data trained the model. Others disagree.")
    second = ArticleFactory(body="Reports say Twitter data trained the model, per Musk.")
    created = editor_api.post(
        "/api/v1/claims/",
        {
            "text": "Twitter data trained the model",
            "claimant": "Elon Musk",
            "article": article.pk,
            "start": 15,
            "end": 46,
            "quote": "Twitter data trained the model.",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    claim = created.json()
    assert claim["appearances"][0]["quote"] == article.body[15:46]
    bad = editor_api.post(
        "/api/v1/claims/",
        {"text": "x", "article": article.pk, "start": 0, "end": 4, "quote": "nowhere to be found"},
        format="json",
    )
    assert bad.status_code == 400
    assert bad.json() == {
        "quote": ["The selected text was not found in the article; select it again."]
    }
    partial = editor_api.post("/api/v1/claims/", {"text": "x", "start": 1}, format="json")
    assert partial.status_code == 400
    missing = editor_api.post(
        "/api/v1/claims/", {"text": "x", "article": 10**9, "start": 0, "end": 1, "quote": "E"},
        format="json",
    )  # fmt: skip
    assert missing.status_code == 400
    assert "article" in missing.json()
    assert Claim.objects.count() == 1

    url = f"/api/v1/claims/{claim['id']}/"
    added = editor_api.post(
        url + "appearances/",
        {"article": second.pk, "start": 12, "end": 42, "quote": "Twitter data trained the model"},
        format="json",
    )
    assert added.status_code == 201
    assert len(added.json()["appearances"]) == 2
    dup = editor_api.post(
        url + "appearances/",
        {"article": second.pk, "start": 12, "end": 42, "quote": "Twitter data trained the model"},
        format="json",
    )
    assert dup.status_code == 400
    assert ClaimAppearance.objects.count() == 2

    required = editor_api.post(url + "required-annotations/", {"required_annotations": 2})
    assert required.json()["required_annotations"] == 2
    assert (
        editor_api.post(url + "required-annotations/", {"required_annotations": 0}).status_code
        == 400
    )

    first, second_annotator, third = AnnotatorFactory(), AnnotatorFactory(), AnnotatorFactory()
    by_hand = editor_api.post(url + "assign/", {"annotator": first.pk}, format="json")
    assert by_hand.status_code == 201
    assert by_hand.json()[0]["annotator"] == first.pk
    again = editor_api.post(url + "assign/", {"annotator": first.pk}, format="json")
    assert again.status_code == 400
    assert "already assigned" in again.json()["detail"]
    by_load = editor_api.post(url + "assign/", {}, format="json")
    assert len(by_load.json()) == 1  # staffed up to 2
    assert Assignment.objects.filter(claim_id=claim["id"]).count() == 2
    del second_annotator, third


@pytest.mark.django_db
def test_writes_annotations_create_and_revise(editor):
    annotator = AnnotatorFactory()
    claim = ClaimFactory()
    AssignmentFactory(claim=claim, annotator=annotator)
    client = token_client(annotator)
    refused = client.post(
        "/api/v1/annotations/", {"claim": ClaimFactory().pk, "label": "verified"}, format="json"
    )
    assert refused.status_code == 403
    assert refused.json() == {"detail": "This claim is not assigned to you."}
    no_reason = client.post("/api/v1/annotations/", {"claim": claim.pk, "label": "false"})
    assert no_reason.status_code == 400
    assert "rationale" in no_reason.json()
    created = client.post(
        "/api/v1/annotations/",
        {"claim": claim.pk, "label": "false", "rationale": "The docs say otherwise.",
         "evidence_links": ["https://example.org/doc"]},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.json()
    annotation_id = created.json()["id"]
    assert Assignment.objects.get(claim=claim, annotator=annotator).completed_at is not None
    revised = client.put(
        f"/api/v1/annotations/{annotation_id}/",
        {"label": "verified", "confidence": 90},
        format="json",
    )
    assert revised.status_code == 200
    assert revised.json()["label"] == "verified"
    assert Annotation.objects.get(pk=annotation_id).history.count() == 2
    bad_link = client.put(
        f"/api/v1/annotations/{annotation_id}/",
        {"label": "verified", "evidence_links": ["not a url"]},
        format="json",
    )
    assert bad_link.status_code == 400
    assert "evidence_links" in bad_link.json()
    # Someone else's annotation cannot be revised, even by an annotator-editor who can read it.
    from django.contrib.auth.models import Group

    editor.groups.add(Group.objects.get(name="Annotators"))
    other = token_client(editor).put(
        f"/api/v1/annotations/{annotation_id}/", {"label": "false", "rationale": "no"}
    )
    assert other.status_code == 403
    assert Annotation.objects.get(pk=annotation_id).label == "verified"


@pytest.mark.django_db
def test_writes_publish_and_retract(editor_api, django_capture_on_commit_callbacks):
    claim = ClaimFactory()
    consensus_for(claim)
    published = editor_api.post(f"/api/v1/claims/{claim.pk}/publish/", {}, format="json")
    assert published.status_code == 201, published.json()
    assert published.json()["label"] == "verified"
    no_reason = editor_api.post(f"/api/v1/claims/{claim.pk}/publish/", {"label": "false"})
    assert no_reason.status_code == 400
    assert "reason" in no_reason.json()
    retracted = editor_api.post(f"/api/v1/claims/{claim.pk}/retract/", {"reason": "Wrong source"})
    assert retracted.status_code == 200
    assert retracted.json()["status"] == "retracted"
    twice = editor_api.post(f"/api/v1/claims/{claim.pk}/retract/", {"reason": "again"})
    assert twice.status_code == 400
    assert twice.json() == {"detail": "This claim has no published verdict to retract."}
    claim.refresh_from_db()
    assert claim.status == Claim.Status.OPEN
    assert json.loads(editor_api.get("/api/v1/claims/999999/").content) == {
        "detail": "No Claim matches the given query."
    }
