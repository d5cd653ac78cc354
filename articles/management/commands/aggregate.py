"""`manage.py aggregate FILE.csv --method METHOD`: offline consensus.

Reads annotations from a CSV file (one row per claim/annotator/label), aggregates them with the
chosen method (any in the registry, `articles.consensus.methods`) and writes
``claim_id,label,confidence,status,p_<label>...`` to ``--out`` or stdout. Agreement statistics go
to stderr. With ``--gold FILE.csv`` (``claim_id,label``: known answers) the known claims' truth
is fixed, and stderr reports the calibration error and the accuracy of settled claims on the
known answers, by cross-validation, so a desk can check its own crowd. Never touches the
database: it runs on a laptop with only the CSV, even when the
configured database is unreachable.
"""

from __future__ import annotations

from argparse import ArgumentTypeError
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from articles.consensus import (
    DEFAULT_METHOD,
    METHOD_NAMES,
    STATUS_NAMES,
    Posteriors,
    agreement_with_consensus,
    decide,
    get_method,
    krippendorff_alpha,
    threshold_problem,
)
from articles.consensus.arrays import IntArray
from articles.consensus.calibrated import N_FOLDS
from articles.consensus.calibration import N_BINS, calibration_report
from articles.consensus.csvio import (
    DUPLICATE_POLICIES,
    AnnotationTable,
    CsvFormatError,
    KnownAnswers,
    read_annotations_file,
    read_known_answers_file,
    write_consensus,
    write_consensus_file,
)
from articles.consensus.known import with_known_answers
from articles.consensus.methods import cross_validated_posteriors

LIST_ALL_UP_TO = 12  # annotators listed in full; beyond this, the top and bottom few
LIST_EACH_END = 5


class Command(BaseCommand):
    help = (
        "Aggregate annotations from a CSV file (claim, annotator, label per row) into a "
        "consensus CSV, without using the database."
    )
    # No system checks: they are not needed to read a CSV and must not reach for the database.
    requires_system_checks = ()

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="Annotation CSV file (UTF-8, with header).")
        parser.add_argument(
            "--method",
            choices=METHOD_NAMES,
            default=DEFAULT_METHOD,
            help=f"Aggregation method (default {DEFAULT_METHOD}).",
        )
        parser.add_argument(
            "--out", type=Path, help="Write the consensus CSV here (default stdout)."
        )
        parser.add_argument(
            "--gold",
            type=Path,
            help="Known answers, a CSV of claim_id,label: their truth is fixed, and the "
            "calibration error and the accuracy of settled claims on them are reported "
            "(cross-validated).",
        )
        parser.add_argument("--claim-column", default="claim_id")
        parser.add_argument("--annotator-column", default="annotator_id")
        parser.add_argument("--label-column", default="label")
        parser.add_argument(
            "--duplicates",
            choices=DUPLICATE_POLICIES,
            default="last",
            help="A claim rated more than once by the same annotator: keep the last rating "
            "(default, as the desk does when a rating is revised), count every rating (all), "
            "or reject the file (error).",
        )
        parser.add_argument(
            "--labels",
            type=_label_list,
            default=None,
            help="The declared labels, comma-separated (e.g. verified,disputed,false): a row "
            "with any other label is reported and the file rejected; every declared label gets a "
            "p_ column. Labels are compared with case and surrounding whitespace ignored.",
        )
        parser.add_argument(
            "--threshold",
            type=float,
            default=None,
            help="Top probability needed to settle a claim "
            "(default FACTCHECK_CONSENSUS_THRESHOLD).",
        )
        parser.add_argument(
            "--min-annotations",
            type=int,
            default=None,
            help="Annotations needed before a claim can settle "
            "(default FACTCHECK_CONSENSUS_MIN_ANNOTATIONS).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        threshold = options["threshold"]
        if threshold is None:
            threshold = float(settings.FACTCHECK_CONSENSUS_THRESHOLD)
        min_annotations = options["min_annotations"]
        if min_annotations is None:
            min_annotations = int(settings.FACTCHECK_CONSENSUS_MIN_ANNOTATIONS)
        if problem := threshold_problem(threshold):
            raise CommandError(f"--threshold {problem}")
        if min_annotations < 0:
            raise CommandError(f"--min-annotations must be non-negative, got {min_annotations}")

        path: Path = options["file"]
        try:
            table = read_annotations_file(
                path,
                claim_column=options["claim_column"],
                annotator_column=options["annotator_column"],
                label_column=options["label_column"],
                duplicates=options["duplicates"],
                labels=options["labels"],
            )
        except CsvFormatError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from exc
        if table.n_repeated:
            use = "the last of each was used" if options["duplicates"] == "last" else "all count"
            self.stderr.write(
                f"note: {table.n_repeated} repeated rating(s) of a claim by the same annotator; "
                f"{use} (--duplicates to change). First: " + "; ".join(table.repeated_examples)
            )
        original = table
        if table.n_labels < 2:
            # One label only: every method is trivially unanimous; keep the math's L >= 2 rule.
            table = _with_extra_label(table)

        out_path: Path | None = options["out"]
        method: str = options["method"]
        # Work that needs only the table (the agreement statistic) or the outcome (writing the
        # file) runs on threads beside the method's fit and the report: numpy and pyarrow let
        # the other threads run while they work.
        with ThreadPoolExecutor(max_workers=2) as beside:
            alpha = beside.submit(krippendorff_alpha, *table.codes, **table.sizes)
            answers = self._known_answers(options["gold"], original)
            known = answers.known if answers is not None else None
            posteriors, accuracy, summary = self._aggregate(table, method, known)
            outcome = decide(
                posteriors, table.n_votes, min_votes=min_annotations, threshold=threshold
            )
            written = None
            if out_path is None:
                write_consensus(self.stdout, original, posteriors, outcome)
            else:
                written = beside.submit(
                    write_consensus_file, out_path, original, posteriors, outcome
                )
            lines = self._report_lines(
                table,
                posteriors,
                outcome.status,
                accuracy,
                summary,
                threshold,
                min_annotations,
                alpha=alpha.result(),
            )
            if written is not None:
                try:
                    written.result()
                except OSError as exc:
                    raise CommandError(f"cannot write {out_path}: {exc.strerror or exc}") from exc
        for line in lines:
            self.stderr.write(line, style_func=lambda text: text)
        if answers is not None:
            self._report_gold(table, method, answers, threshold)

    def _known_answers(self, path: Path | None, table: AnnotationTable) -> KnownAnswers | None:
        if path is None:
            return None
        try:
            return read_known_answers_file(path, table)
        except CsvFormatError as exc:
            raise CommandError(
                str(exc).replace("invalid annotation CSV", "invalid gold CSV")
            ) from exc
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from exc

    def _aggregate(
        self, table: AnnotationTable, method_name: str, known: IntArray | None
    ) -> tuple[Posteriors, np.ndarray[Any, np.dtype[np.float64]] | None, str]:
        """The method's fit over the table: posteriors (known claims hold their answer),
        each annotator's estimated accuracy (None for a method without a reliability model) and
        a one-line summary."""
        method = get_method(method_name)
        estimate = method.fit(*table.codes, **table.sizes, known=known)
        accuracy = estimate.accuracy if method.uses_reliability else None
        summary = method.describe(estimate)
        if estimate.calibration:
            facts = estimate.calibration
            summary += f"; temperature {estimate.temperature:.3f} fitted on {facts['source']}"
        return with_known_answers(estimate.posteriors, known), accuracy, summary

    def _report_gold(
        self, table: AnnotationTable, method_name: str, answers: KnownAnswers, threshold: float
    ) -> None:
        """Calibration on the known answers, each claim scored without its own answer."""

        def say(message: str) -> None:
            self.stderr.write(message, style_func=lambda text: text)

        say(f"known answers: {answers.n_known} claims ({answers.n_rows} rows)")
        if answers.unmatched:
            say(
                f"note: {len(answers.unmatched)} known-answer claim(s) have no annotations and "
                "were left out. First: " + ", ".join(answers.unmatched[:3])
            )
        items, held_out = cross_validated_posteriors(
            get_method(method_name), *table.codes, **table.sizes, known=answers.known
        )
        if not items.size:
            say("calibration on the known answers: n/a (no known claim has annotations)")
            return
        report = calibration_report(held_out, answers.known[items], threshold=threshold)
        settled = round(report.settled_share * report.n)
        say(
            f"calibration on the known answers ({N_FOLDS}-fold cross-validation, "
            f"{report.n} claims): accuracy {report.accuracy:.3f}, mean confidence "
            f"{report.mean_confidence:.3f}, calibration error (ECE, {N_BINS} bins) "
            f"{report.ece:.3f}"
        )
        say(
            f"settled (confidence >= {threshold:g}): {settled} of {report.n} "
            f"({report.settled_share:.0%}), accuracy of settled {_fmt(report.settled_accuracy)}"
            + (
                ""
                if np.isnan(report.settled_accuracy) or report.settled_accuracy >= threshold
                else f"  WARNING: below the threshold {threshold:g}"
            )
        )

    def _report_lines(
        self,
        table: AnnotationTable,
        posteriors: Posteriors,
        status: np.ndarray[Any, np.dtype[np.int8]],
        accuracy: np.ndarray[Any, np.dtype[np.float64]] | None,
        summary: str,
        threshold: float,
        min_annotations: int,
        *,
        alpha: float,
    ) -> list[str]:
        """The report's lines for stderr: the method, the table's size, agreement (`alpha`:
        Krippendorff's), the status counts, and the annotators."""
        lines: list[str] = []
        say = lines.append

        say(f"method: {summary}")
        say(
            f"claims: {table.n_items}  annotators: {table.n_workers}  "
            f"annotations: {table.n_annotations}  labels: {', '.join(table.label_names)}"
        )
        say("Krippendorff's alpha (nominal): " + ("n/a" if np.isnan(alpha) else f"{alpha:.4f}"))
        counts = np.bincount(status, minlength=len(STATUS_NAMES))
        say(
            "status: "
            + ", ".join(f"{name} {int(n)}" for name, n in zip(STATUS_NAMES, counts, strict=True))
            + f"  (threshold {threshold:g}, min annotations {min_annotations})"
        )
        say(f"ties: {int(posteriors.tie.sum())}")

        agreement = agreement_with_consensus(
            *table.codes, posteriors.labels, n_workers=table.n_workers
        )
        volume = np.bincount(table.worker_idx, minlength=table.n_workers)
        # Most reliable first: by estimated accuracy when the method has one, else agreement.
        key = accuracy if accuracy is not None else agreement
        order = np.lexsort((np.arange(table.n_workers), -np.nan_to_num(key, nan=-1.0)))
        if table.n_workers <= LIST_ALL_UP_TO:
            shown: list[int | None] = [int(w) for w in order]
            title = "annotators"
        else:
            shown = [int(w) for w in order[:LIST_EACH_END]]
            shown.append(None)
            shown.extend(int(w) for w in order[-LIST_EACH_END:])
            title = f"annotators (top and bottom {LIST_EACH_END} of {table.n_workers})"
        width = max(
            len("annotator"), *(len(table.annotator_ids[w]) for w in shown if w is not None)
        )
        header = f"  {'annotator':<{width}}  annotations  agreement"
        if accuracy is not None:
            header += "  est. accuracy"
        say(f"{title}:")
        say(header)
        for worker in shown:
            if worker is None:
                say(f"  {'...':<{width}}")
                continue
            line = (
                f"  {table.annotator_ids[worker]:<{width}}  {int(volume[worker]):>11}  "
                f"{_fmt(agreement[worker]):>9}"
            )
            if accuracy is not None:
                line += f"  {_fmt(accuracy[worker]):>13}"
            say(line)
        return lines


def _label_list(text: str) -> list[str]:
    """`--labels`: comma-separated, blanks ignored; at least one label."""
    labels = [label for label in (part.strip() for part in text.split(",")) if label]
    if not labels:
        raise ArgumentTypeError("give at least one label, e.g. verified,disputed,false")
    return labels


def _fmt(value: float) -> str:
    return "n/a" if np.isnan(value) else f"{value:.3f}"


def _with_extra_label(table: AnnotationTable) -> AnnotationTable:
    """Add a second, unused label so the math's ``n_labels >= 2`` holds for one-label files.

    Only the real labels are written out (``write_consensus`` takes the original table).
    """
    extra = "(none)" if table.label_names != ("(none)",) else "(other)"
    return AnnotationTable(
        item_idx=table.item_idx,
        worker_idx=table.worker_idx,
        label_idx=table.label_idx,
        claim_ids=table.claim_ids,
        annotator_ids=table.annotator_ids,
        label_names=(*table.label_names, extra),
    )
