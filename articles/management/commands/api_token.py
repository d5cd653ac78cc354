"""Issue, list and revoke API tokens: `manage.py api_token issue --user alice --name cms`."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from articles.exceptions import ApplicationError
from articles.models import ApiToken
from articles.services import tokens as token_services


class Command(BaseCommand):
    help = "Issue, list or revoke a user's named API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        issue = sub.add_parser("issue", help="Issue a token and print its key (shown once).")
        issue.add_argument("--user", required=True, help="Username.")
        issue.add_argument("--name", required=True, help="A name for the token, e.g. 'cms'.")
        listing = sub.add_parser("list", help="List a user's tokens (never their keys).")
        listing.add_argument("--user", required=True)
        revoke = sub.add_parser("revoke", help="Revoke a token by id, or by user and name.")
        revoke.add_argument("--id", type=int)
        revoke.add_argument("--user")
        revoke.add_argument("--name")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "issue":
            user = self._user(options["user"])
            try:
                issued = token_services.api_token_issue(user=user, name=options["name"])
            except (ValidationError, ApplicationError) as exc:
                raise CommandError(_message(exc)) from exc
            self.stdout.write(issued.key)
            self.stderr.write(f"Token “{issued.token.name}” (id {issued.token.pk}) issued.")
        elif action == "list":
            user = self._user(options["user"])
            for token in ApiToken.objects.filter(user_id=user.pk).order_by("created_at"):
                state = (
                    f"revoked {token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at else "active"
                )
                used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
                self.stdout.write(
                    f"{token.pk}\t{token.name}\t{token.prefix}…\t{state}\tlast used {used}"
                )
        else:
            self._revoke(options)

    def _revoke(self, options: dict[str, Any]) -> None:
        if options["id"] is not None:
            token_id = options["id"]
        elif options["user"] and options["name"]:
            user = self._user(options["user"])
            found = (
                ApiToken.objects.filter(user_id=user.pk, name=options["name"], revoked_at=None)
                .values_list("id", flat=True)
                .first()
            )
            if found is None:
                raise CommandError(f"{user} has no active token named “{options['name']}”.")
            token_id = found
        else:
            raise CommandError("Give --id, or --user and --name.")
        try:
            token = token_services.api_token_revoke(actor=None, token_id=token_id)
        except ApiToken.DoesNotExist as exc:
            raise CommandError(f"There is no token with id {token_id}.") from exc
        self.stdout.write(f"Token “{token.name}” of {token.user} revoked.")

    def _user(self, username: str) -> Any:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user named “{username}”.")
        return user


def _message(exc: Exception) -> str:
    if isinstance(exc, ApplicationError):
        return exc.message
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)
