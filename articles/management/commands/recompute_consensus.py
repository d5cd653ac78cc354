"""`python manage.py recompute_consensus [--claim ID ...]`: recompute consensus now.

Without --claim: the full recompute (re-estimate annotator reliability with the configured method
over all annotations and rewrite every claim's consensus in bulk). With --claim: only those claims,
with the current reliabilities, as the consensus sweep does.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from articles.models import Claim
from articles.services import consensus as consensus_services
from articles.services.consensus_config import ConsensusConfig

STAGE_LABELS = {
    "load": "loading annotations",
    "estimate": "estimating reliability",
    "write": "writing consensus",
    "done": "done",
}


class Command(BaseCommand):
    help = "Recompute claim consensus (all claims by default, or the given --claim ids)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--claim",
            dest="claims",
            type=int,
            action="append",
            metavar="ID",
            help="Recompute only this claim (repeatable).",
        )
        parser.add_argument("--no-progress", action="store_true", help="Hide the progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        claims: list[int] | None = options["claims"]
        show = not options["no_progress"]
        try:
            config = ConsensusConfig.from_settings()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        if claims:
            self._recompute_claims(claims, show=show)
            return
        with tqdm(total=4, desc="full recompute", unit="stage", disable=not show) as bar:

            def progress(stage: str, done: int, total: int) -> None:
                bar.set_postfix_str(STAGE_LABELS.get(stage, stage))
                bar.n = done
                bar.refresh()

            summary = consensus_services.consensus_full_recompute(progress=progress)
        alpha = summary["alpha"]
        self.stdout.write(
            f"{config.method.name}: {summary['claims']} claims, "
            f"{summary['annotations']} annotations, {summary['written']} consensus rows changed; "
            "Krippendorff's alpha " + ("n/a" if alpha is None else f"{alpha:.3f}")
        )

    def _recompute_claims(self, claim_ids: list[int], *, show: bool) -> None:
        found = set(Claim.objects.filter(pk__in=claim_ids).values_list("id", flat=True))
        missing = sorted(set(claim_ids) - found)
        if missing:
            raise CommandError(f"no claim with id {', '.join(map(str, missing))}")
        written = 0
        for claim_id in tqdm(claim_ids, desc="claims", unit="claim", disable=not show):
            result = consensus_services.claim_consensus_recompute(claim_id=claim_id)
            written += result["result"] == "written"
        self.stdout.write(f"{len(claim_ids)} claims recomputed, {written} changed.")
