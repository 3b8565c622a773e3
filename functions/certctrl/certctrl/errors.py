"""certctrl's own error codes, where the original's clients look for them (everything else carries the HTTP
status as its code in `{"error": {"code", "what"}}`).

| code | status | meaning | who reads it |
|---|---|---|---|
| 40901 | 409 | the updates cursor lost signals (trimmed or expired): full resync | the agent's poller |
| 10003 | 401 | a refresh token that was already rotated (its family is revoked) | the agent's SessionRefresher |
| 999999 | 200 | NOT_AN_ERROR: `/auth/status` when nobody is signed in | the web front end |
| 6000 | 409 | NO_KID: a registered ACME account's CA-bound fields cannot change (only its kid) | the web front end |

Two refusals of deploy-materials keep the HTTP status as code and carry a `key` the agent looks for in the body:
`WRAP_PENDING` (409: the key is not sealed for this device yet; the agent retries) and `EXPORT_FORBIDDEN` (403).
"""

from __future__ import annotations

from typing import Any

from suite.errors import ApiError, Conflict, Forbidden, Unauthorized

CURSOR_TRIMMED = "40901"
REFRESH_TOKEN_ROTATED = "10003"  # noqa: S105  (an error code, not a secret)
REFRESH_TOKEN_ROTATED_KEY = "refresh_token_rotated"  # noqa: S105
NOT_AN_ERROR = "999999"
NO_KID = "6000"
WRAP_PENDING = "WRAP_PENDING"
EXPORT_FORBIDDEN = "EXPORT_FORBIDDEN"


class CursorTrimmed(Conflict):
    """The cursor's next signal is gone: the agent clears its cursor, refetches its state and polls again."""

    def __init__(self, earliest_retained_id: str, *, reason: str = "cursor_trimmed") -> None:
        super().__init__("Cursor expired. Full resync required.", code=CURSOR_TRIMMED, details={"params": {
            "action": "full_resync", "reset_cursor": True, "signal_type": "state.resync_required",
            "reason": reason, "earliest_retained_id": earliest_retained_id}})


class RefreshTokenRotated(Unauthorized):
    """A rotated refresh token came back (or its family was revoked): the agent must sign in again. Its
    SessionRefresher recognises code 10003, key `refresh_token_rotated`, or "rotated" in the message."""

    def __init__(self, message: str = "Refresh token has been rotated; the token family is revoked") -> None:
        super().__init__(message, code=REFRESH_TOKEN_ROTATED, details={"key": REFRESH_TOKEN_ROTATED_KEY})


def not_an_error(what: str = "Not logged in", **params: Any) -> ApiError:
    """The 200 answer of `/auth/status` for an anonymous caller: `{"error":{"code":999999,"what":...}}`."""
    details: dict[str, Any] = {"params": params} if params else {}
    return ApiError(what, status=200, code=NOT_AN_ERROR, details=details)


class NoKid(Conflict):
    """The `NO_KID` rule (logic/acme_accounts.py): code 6000, key NO_KID."""

    def __init__(self, what: str) -> None:
        super().__init__(what, code=NO_KID, details={"key": "NO_KID"})


class WrapPending(Conflict):
    """409 with the literal WRAP_PENDING in the body: the agent greps for it and retries (3 s, doubling, 12 times)."""

    def __init__(self, what: str = "the private key is not sealed for this device yet; retry later") -> None:
        super().__init__(f"{WRAP_PENDING}: {what}", code="409", details={"key": WRAP_PENDING})


class ExportForbidden(Forbidden):
    """403 EXPORT_FORBIDDEN: the certificate's key distribution policy does not let the key out this way."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{EXPORT_FORBIDDEN}: {what}", code="403", details={"key": EXPORT_FORBIDDEN})
