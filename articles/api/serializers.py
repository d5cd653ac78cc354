"""API serializers: `<Entity>OutputSerializer` renders rows read through selectors;
`<Entity><Action>InputSerializer` validates the shape of a write before one service call (the
services own the rules). Nothing here saves a model."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from articles.models import (
    Annotation,
    Article,
    Assignment,
    Claim,
    ClaimAppearance,
    Consensus,
    ImportBatch,
    Label,
    Verdict,
)

MAX_INT = 2**31 - 1


class ErrorSerializer(serializers.Serializer[Any]):
    """The body of every 401, 403, 404, 405, 406 and 429 answer."""

    detail = serializers.CharField()


# --- articles ---------------------------------------------------------------------------------


class ArticleOutputSerializer(serializers.ModelSerializer[Article]):
    class Meta:
        model = Article
        fields: tuple[str, ...] = (
            "id",
            "title",
            "publisher",
            "url",
            "author",
            "published_at",
            "language",
            "source_format",
            "source_name",
            "created_at",
            "updated_at",
        )
        read_only_fields: tuple[str, ...] = fields


class ArticleDetailOutputSerializer(ArticleOutputSerializer):
    class Meta(ArticleOutputSerializer.Meta):
        fields = (*ArticleOutputSerializer.Meta.fields, "body")
        read_only_fields = fields


class ArticleCreateInputSerializer(serializers.Serializer[Any]):
    """One article: either an uploaded `file` (text, HTML or a JSON record, as the importer
    reads them) or the record's fields. The import service cleans it and gives the errors."""

    file = serializers.FileField(required=False)
    title = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    body = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, max_length=5 * 1024**2
    )
    url = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    publisher = serializers.CharField(required=False, allow_blank=True, max_length=200)
    author = serializers.CharField(required=False, allow_blank=True, max_length=300)
    published_at = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text="A date the importer reads."
    )
    language = serializers.CharField(required=False, allow_blank=True, max_length=16)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "file" not in attrs and not ({"title", "body"} & set(attrs)):
            raise serializers.ValidationError(
                "Send an article as a `file` upload or as `title` and `body` fields."
            )
        return attrs


class ArticleImportOutputSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=("imported", "duplicate"))
    article = ArticleOutputSerializer()


class ImportJobCreateInputSerializer(serializers.Serializer[Any]):
    """Many articles at once, imported by a Celery job: uploaded `files` (zips among them) or
    JSON `records` (each like the single-article fields)."""

    files = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        max_length=100,
        help_text="At most 100 files (zips allowed).",
    )
    records = serializers.ListField(
        child=serializers.DictField(), required=False, max_length=10_000
    )
    publisher = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="Overrides the files' own."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("files") and not attrs.get("records"):
            raise serializers.ValidationError("Send at least one of `files` or `records`.")
        return attrs


class ImportResultSerializer(serializers.Serializer[Any]):
    source = serializers.CharField()  # type: ignore[assignment]
    status = serializers.ChoiceField(choices=("imported", "duplicate", "rejected"))
    article_id = serializers.IntegerField(allow_null=True)
    title = serializers.CharField(allow_blank=True)
    reason = serializers.CharField(allow_blank=True)


class ImportJobOutputSerializer(serializers.ModelSerializer[ImportBatch]):
    results = ImportResultSerializer(many=True, read_only=True)

    class Meta:
        model = ImportBatch
        fields = (
            "id",
            "status",
            "source_name",
            "total",
            "processed",
            "imported",
            "duplicates",
            "rejected",
            "error",
            "results",
            "created_at",
            "finished_at",
        )
        read_only_fields = fields


# --- claims -----------------------------------------------------------------------------------


class AppearanceOutputSerializer(serializers.ModelSerializer[ClaimAppearance]):
    article_url = serializers.CharField(source="article.url", read_only=True)
    article_title = serializers.CharField(source="article.title", read_only=True)
    article_publisher = serializers.CharField(source="article.publisher", read_only=True)
    article_published_at = serializers.DateTimeField(
        source="article.published_at", read_only=True, allow_null=True
    )

    class Meta:
        model = ClaimAppearance
        fields = (
            "id",
            "article",
            "article_url",
            "article_title",
            "article_publisher",
            "article_published_at",
            "start",
            "end",
            "quote",
        )
        read_only_fields = fields


class ConsensusOutputSerializer(serializers.ModelSerializer[Consensus]):
    label = serializers.CharField(  # type: ignore[assignment]
        read_only=True, help_text="verified, disputed or false; '' while pending."
    )
    probabilities = serializers.DictField(child=serializers.FloatField(), read_only=True)

    class Meta:
        model = Consensus
        fields = (
            "label",
            "status",
            "probabilities",
            "agreement",
            "n_annotations",
            "method",
            "computed_at",
        )
        read_only_fields = fields


class ClaimOutputSerializer(serializers.ModelSerializer[Claim]):
    appearances = AppearanceOutputSerializer(many=True, read_only=True)
    consensus = serializers.SerializerMethodField(
        help_text="Null while the caller may not see it (blind annotation) or none exists."
    )
    my_label = serializers.CharField(read_only=True, help_text="The caller's own rating, or ''.")

    class Meta:
        model = Claim
        fields = (
            "id",
            "text",
            "claimant",
            "status",
            "required_annotations",
            "created_at",
            "updated_at",
            "my_label",
            "appearances",
            "consensus",
        )
        read_only_fields = fields

    @extend_schema_field(ConsensusOutputSerializer(allow_null=True))
    def get_consensus(self, claim: Claim) -> dict[str, Any] | None:
        # Prefetched by `claims_for_api` through the blind rule; None when hidden or missing.
        row: Consensus | None = getattr(claim, "visible_consensus", None)
        return dict(ConsensusOutputSerializer(row).data) if row is not None else None


class ClaimCreateInputSerializer(serializers.Serializer[Any]):
    text = serializers.CharField(max_length=10_000)
    claimant = serializers.CharField(required=False, allow_blank=True, max_length=300)
    required_annotations = serializers.IntegerField(required=False, min_value=1, max_value=100)
    article = serializers.PrimaryKeyRelatedField(
        queryset=Article.objects.only("id"), required=False, help_text="Anchor: the article."
    )
    start = serializers.IntegerField(required=False, min_value=0, max_value=MAX_INT)
    end = serializers.IntegerField(required=False, min_value=0, max_value=MAX_INT)
    quote = serializers.CharField(
        required=False, trim_whitespace=False, max_length=100_000, help_text="body[start:end]"
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        span = [key for key in ("article", "start", "end", "quote") if key in attrs]
        if span and len(span) != 4:
            raise serializers.ValidationError(
                "A span needs all of article, start, end and quote (or none of them)."
            )
        return attrs


class AppearanceAddInputSerializer(serializers.Serializer[Any]):
    article = serializers.PrimaryKeyRelatedField(queryset=Article.objects.only("id"))
    start = serializers.IntegerField(min_value=0, max_value=MAX_INT)
    end = serializers.IntegerField(min_value=0, max_value=MAX_INT)
    quote = serializers.CharField(trim_whitespace=False, max_length=100_000)


class RequiredAnnotationsInputSerializer(serializers.Serializer[Any]):
    required_annotations = serializers.IntegerField(min_value=1, max_value=100)


class ClaimAssignInputSerializer(serializers.Serializer[Any]):
    annotator = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.only("id"),
        required=False,
        help_text="Assign to this annotator; omit to staff the claim by load.",
    )


class ClaimPublishInputSerializer(serializers.Serializer[Any]):
    label = serializers.ChoiceField(  # type: ignore[assignment]
        choices=Label.choices, required=False, help_text="Defaults to the consensus."
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=10_000)


class ClaimRetractInputSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=10_000)


# --- annotations and assignments --------------------------------------------------------------


class AnnotationOutputSerializer(serializers.ModelSerializer[Annotation]):
    annotator_username = serializers.CharField(source="annotator.username", read_only=True)
    evidence_links = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Annotation
        fields = (
            "id",
            "claim",
            "annotator",
            "annotator_username",
            "label",
            "confidence",
            "rationale",
            "evidence_links",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class AnnotationReviseInputSerializer(serializers.Serializer[Any]):
    label = serializers.ChoiceField(choices=Label.choices)  # type: ignore[assignment]
    confidence = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=100
    )
    rationale = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    evidence_links = serializers.ListField(
        child=serializers.CharField(max_length=2000, allow_blank=True),
        required=False,
        max_length=100,
    )


class AnnotationSubmitInputSerializer(AnnotationReviseInputSerializer):
    claim = serializers.PrimaryKeyRelatedField(queryset=Claim.objects.only("id"))


class AssignmentOutputSerializer(serializers.ModelSerializer[Assignment]):
    claim_text = serializers.CharField(source="claim.text", read_only=True)

    class Meta:
        model = Assignment
        fields = (
            "id",
            "claim",
            "claim_text",
            "annotator",
            "assigned_by",
            "created_at",
            "completed_at",
        )
        read_only_fields = fields


# --- verdicts ---------------------------------------------------------------------------------


class VerdictOutputSerializer(serializers.ModelSerializer[Verdict]):
    status = serializers.SerializerMethodField()
    consensus_label = serializers.CharField(
        read_only=True, help_text="The consensus label it was published against, or ''."
    )
    consensus_status = serializers.CharField(
        read_only=True, help_text="That consensus's status (pending, settled, contested), or ''."
    )
    claim_text = serializers.CharField(source="claim.text", read_only=True)
    claimant = serializers.CharField(source="claim.claimant", read_only=True)
    appearances = AppearanceOutputSerializer(source="claim.appearances", many=True, read_only=True)

    class Meta:
        model = Verdict
        fields = (
            "id",
            "claim",
            "claim_text",
            "claimant",
            "version",
            "label",
            "status",
            "is_override",
            "reason",
            "consensus_label",
            "consensus_status",
            "published_at",
            "retracted_at",
            "retraction_reason",
            "appearances",
        )
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=("published", "retracted")))
    def get_status(self, verdict: Verdict) -> str:
        return "retracted" if verdict.retracted_at is not None else "published"


class VerdictTombstoneSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(help_text="The deleted verdict's id.")
    claim_id = serializers.IntegerField()
    version = serializers.IntegerField()
    deleted_at = serializers.DateTimeField(source="history_date")


class VerdictListQuerySerializer(serializers.Serializer[Any]):
    all_versions = serializers.BooleanField(default=False)


class TombstoneQuerySerializer(serializers.Serializer[Any]):
    since = serializers.DateTimeField(required=False)
