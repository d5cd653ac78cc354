"""The desk's data model (see DESIGN.md): articles, claims anchored in them, annotations,
assignments, computed consensus, annotator reliability and published verdicts.

Models hold fields, constraints and trivial properties only; every write goes through
`articles.services`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords


class Label(models.TextChoices):
    """An annotator's verdict on a claim, and the label of a consensus or published verdict.

    Ordered best first: the order is the rating scale of published ClaimReviews. A new label
    needs this entry, its migration and one colour token in desk.css (`.fc-label-<value>`)."""

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


# The instants Python can hold (PostgreSQL stores later ones, which then fail to load): a
# stored date outside them would break every page that reads the row.
EARLIEST_DATE = datetime(1, 1, 1, tzinfo=UTC)
LATEST_DATE = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)


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
    claims_found_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the claim-finding job went over the article (matched its sentences to "
        "the claims on file and grouped them with its import's other articles); empty until then.",
    )

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = (
            models.CheckConstraint(condition=~Q(body=""), name="article_body_not_empty"),
            models.CheckConstraint(condition=~Q(title=""), name="article_title_not_empty"),
            models.CheckConstraint(
                condition=Q(published_at__isnull=True)
                | Q(published_at__range=(EARLIEST_DATE, LATEST_DATE)),
                name="article_published_at_in_range",
            ),
        )
        # The admin list's default ordering (read backwards) and its filters' value lists (the
        # claims table filters by publisher too).
        indexes = (
            models.Index(fields=["created_at", "id"], name="article_created_idx"),
            # The date bar's first and last day, its drill-downs, and the list sorted by date.
            models.Index(fields=["published_at", "id"], name="article_published_idx"),
            models.Index(fields=["publisher"], name="article_publisher_idx"),
            models.Index(fields=["language"], name="article_language_idx"),
        )

    def __str__(self) -> str:
        return self.title


class Claim(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        PUBLISHED = "published", "Published"

    text = models.TextField(help_text="The checkable statement, in normalised wording.")
    claimant = models.CharField(max_length=300, blank=True, help_text="Who made the claim.")
    # Indexed with the id (claim_status_idx), not alone: filters and the sorted claim list.
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    required_annotations = models.PositiveSmallIntegerField(
        default=default_required_annotations,
        help_text="How many annotators must rate this claim.",
    )
    # Set in the same transaction as every change its consensus depends on (annotations, the
    # required count, a known answer); a recompute of the claim clears it. Claims left stale
    # (their job could not be queued, or its worker died) are caught up by the periodic sweep.
    consensus_stale = models.BooleanField(default=False)
    # Counts the times the consensus was marked stale. A full recompute clears the flag only of
    # claims whose count is still the one its snapshot read: a claim changed after the snapshot
    # stays stale, for the recompute that will read the change.
    consensus_version = models.PositiveBigIntegerField(default=0, db_default=0, editable=False)
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
            # The claim list's default ordering (read backwards).
            models.Index(fields=["created_at", "id"], name="claim_created_idx"),
            # The status filter, and the list sorted by status (either way: the admin breaks
            # ties on the id in the sort's direction, articles.admin.changelists).
            models.Index(fields=["status", "id"], name="claim_status_idx"),
            # The adjudication queues walk open claims oldest first, up to their page.
            models.Index(
                fields=["created_at", "id"],
                condition=Q(status="open"),
                name="claim_open_created_idx",
            ),
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
        return f"Article {self.article_id}, characters {self.start}\u2013{self.end}"

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
    # Submit, peek, revise: once the claim's outcome has been shown to its author, the label
    # they had then is the one the consensus counts; a later revision is kept and shown to
    # editors, but does not count twice.
    counted_label = models.CharField(
        max_length=16,
        choices=Label.choices,
        help_text="The label the consensus counts: the one given before the outcome was seen.",
    )
    revealed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the claim's outcome was first shown to its author."
    )
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
                condition=Q(counted_label__in=Label.values), name="annotation_counted_label_valid"
            ),
            models.CheckConstraint(
                condition=Q(label__in=Label.values), name="annotation_label_valid"
            ),
            models.CheckConstraint(
                condition=Q(confidence__isnull=True) | Q(confidence__lte=100),
                name="annotation_confidence_range",
            ),
        )
        # The annotators dashboard reads one page of annotators' recent ratings; the admin
        # list's default ordering is read backwards.
        indexes = (
            models.Index(fields=["annotator", "created_at"], name="annotation_annotator_time_idx"),
            models.Index(fields=["created_at", "id"], name="annotation_created_idx"),
        )

    def __str__(self) -> str:
        return f"{self.annotator}'s rating of claim {self.claim_id}: {self.get_label_display()}"

    @property
    def revised_after_reveal(self) -> bool:
        """The author changed their label after seeing the claim's outcome."""
        return self.label != self.counted_label


class Assignment(models.Model):
    """A claim handed to an annotator; open until they have annotated it, or until an editor's
    decision closes it unrated (`closed_at`)."""

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
    closed_at = models.DateTimeField(
        null=True, blank=True, help_text="Closed unrated, e.g. when the verdict was published."
    )
    close_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ("created_at", "id")
        constraints = (
            models.UniqueConstraint(fields=["claim", "annotator"], name="assignment_unique"),
        )
        indexes = (
            models.Index(fields=["annotator", "completed_at"], name="assignment_queue_idx"),
            # The admin list's default ordering.
            models.Index(fields=["created_at", "id"], name="assignment_created_idx"),
            # An annotator's open assignments (their queue and its count in the navigation of
            # every page), oldest first: the same rule as `open_q`.
            models.Index(
                fields=["annotator", "created_at", "id"],
                condition=Q(completed_at__isnull=True, closed_at__isnull=True),
                name="assignment_open_idx",
            ),
            # The admin list's "open" and "closed unrated" filters in its default ordering: the
            # open ones are the newest, the closed ones few, so walking the whole list's index
            # for them would pass most of the table first.
            models.Index(
                fields=["created_at", "id"],
                condition=Q(completed_at__isnull=True, closed_at__isnull=True),
                name="assignment_open_created_idx",
            ),
            models.Index(
                fields=["created_at", "id"],
                condition=Q(completed_at__isnull=True, closed_at__isnull=False),
                name="assignment_closed_idx",
            ),
        )

    def __str__(self) -> str:
        return f"Claim {self.claim_id} assigned to {self.annotator}"

    @property
    def is_open(self) -> bool:
        """Neither rated nor closed (the same rule as `open_q`)."""
        return self.completed_at is None and self.closed_at is None

    @staticmethod
    def open_q(prefix: str = "") -> Q:
        """What "open" means (in the annotator's queue, counted in their load): neither rated
        nor closed. `prefix` is the lookup path from another model ("assignments__")."""
        return Q(**{f"{prefix}completed_at__isnull": True, f"{prefix}closed_at__isnull": True})


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
        label = f", {self.get_label_display()}" if self.label else ""
        return f"Consensus on claim {self.claim_id}: {self.get_status_display()}{label}"

    @property
    def is_decided(self) -> bool:
        """Tells its reader something: not pending, with a label (a pending consensus shows
        only how many ratings are in)."""
        return self.status != ConsensusStatus.PENDING and bool(self.label)


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
        return f"Reliability of {self.annotator}"


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
    # A retracted version stays on file (and in exports, marked retracted) so that a client
    # syncing with `updated_since` learns that the verdict was withdrawn.
    retracted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    retraction_reason = models.TextField(blank=True)
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
        return f"Verdict v{self.version} on claim {self.claim_id}: {self.get_label_display()}"


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
    # Jobs that started on this batch, and when the last one started or recorded a file: a
    # batch whose job died is resumed by the periodic check a few times, then marked failed
    # (articles/services/imports.py, import_batches_recover).
    attempts = models.PositiveSmallIntegerField(default=0, db_default=0)
    progress_at = models.DateTimeField(null=True, blank=True)
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
        return f"Import #{self.pk} ({self.get_status_display()})"


class ConsensusRun(models.Model):
    """One full recompute: the reliability model the consensus sweeps use until the next run
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
        help_text="How the confidence was calibrated: the temperature the consensus sweeps apply, "
        "what it was fitted on, and how many claims had a known answer.",
    )
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()

    class Meta:
        ordering = ("-finished_at", "-id")

    def __str__(self) -> str:
        return f"{self.method} run of {self.finished_at:%Y-%m-%d %H:%M}"


class SuggestionGroup(models.Model):
    """Suggested sentences of one import batch that state the same new claim (in several
    articles): accepting one of them makes one claim with an appearance in each."""

    text = models.TextField(help_text="The best-scoring member's sentence.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return self.text if len(self.text) <= 80 else self.text[:79] + "…"


class ClaimSuggestion(models.Model):
    """A check-worthy sentence of an article suggested as a claim, and the editor's decision.

    Keyed by (article, sentence key): the SHA-256 of the normalised sentence, so a rejected
    sentence stays rejected however often suggestions are recomputed.
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="suggestions")
    sentence_key = models.CharField(max_length=64)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    text = models.TextField(help_text="Exactly body[start:end] of the article.")
    score = models.FloatField()
    reasons = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    group = models.ForeignKey(
        SuggestionGroup,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    similarity = models.FloatField(
        null=True, blank=True, help_text="Similarity to the group's best-scoring sentence."
    )
    claim = models.ForeignKey(
        Claim, null=True, blank=True, on_delete=models.SET_NULL, related_name="suggestions"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-score", "article_id", "start")
        constraints = (
            models.UniqueConstraint(
                fields=["article", "sentence_key"], name="suggestion_unique_sentence"
            ),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="suggestion_span_order"),
        )
        indexes = (models.Index(fields=["article", "status"], name="suggestion_article_idx"),)

    def __str__(self) -> str:
        return (
            f"Article {self.article_id}, characters {self.start}\u2013{self.end}: "
            f"{self.get_status_display()}"
        )


class ProposedAppearance(models.Model):
    """A sentence found by matching that seems to state a claim on file: an appearance waiting
    for an editor to confirm (it becomes a ClaimAppearance) or reject (it is not proposed
    again)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        CONFIRMED = "confirmed", "Confirmed"
        REJECTED = "rejected", "Rejected"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="proposed_appearances")
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="proposed_appearances"
    )
    sentence_key = models.CharField(max_length=64)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    quote = models.TextField(help_text="Exactly body[start:end] of the article.")
    similarity = models.FloatField()
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PROPOSED, db_index=True
    )
    appearance = models.ForeignKey(
        ClaimAppearance, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-similarity", "id")
        constraints = (
            models.UniqueConstraint(
                fields=["claim", "article", "sentence_key"], name="proposed_unique_sentence"
            ),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="proposed_span_order"),
        )

    def __str__(self) -> str:
        return (
            f"Claim {self.claim_id} in article {self.article_id}, "
            f"characters {self.start}\u2013{self.end}"
        )


class ContradictionFlag(models.Model):
    """Two passages of one claim give different values of one kind (figures, money amounts,
    percentages, dates, names). Derived: recomputed whenever the claim's passages change."""

    class Kind(models.TextChoices):
        MONEY = "money", "Money amount"
        PERCENT = "percent", "Percentage"
        FIGURE = "figure", "Figure"
        DATE = "date", "Date"
        NAME = "name", "Name"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="contradictions")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    first_article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    first_start = models.PositiveIntegerField()
    first_end = models.PositiveIntegerField()
    first_values = models.JSONField(default=list)
    first_proposed = models.BooleanField(
        default=False, help_text="The first passage is a proposed, not yet confirmed, appearance."
    )
    second_article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    second_start = models.PositiveIntegerField()
    second_end = models.PositiveIntegerField()
    second_values = models.JSONField(default=list)
    second_proposed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("claim_id", "kind", "id")

    def __str__(self) -> str:
        return f"claim {self.claim_id}: {self.kind} {self.first_values} ≠ {self.second_values}"


class ApiToken(models.Model):
    """A named API token of one user. Only a SHA-256 digest of the key is stored: the key itself
    is shown once, when issued. Revoked tokens are kept (with the time) for the record."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(
        max_length=12, help_text="The key's first characters, to tell tokens apart."
    )
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("user_id", "name")
        verbose_name = "API token"
        constraints = (
            models.UniqueConstraint(
                fields=["user", "name"],
                condition=Q(revoked_at__isnull=True),
                name="api_token_unique_active_name",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="api_token_name_not_empty"),
        )

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class WebhookEvent(models.TextChoices):
    """What a webhook can be told about."""

    VERDICT_PUBLISHED = "verdict.published", "Verdict published"
    VERDICT_CHANGED = "verdict.changed", "Verdict changed (a new version)"
    VERDICT_RETRACTED = "verdict.retracted", "Verdict retracted"


class Webhook(models.Model):
    """An endpoint (a newsroom's CMS) told about verdict events, signed with its secret."""

    name = models.CharField(max_length=100)
    url = models.URLField(max_length=2000)
    secret = models.CharField(
        max_length=200, help_text="Shared secret for the HMAC-SHA256 signature of each delivery."
    )
    events = models.JSONField(default=list, help_text="Event names this endpoint receives.")
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name", "id")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        if problem := webhook_url_problem(self.url):
            errors["url"] = problem
        events = self.events if isinstance(self.events, list) else None
        if not events or any(event not in WebhookEvent.values for event in events):
            errors["events"] = f"Choose one or more of: {', '.join(WebhookEvent.values)}."
        if errors:
            raise ValidationError(errors)


def webhook_url_problem(url: str) -> str | None:
    """Why deliveries could not be POSTed to `url`, or None (also for a missing or malformed
    URL: the URL field's own validation says what is wrong with it)."""
    try:
        URLValidator()(url)
    except ValidationError:
        return None
    parts = urlsplit(url)
    userinfo = parts.username is not None or parts.password is not None
    if parts.scheme not in ("http", "https"):
        return "Deliveries are POSTed over HTTP: use an http:// or https:// address."
    if userinfo:
        return (
            "Leave the user name and password out of the address: every delivery is signed "
            "with the secret below (X-Factcheck-Signature), which the endpoint checks."
        )
    return None


class WebhookDelivery(models.Model):
    """One event sent (or being sent) to one webhook, with its outcome."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RETRYING = "retrying", "Retrying"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=32, choices=WebhookEvent.choices)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    response_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event} → {self.webhook_id} ({self.status})"
