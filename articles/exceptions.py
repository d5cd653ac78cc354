"""Domain errors. Services raise these (or Django's ValidationError); the API maps both to 400."""


class ApplicationError(Exception):
    """A request the desk understood but will not carry out; `message` is shown to the user."""

    def __init__(self, message: str, *, extra: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class PermissionDenied(ApplicationError):  # noqa: N818 - mirrors Django's name
    """The user's role does not allow this action."""


class ImportRejected(ApplicationError):  # noqa: N818 - reads as the outcome it reports
    """One import file was rejected; `message` is the specific reason."""
