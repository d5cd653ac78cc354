"""The desk's roles: Django groups created (with their model permissions) by migration 0002.

Object-level rules (an annotator sees only their own annotations; blind annotation) are
enforced by services, selectors and the admin on top of the model permissions.
"""

from __future__ import annotations

from typing import Any

EDITORS = "Editors"
ANNOTATORS = "Annotators"
VIEWERS = "Viewers"


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
    return _active(user) and (bool(user.is_superuser) or VIEWERS in _group_names(user))


def sees_all_outcomes(user: Any) -> bool:
    """Editors and viewers see every claim's outcome (consensus, verdicts, reliability and
    agreement figures); annotators rate blind and see a claim's outcome only once they have
    rated it."""
    return is_editor(user) or is_viewer(user)
