"""certctrl's own error codes, where the original's clients look for them (everything else carries the HTTP
status as its code in `{"error": {"code", "what"}}`).

| code | status | meaning | who reads it |
|---|---|---|---|
| 40901 | 409 | the updates cursor lost signals (trimmed or expired): full resync | the agent's poller |
| 10003 | 401 | a refresh token that was already rotated (its family is revoked) | the agent's SessionRefresher |
| 999999 | 200 | NOT_AN_ERROR: `/auth/status` when nobody is signed in | the web front end |
"""

from __future__ import annotations

from typing import Any

from suite.errors import ApiError, Conflict, Unauthorized

CURSOR_TRIMMED = "40901"
REFRESH_TOKEN_ROTATED = "10003"  # noqa: S105  (an error code, not a secret)
REFRESH_TOKEN_ROTATED_KEY = "refresh_token_rotated"  # noqa: S105
NOT_AN_ERROR = "999999"


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
