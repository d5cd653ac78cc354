"""`python manage.py demo`: bring up a working demo desk and serve it.

Migrates the database, creates the demo users (an editor, three annotators, a viewer), imports
the sample articles shipped in `articles/sample_articles/`, anchors the sample claims in them,
assigns them, records the annotators' verdicts, computes consensus, publishes one verdict, then
runs the development server. Running it again creates nothing twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from articles import roles
from articles.importing.formats import format_for
from articles.models import Annotation, Article, Claim, ClaimAppearance, Label, Verdict
from articles.services.annotations import annotation_submit
from articles.services.assignments import claims_auto_assign
from articles.services.claims import appearance_add, claim_create
from articles.services.consensus import claim_consensus_recompute, consensus_full_recompute
from articles.services.imports import articles_import_paths
from articles.services.verdicts import verdict_publish

SAMPLES = Path(__file__).resolve().parents[2] / "sample_articles"
CLAIMS_FILE = SAMPLES / "CLAIMS.json"  # the demo's claims and their quotes, not an article


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    group: str
    first_name: str


USERS = (
    DemoUser("editor", "demo-editor-pass", roles.EDITORS, "Eda"),
    DemoUser("anna", "demo-anna-pass", roles.ANNOTATORS, "Anna"),
    DemoUser("ben", "demo-ben-pass", roles.ANNOTATORS, "Ben"),
    DemoUser("chloe", "demo-chloe-pass", roles.ANNOTATORS, "Chloe"),
    DemoUser("viewer", "demo-viewer-pass", roles.VIEWERS, "Vic"),
)

# Verdicts per sample claim (in CLAIMS.json order) per annotator, with a rationale. A settled
# claim, a claim to publish, a contested one, one still pending and one nobody has rated yet.
RATINGS: tuple[dict[str, tuple[str, str]], ...] = (
    {
        "anna": (Label.DISPUTED, "Outlets give €48m, 'nearly €50m' and €52m for the same cost."),
        "ben": (Label.DISPUTED, "The €52m figure includes utility works; €48m does not."),
        "chloe": (Label.DISPUTED, "The finance report and the mayor's office disagree on cost."),
    },
    {
        "anna": (Label.VERIFIED, "Council minutes record 31 votes to 12 on 14 March."),
        "ben": (Label.VERIFIED, "Matches the published roll-call vote."),
        "chloe": (Label.VERIFIED, "One outlet says 15 March, but the minutes say 14 March."),
    },
    {
        "anna": (Label.VERIFIED, "The mayor's office repeats the 18,000 figure."),
        "ben": (Label.FALSE, "The transport study forecasts 11,000 riders a day, not 18,000."),
        "chloe": (Label.DISPUTED, "Forecasts range from 11,000 to 18,000 depending on source."),
    },
    {
        "anna": (Label.VERIFIED, "The construction timetable names September 2027."),
        "ben": (Label.VERIFIED, "Confirmed in the council's project page."),
    },
    {},
)
EVIDENCE = "https://council.example.org/meetings/2024-03-14/minutes"


class Command(BaseCommand):
    help = "Set up the demo desk (users, sample articles, claims, annotations) and serve it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "addrport", nargs="?", default="127.0.0.1:8000", help="Where to serve the desk."
        )
        parser.add_argument(
            "--no-serve", action="store_true", help="Set up the demo data, then exit."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        users = self._users()
        editor = users["editor"]
        self._import_articles(editor)
        claims = self._claims(editor)
        self._annotate(editor, users, claims)
        # Synchronously, whether or not workers are running: the demo publishes right after.
        for claim in claims:
            claim_consensus_recompute(claim_id=claim.pk)
        summary = consensus_full_recompute()
        self._publish(editor, claims[1])
        self._report(summary)
        if not options["no_serve"]:
            call_command("runserver", options["addrport"], use_reloader=False)

    def _users(self) -> dict[str, Any]:
        user_model = get_user_model()
        users = {}
        for spec in USERS:
            user, _ = user_model.objects.get_or_create(
                username=spec.username,
                defaults={"first_name": spec.first_name, "email": f"{spec.username}@example.org"},
            )
            user.is_staff = True
            user.is_active = True
            # Reset each run, so the passwords printed below always work.
            user.set_password(spec.password)
            user.save()
            user.groups.add(Group.objects.get(name=spec.group))
            users[spec.username] = user
        return users

    def _import_articles(self, editor: Any) -> None:
        paths = sorted(
            p for p in SAMPLES.iterdir() if format_for(p.name) is not None and p != CLAIMS_FILE
        )
        results = articles_import_paths(paths=paths, imported_by=editor)
        for result in results:
            name = Path(result.source).name
            if result.status == "rejected":
                self.stderr.write(f"  rejected {name}: {result.reason}")
            else:
                self.stdout.write(f"  {result.status:<9} {name}")

    def _claims(self, editor: Any) -> list[Claim]:
        specs = json.loads(CLAIMS_FILE.read_text(encoding="utf-8"))
        bodies = list(Article.objects.values_list("id", "body"))
        claims = []
        for spec in specs:
            claim = Claim.objects.filter(text=spec["text"]).first()
            if claim is None:
                claim = claim_create(user=editor, text=spec["text"], claimant=spec["claimant"])
            for quote in spec["quotes"]:
                for article_id, body in bodies:
                    start = body.find(quote)
                    if start < 0:
                        continue
                    end = start + len(quote)
                    if not ClaimAppearance.objects.filter(
                        claim=claim, article_id=article_id, start=start, end=end
                    ).exists():
                        appearance_add(
                            user=editor,
                            claim_id=claim.pk,
                            article_id=article_id,
                            start=start,
                            end=end,
                            text=quote,
                        )
            claims.append(claim)
        self.stdout.write(f"  {len(claims)} claims anchored in the sample articles")
        return claims

    def _annotate(self, editor: Any, users: dict[str, Any], claims: list[Claim]) -> None:
        claims_auto_assign(user=editor, claim_ids=[c.pk for c in claims])
        for claim, ratings in zip(claims, RATINGS, strict=False):
            for username, (label, rationale) in ratings.items():
                annotator = users[username]
                if Annotation.objects.filter(claim=claim, annotator=annotator).exists():
                    continue
                with transaction.atomic():
                    annotation_submit(
                        user=annotator,
                        claim_id=claim.pk,
                        label=label,
                        confidence=80,
                        rationale=rationale,
                        evidence_links=[EVIDENCE],
                    )

    def _publish(self, editor: Any, claim: Claim) -> None:
        if not Verdict.objects.filter(claim=claim).exists():
            verdict_publish(user=editor, claim_id=claim.pk)

    def _report(self, summary: dict[str, Any]) -> None:
        self.stdout.write(
            f"  consensus: {summary['claims']} claims, {summary['annotations']} annotations"
        )
        self.stdout.write(self.style.SUCCESS("\nThe demo desk is ready. Sign in at /admin/ as:"))
        for spec in USERS:
            self.stdout.write(f"  {spec.username:<8} password {spec.password:<18} ({spec.group})")
