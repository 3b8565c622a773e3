"""Error types that services raise; the API layer turns each into its HTTP status and the service's envelope.

Service logic raises these (never builds responses), so it stays testable without events. `code` is a stable,
machine-readable identifier (services may pass their original's codes, e.g. KOOK's `INVALID_COOKIE`);
`message` is safe to show to the caller; `details` carries structured extras (field errors, limits).
"""

from __future__ import annotations

from typing import Any, ClassVar


class ApiError(Exception):
    status: ClassVar[int] = 500
    default_code: ClassVar[str] = "INTERNAL_ERROR"
    default_message: ClassVar[str] = "Internal server error"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        status: int | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.code = code or self.default_code
        self.details = details or {}
        self.headers = headers or {}
        if status is not None:
            # An instance may carry a status its class does not (e.g. 402 or 423 for one service).
            self.status = status
        super().__init__(self.message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status}, code={self.code!r}, message={self.message!r})"


class BadRequest(ApiError):
    status = 400
    default_code = "BAD_REQUEST"
    default_message = "Bad request"


class Unauthorized(ApiError):
    status = 401
    default_code = "UNAUTHORIZED"
    default_message = "Authentication required"


class Forbidden(ApiError):
    status = 403
    default_code = "FORBIDDEN"
    default_message = "Forbidden"


class NotFound(ApiError):
    status = 404
    default_code = "NOT_FOUND"
    default_message = "Not found"


class MethodNotAllowed(ApiError):
    status = 405
    default_code = "METHOD_NOT_ALLOWED"
    default_message = "Method not allowed"


class Conflict(ApiError):
    status = 409
    default_code = "CONFLICT"
    default_message = "Conflict"


class Gone(ApiError):
    status = 410
    default_code = "GONE"
    default_message = "Gone"


class PayloadTooLarge(ApiError):
    status = 413
    default_code = "PAYLOAD_TOO_LARGE"
    default_message = "Payload too large"


class UnsupportedMediaType(ApiError):
    status = 415
    default_code = "UNSUPPORTED_MEDIA_TYPE"
    default_message = "Unsupported Content-Type"


class UnprocessableEntity(ApiError):
    status = 422
    default_code = "VALIDATION_ERROR"
    default_message = "Validation failed"


class TooManyRequests(ApiError):
    status = 429
    default_code = "RATE_LIMITED"
    default_message = "Too many requests"

    def __init__(self, message: str | None = None, *, retry_after: int | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after
        if retry_after is not None:
            self.headers.setdefault("Retry-After", str(max(1, int(retry_after))))


class UpstreamFailure(ApiError):
    status = 502
    default_code = "UPSTREAM_ERROR"
    default_message = "Upstream service error"


class ServiceUnavailable(ApiError):
    status = 503
    default_code = "SERVICE_UNAVAILABLE"
    default_message = "Service unavailable"


class GatewayTimeout(ApiError):
    status = 504
    default_code = "UPSTREAM_TIMEOUT"
    default_message = "Upstream service timed out"
