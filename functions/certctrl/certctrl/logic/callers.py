"""Who a request comes from, as access.py hands it to the routes (`suite.auth.caller()`).

- `UserCaller`: a person, through the session cookie (`via="session"`) or one of their API keys (`via="apikey"`,
  with the key's permissions);
- `DeviceCaller`: a registered device, through its access JWT.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class UserCaller:
    user: Any  # models.entities.User
    via: str  # "session" | "apikey"
    session: Any = None  # models.entities.WebSession when via == "session"
    session_digest: str | None = None
    api_key: Any = None  # models.entities.ApiKey when via == "apikey"

    @property
    def user_id(self) -> int:
        return int(self.user.id)

    @property
    def permissions(self) -> list[Any]:
        return list(self.api_key.permissions) if self.api_key is not None else []


@dataclass(frozen=True)
class DeviceCaller:
    user_id: int
    device: Any  # models.entities.Device
    claims: dict[str, Any] = field(default_factory=dict)

    @property
    def device_id(self) -> int:
        return int(self.device.id)
