"""The one family of errors that services raise; views and the API map them once each."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    """A failure the person can understand: it carries a translated message and an HTTP status."""

    status = 400
    code = "invalid"
    default_message: str | Promise = _("Something is not right with this request.")

    def __init__(
        self,
        message: str | Promise | None = None,
        *,
        fields: dict[str, list[str]] | None = None,
    ) -> None:
        self.message = message if message is not None else self.default_message
        self.fields = fields or {}
        super().__init__(str(self.message))


class InvalidInput(ApplicationError):
    status = 400
    code = "invalid"
    default_message = _("Please correct the errors below.")

    @classmethod
    def for_field(cls, field: str, message: str | Promise) -> "InvalidInput":
        return cls(message, fields={field: [str(message)]})


class NotAuthenticated(ApplicationError):
    status = 401
    code = "not_authenticated"
    default_message = _("Please sign in first.")


class Forbidden(ApplicationError):
    status = 403
    code = "forbidden"
    default_message = _("You are not allowed to do this.")


class NotFound(ApplicationError):
    status = 404
    code = "not_found"
    default_message = _("This page does not exist, or it is not visible to you.")


class Conflict(ApplicationError):
    status = 409
    code = "conflict"
    default_message = _("This conflicts with the current state; reload and try again.")


class TooLarge(ApplicationError):
    status = 413
    code = "too_large"
    default_message = _("This is too large.")


class RateLimited(ApplicationError):
    status = 429
    code = "rate_limited"
    default_message = _("Too many requests. Please wait a moment and try again.")

    def __init__(
        self, message: str | Promise | None = None, *, retry_after: int = 60, limit: int = 0
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        # The limit that was reached (RateLimit-Limit), when known.
        self.limit = limit

    def headers(self) -> dict[str, str]:
        """Retry-After, and the IETF RateLimit-* fields when the limit is known."""
        headers = {"Retry-After": str(self.retry_after)}
        if self.limit:
            headers |= {
                "RateLimit-Limit": str(self.limit),
                "RateLimit-Remaining": "0",
                "RateLimit-Reset": str(self.retry_after),
            }
        return headers


class Unavailable(ApplicationError):
    """The site cannot answer for a moment (its database is unreachable): try again soon."""

    status = 503
    code = "unavailable"
    default_message = _("The site is unavailable for a moment. Please try again shortly.")

    def __init__(self, message: str | Promise | None = None, *, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}
