"""`manage.py suggest_claims [--article ID ...] [--limit N] [--format json|table]`.

Prints the check-worthy sentences that could become claims, best first: as a JSON list of
objects with `article_id`, `start`, `end`, `text`, `score` and `reasons` (`--format json`), or
as a table for people (the default). Rejected and accepted suggestions, sentences proposed as
appearances of claims on file and sentences already anchored to a claim are left out. Reads
only: nothing is stored.
"""

from __future__ import annotations

import json
import textwrap
from argparse import ArgumentTypeError
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from articles.claimfinding import Candidate
from articles.models import Article
from articles.selectors.claimfinding import article_suggestions

FORMATS = ("json", "table")
TEXT_WIDTH = 72


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise ArgumentTypeError(f"expected a whole number of 1 or more, got {value!r}")
    return number


class Command(BaseCommand):
    help = "List check-worthy sentences of articles as suggested claims, best first."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--article",
            dest="articles",
            action="append",
            type=_positive,
            metavar="ID",
            help="Only this article (repeat for several; default: every article).",
        )
        parser.add_argument(
            "--limit", type=_positive, metavar="N", help="Print at most N suggestions."
        )
        parser.add_argument("--format", choices=FORMATS, default="table")

    def handle(self, *args: Any, **options: Any) -> None:
        article_ids: list[int] | None = options["articles"]
        if article_ids:
            found = set(Article.objects.filter(pk__in=article_ids).values_list("id", flat=True))
            missing = sorted(set(article_ids) - found)
            if missing:
                raise CommandError("No article with id " + ", ".join(str(m) for m in missing) + ".")
        suggestions = article_suggestions(article_ids=article_ids, limit=options["limit"])
        if options["format"] == "json":
            self.stdout.write(json.dumps([_as_dict(s) for s in suggestions], ensure_ascii=False))
        else:
            self.stdout.write(_table(suggestions))


def _as_dict(candidate: Candidate) -> dict[str, Any]:
    return {
        "article_id": candidate.article_id,
        "start": candidate.start,
        "end": candidate.end,
        "text": candidate.text,
        "score": candidate.score,
        "reasons": list(candidate.reasons),
    }


def _table(suggestions: list[Candidate]) -> str:
    if not suggestions:
        return "No suggestions."
    lines = [f"{'score':>5}  {'article':>7}  {'span':<13}  sentence / reasons"]
    indent = " " * 32
    for s in suggestions:
        text = textwrap.wrap(s.text, TEXT_WIDTH) or [""]
        lines.append(f"{s.score:>5.2f}  {s.article_id:>7}  {f'{s.start}-{s.end}':<13}  {text[0]}")
        lines.extend(indent + more for more in text[1:])
        lines.extend(
            textwrap.wrap(
                "; ".join(s.reasons),
                TEXT_WIDTH,
                initial_indent=indent + "↳ ",
                subsequent_indent=indent + "  ",
            )
        )
    n = len(suggestions)
    lines.append(f"{n} suggestion{'s' if n != 1 else ''}.")
    return "\n".join(lines)
