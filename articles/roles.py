"""Who may see and do what: the one place the desk's role and blindness rules live.

Roles are Django groups created (with their model permissions) by migration 0002. The admin,
the selectors, the templates (through context) and the API all ask the predicates here; none
of them re-derives a rule from group names.

Blindness: an annotator who is not an editor sees a claim's outcome (its consensus, its
probabilities, other annotators' ratings, its verdicts) only once they have rated it
themselves. Membership of Viewers does not lift that: a user in Annotators and Viewers is blind
like any annotator.
"""

from __future__ import annotations

import enum
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser

from articles.exceptions import PermissionDenied

EDITORS = "Editors"
ANNOTATORS = "Annotators"
VIEWERS = "Viewers"

AnyUser = AbstractBaseUser | AnonymousUser


class OutcomeScope(enum.Enum):
    """Which claims' outcomes a user may see."""

    ALL = "all"  # every claim's
    RATED = "rated"  # only of claims the user has rated (blind annotation)
    NONE = "none"  # no claim's


def _group_names(user: Any) -> set[str]:
    """The user's group names, cached on the user object for the request."""
    cached: set[str] | None = getattr(user, "_factcheck_groups", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._factcheck_groups = cached
    return cached


def _active(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_editor(user: Any) -> bool:
    """Editors, and superusers (who act as editors)."""
    if not _active(user):
        return False
    return bool(user.is_superuser) or EDITORS in _group_names(user)


def is_annotator(user: Any) -> bool:
    """Members of Annotators. Superusers are editors, not annotators."""
    return _active(user) and ANNOTATORS in _group_names(user)


def is_viewer(user: Any) -> bool:
    """Members of Viewers (and superusers)."""
    return _active(user) and (bool(user.is_superuser) or VIEWERS in _group_names(user))


def outcome_scope(user: Any) -> OutcomeScope:
    """The blindness rule. Editors see every outcome; annotators who are not editors only those
    of claims they have rated (whatever other groups they are in); viewers every outcome;
    anyone else none."""
    if is_editor(user):
        return OutcomeScope.ALL
    if is_annotator(user):
        return OutcomeScope.RATED
    if is_viewer(user):
        return OutcomeScope.ALL
    return OutcomeScope.NONE


def is_blind(user: Any) -> bool:
    """Whether outcomes must be filtered claim by claim for this user (see `outcome_scope`)."""
    return outcome_scope(user) is OutcomeScope.RATED


def sees_all_outcomes(user: Any) -> bool:
    """Whether this user sees every claim's outcome (see `outcome_scope`)."""
    return outcome_scope(user) is OutcomeScope.ALL


def may_see_outcome(user: Any, *, has_rated: bool) -> bool:
    """Whether `user` may see the outcome of one claim, given whether they have rated it."""
    scope = outcome_scope(user)
    return scope is OutcomeScope.ALL or (scope is OutcomeScope.RATED and has_rated)


def may_read_dashboards(user: Any) -> bool:
    """Whether `user` may open the claim dashboards (claims table, claim and article pages):
    anyone with a desk role. What each page shows of outcomes still follows `outcome_scope`."""
    return outcome_scope(user) is not OutcomeScope.NONE


def may_see_ratings(user: Any, *, has_rated: bool) -> bool:
    """Whether `user` may see the individual ratings of one claim (each annotator's label,
    rationale and estimated reliability): editors always; an annotator only once they have
    rated the claim themselves (blind annotation). Viewers read outcomes, not who said what."""
    if is_editor(user):
        return True
    return outcome_scope(user) is OutcomeScope.RATED and has_rated


def require_editor(user: Any, action: str) -> None:
    """Raise `articles.exceptions.PermissionDenied` ("Only editors can <action>.") unless `user`
    is an editor. Services call this before every editor-only write."""
    if not is_editor(user):
        raise PermissionDenied(f"Only editors can {action}.")
