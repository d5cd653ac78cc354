"""The desk's data model (see DESIGN.md): articles, claims anchored in them, annotations,
assignments, computed consensus, annotator reliability and published verdicts.

Models hold fields, constraints and trivial properties only; every write goes through
`articles.services`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords


class Label(models.TextChoices):
    """An annotator's verdict on a claim, and the label of a consensus or published verdict."""

    VERIFIED = "verified", "Verified"
    DISPUTED = "disputed", "Disputed"
    FALSE = "false", "False"


# Verdicts an annotator must explain in a rationale. The annotate form, the service and the
# annotate screen's script (through a data attribute) all read this set.
LABELS_NEEDING_RATIONALE: frozenset[str] = frozenset({Label.DISPUTED, Label.FALSE})


def rationale_rule_text() -> str:
    """The rationale rule in words, from the labels that need one ("disputed and false")."""
    names = [str(label.label).lower() for label in Label if label in LABELS_NEEDING_RATIONALE]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def default_required_annotations() -> int:
    return int(settings.FACTCHECK_ANNOTATORS_PER_CLAIM)


class Article(models.Model):
    class SourceFormat(models.TextChoices):
        TEXT = "text", "Plain text"
        HTML = "html", "HTML"
        JSON = "json", "JSON record"

    title = models.CharField(max_length=500)
    publisher = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    author = models.CharField(max_length=300, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(max_length=16, blank=True)
    body = models.TextField(help_text="Cleaned article text; claims anchor to offsets in it.")
    raw = models.TextField(help_text="The original as imported, before cleaning.")
    source_format = models.CharField(max_length=8, choices=SourceFormat.choices)
    source_name = models.CharField(max_length=500, blank=True, help_text="File it came from.")
    content_hash = models.CharField(
        max_length=64, unique=True, help_text="SHA-256 of the normalised body."
    )
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="imported_articles",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = (
            models.CheckConstraint(condition=~Q(body=""), name="article_body_not_empty"),
            models.CheckConstraint(condition=~Q(title=""), name="article_title_not_empty"),
        )

    def __str__(self) -> str:
        return self.title


class Claim(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        PUBLISHED = "published", "Published"

    text = models.TextField(help_text="The checkable statement, in normalised wording.")
    claimant = models.CharField(max_length=300, blank=True, help_text="Who made the claim.")
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    required_annotations = models.PositiveSmallIntegerField(
        default=default_required_annotations,
        help_text="How many annotators must rate this claim.",
    )
    # Set in the same transaction as an annotation change whose consensus job could not be
    # queued; the periodic sweep recomputes and clears it.
    consensus_stale = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="created_claims",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = (
            models.CheckConstraint(condition=~Q(text=""), name="claim_text_not_empty"),
            models.CheckConstraint(
                condition=Q(required_annotations__gte=1), name="claim_required_annotations_min_1"
            ),
        )
        indexes = (
            models.Index(fields=["id"], condition=Q(consensus_stale=True), name="claim_stale_idx"),
        )

    def __str__(self) -> str:
        return self.text if len(self.text) <= 80 else self.text[:79] + "…"


class ClaimAppearance(models.Model):
    """One place a claim is made: a character span of an article's cleaned body."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="appearances")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="appearances")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    quote = models.TextField(help_text="Exactly body[start:end] of the article.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("article_id", "start")
        constraints = (
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="appearance_span_order"),
            models.UniqueConstraint(
                fields=["claim", "article", "start", "end"], name="appearance_unique_span"
            ),
        )

    def __str__(self) -> str:
        return f"{self.article_id}[{self.start}:{self.end}]"

    def clean(self) -> None:
        super().clean()
        if self.end <= self.start:
            raise ValidationError({"end": "The span must end after it starts."})
        body = self.article.body
        if self.end > len(body):
            raise ValidationError({"end": f"The span ends past the article ({len(body)} chars)."})
        if body[self.start : self.end] != self.quote:
            raise ValidationError(
                {"quote": "The quote does not match the article text at that span."}
            )


class Annotation(models.Model):
    """One annotator's verdict on one claim; at most one per (claim, annotator)."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="annotations")
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="annotations"
    )
    label = models.CharField(max_length=16, choices=Label.choices)
    confidence = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="How sure the annotator is, 0-100 %."
    )
    rationale = models.TextField(blank=True)
    evidence_links = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = (
            models.UniqueConstraint(
                fields=["claim", "annotator"], name="annotation_one_per_annotator"
            ),
            models.CheckConstraint(
                condition=Q(label__in=Label.values), name="annotation_label_valid"
            ),
            models.CheckConstraint(
                condition=Q(confidence__isnull=True) | Q(confidence__lte=100),
                name="annotation_confidence_range",
            ),
        )

    def __str__(self) -> str:
        return f"{self.annotator_id} → {self.label} on claim {self.claim_id}"


class Assignment(models.Model):
    """A claim handed to an annotator; open until they have annotated it."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="assignments")
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("created_at", "id")
        constraints = (
            models.UniqueConstraint(fields=["claim", "annotator"], name="assignment_unique"),
        )
        indexes = (models.Index(fields=["annotator", "completed_at"], name="assignment_queue_idx"),)

    def __str__(self) -> str:
        return f"claim {self.claim_id} → user {self.annotator_id}"


class ConsensusStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SETTLED = "settled", "Settled"
    CONTESTED = "contested", "Contested"


class Consensus(models.Model):
    """The computed aggregate of a claim's annotations (one per claim, upserted by jobs)."""

    # The claim is the key: one row per claim, and no second unique index to maintain when
    # the full recompute writes every claim's row.
    #
    # No database foreign key: PostgreSQL checks one with a query per inserted row, which cost
    # the full recompute nearly as much as writing the rows themselves (1.5-2 s per 200k
    # claims). Consensus is derived data, recomputable from annotations, and the code keeps the
    # link instead: deleting a claim deletes its row (on_delete=CASCADE, done by Django), the
    # writers join the claims table so they only write rows for existing claims, readers join
    # rows to their claims, and the full recompute deletes any row left without its claim
    # (a claim deleted by hand, or while its row was being written).
    claim = models.OneToOneField(
        Claim,
        on_delete=models.CASCADE,
        related_name="consensus",
        primary_key=True,
        db_constraint=False,
    )
    label = models.CharField(max_length=16, choices=Label.choices, blank=True)
    probabilities = models.JSONField(default=dict)
    agreement = models.FloatField(
        null=True,
        blank=True,
        help_text="Observed agreement: share of annotations on the most frequent label.",
    )
    status = models.CharField(
        max_length=16, choices=ConsensusStatus.choices, default=ConsensusStatus.PENDING
    )
    method = models.CharField(max_length=32)
    parameters = models.JSONField(default=dict)
    n_annotations = models.PositiveIntegerField(default=0)
    fingerprint = models.CharField(max_length=64)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "consensus"
        # On PostgreSQL the table keeps half of each page free (migration 0008) so the full
        # recompute's bulk rewrites are in-place ("HOT") updates.
        # One plain index: db_index on a CharField adds a second (LIKE) index on PostgreSQL,
        # which nobody queries and every bulk recompute would have to maintain.
        indexes = (models.Index(fields=["status"], name="consensus_status_idx"),)

    def __str__(self) -> str:
        return f"{self.status}: {self.label or '—'}"


class KnownAnswer(models.Model):
    """A claim's known answer (a gold claim), marked by an editor. Gold claims are ordinary
    claims to everyone else: assigned and rated like any other, and nothing an annotator sees
    says a claim is gold (this table is read only by the consensus engine and editors' pages).
    The consensus engine fixes a gold claim's truth to this label; published verdicts count as
    known answers too, without a row here."""

    claim = models.OneToOneField(
        Claim, on_delete=models.CASCADE, related_name="known_answer", primary_key=True
    )
    label = models.CharField(max_length=16, choices=Label.choices)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        constraints = (
            models.CheckConstraint(
                condition=Q(label__in=Label.values), name="known_answer_label_valid"
            ),
        )

    def __str__(self) -> str:
        return f"claim {self.claim_id} is {self.label}"


class AnnotatorReliability(models.Model):
    """Per annotator, estimated from all their work by the full recompute."""

    annotator = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reliability"
    )
    confusion = models.JSONField(
        default=dict, help_text="Dawid-Skene confusion matrix: true label → given label → p."
    )
    accuracy = models.FloatField(null=True, blank=True)
    agreement_with_consensus = models.FloatField(null=True, blank=True)
    gold_accuracy = models.FloatField(
        null=True,
        blank=True,
        help_text="Share of this annotator's ratings of claims with a known answer (gold claims "
        "and published verdicts) that match it.",
    )
    n_gold = models.PositiveIntegerField(
        default=0, help_text="Ratings of claims with a known answer."
    )
    n_annotations = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "annotator reliability"

    def __str__(self) -> str:
        return f"reliability of user {self.annotator_id}"


class Verdict(models.Model):
    """An editor's published verdict on a claim. Versioned: publishing again adds a version."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="verdicts")
    version = models.PositiveIntegerField()
    label = models.CharField(max_length=16, choices=Label.choices)
    is_override = models.BooleanField(
        default=False, help_text="The editor published a label other than the consensus."
    )
    reason = models.TextField(blank=True)
    consensus_label = models.CharField(max_length=16, choices=Label.choices, blank=True)
    consensus_status = models.CharField(max_length=16, choices=ConsensusStatus.choices, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="published_verdicts"
    )
    published_at = models.DateTimeField(db_index=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ("-published_at", "-id")
        constraints = (
            models.UniqueConstraint(fields=["claim", "version"], name="verdict_unique_version"),
            models.CheckConstraint(
                condition=Q(is_override=False) | ~Q(reason=""),
                name="verdict_override_needs_reason",
            ),
            models.CheckConstraint(condition=Q(label__in=Label.values), name="verdict_label_valid"),
        )

    def __str__(self) -> str:
        return f"claim {self.claim_id} v{self.version}: {self.label}"


class ImportBatch(models.Model):
    """An import handed to a Celery job: the uploaded files (packed as one zip in the default
    storage, so a worker on another machine can read them) and, once done, one result per file.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    archive = models.FileField(upload_to="imports/%Y/%m/")
    source_name = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    results = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="import_batches",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name_plural = "import batches"

    def __str__(self) -> str:
        return f"import #{self.pk} ({self.status})"


class ConsensusRun(models.Model):
    """One full recompute: the reliability model the per-claim jobs use until the next run
    (class priors; confusion matrices live on AnnotatorReliability) and its statistics."""

    method = models.CharField(max_length=32)
    parameters = models.JSONField(default=dict)
    labels = models.JSONField(default=list, help_text="Label order of the priors.")
    priors = models.JSONField(default=list)
    model_hash = models.CharField(
        max_length=64,
        blank=True,
        help_text="Hash of the estimated priors and confusion matrices; part of every consensus "
        "fingerprint, so re-estimating the same model rewrites nothing.",
    )
    n_claims = models.PositiveIntegerField("claims", default=0)
    n_annotators = models.PositiveIntegerField("annotators", default=0)
    n_annotations = models.PositiveIntegerField("annotations", default=0)
    n_written = models.PositiveIntegerField(
        "rows changed", default=0, help_text="Consensus rows that changed."
    )
    alpha = models.FloatField(null=True, blank=True, help_text="Krippendorff's alpha (nominal).")
    iterations = models.PositiveIntegerField(default=0)
    converged = models.BooleanField(default=True)
    calibration = models.JSONField(
        default=dict,
        blank=True,
        help_text="How the confidence was calibrated: the temperature the per-claim jobs apply, "
        "what it was fitted on, and how many claims had a known answer.",
    )
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()

    class Meta:
        ordering = ("-finished_at", "-id")

    def __str__(self) -> str:
        return f"{self.method} run of {self.finished_at:%Y-%m-%d %H:%M}"
