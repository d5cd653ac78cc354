"""API token writes: issuing, revoking and recording the use of a user's named tokens.

A key is `fc_` followed by 40 URL-safe random characters. Only its SHA-256 digest is stored (the
key has 240 bits of entropy, so a plain digest is as good as a slow hash and costs nothing per
request); the key is returned once, by `api_token_issue`.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles import roles
from articles.exceptions import ApplicationError, PermissionDenied
from articles.models import ApiToken

KEY_PREFIX = "fc_"
# How stale `last_used_at` may get: recording every request would be one write per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    key: str


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def api_token_issue(*, user: AbstractBaseUser, name: str) -> IssuedToken:
    """Issue a new named token for `user` and return it with its key (shown only now).

    Errors: ValidationError for an empty name or a name the user already has on an active token;
    ApplicationError for an inactive user.
    """
    name = name.strip()
    if not user.is_active:
        raise ApplicationError("Tokens can only be issued to active users.")
    key = KEY_PREFIX + secrets.token_urlsafe(30)
    token = ApiToken(user_id=user.pk, name=name, prefix=key[:10], key_hash=token_digest(key))
    token.full_clean(validate_constraints=False)
    if ApiToken.objects.filter(user_id=user.pk, name=name, revoked_at__isnull=True).exists():
        raise ValidationError({"name": f"This user already has an active token named “{name}”."})
    try:
        with transaction.atomic():
            token.save(force_insert=True)
    except IntegrityError as exc:  # a concurrent issue with the same name
        raise ValidationError({"name": "A token with this name was just issued."}) from exc
    return IssuedToken(token=token, key=key)


def api_token_revoke(*, actor: AbstractBaseUser | None, token_id: int) -> ApiToken:
    """Revoke a token: it stops authenticating at once. Its owner or an editor may revoke it
    (`actor=None` is the management command, run by an operator). Revoking twice is a no-op.
    Errors: PermissionDenied for anyone else; ApiToken.DoesNotExist for an unknown id."""
    token = ApiToken.objects.get(pk=token_id)
    if actor is not None and actor.pk != token.user_id and not roles.is_editor(actor):
        raise PermissionDenied("Only the token's owner or an editor can revoke it.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_authenticate(*, key: str) -> ApiToken | None:
    """The active token with this key (its user loaded), recording when it was last used
    (at most once per `LAST_USED_RESOLUTION`); None for an unknown or revoked key."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=token_digest(key), revoked_at__isnull=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
