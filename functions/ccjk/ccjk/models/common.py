"""What the models of every group share. Requests: unknown fields are ignored (clients send extras such as
`metadata`), never stored blindly. Responses (`View`): the `data` of the envelope, as the OpenAPI document shows
it (routes declare them with `returns=`); the logic builds plain dicts of these shapes."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


def stripped(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class View(BaseModel):
    """A response body (documentation of what the logic answers; fields that may be absent have defaults)."""


Provider = Literal["feishu", "dingtalk", "wecom"]
