"""Client filter and proxy config bodies and views."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, StringConstraints

from relay.models.common import Body

Pattern = Annotated[str, StringConstraints(max_length=500)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
ClientId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50,
                                            pattern=r"^[A-Za-z0-9_.-]+$")]
RuleType = Literal["user_agent", "header", "body", "path", "custom"]


class FilterLoose(BaseModel):
    model_config = ConfigDict(extra="allow")


class FilterConfig(Body):
    filter_enabled: bool | None = None
    filter_mode: Literal["simple", "strict"] | None = None
    default_allow: bool | None = None
    log_unmatched_requests: bool | None = None
    strict_mode: bool | None = None
    allowed_clients: (Annotated[list[ClientId], Field(max_length=50)] | Annotated[str, Field(max_length=500)]
                      | None) = None


class FilterConfigView(FilterLoose):
    filter_enabled: bool
    filter_mode: str
    default_allow: bool
    allowed_clients: list[str]


class FilterTest(Body):
    user_agent: Annotated[str, StringConstraints(max_length=2000)] = ""
    headers: Annotated[dict[str, Annotated[str, StringConstraints(max_length=4000)]], Field(max_length=100)] = Field(
        default_factory=dict)
    body: dict[str, Any] = Field(default_factory=dict)
    path: Annotated[str, StringConstraints(max_length=500)] = "/v1/messages"
    allowed_clients: Annotated[str, StringConstraints(max_length=500)] = ""


class FilterVerdict(FilterLoose):
    allowed: bool
    client_type: str
    client_name: str
    match_details: dict


class ClientTypeCreate(Body):
    """The code's `client_id`/`name`, or the docs' `name` (the identifier) and `display_name`."""

    client_id: ClientId | None = None
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    display_name: Text | None = None
    description: Text = ""
    icon: Annotated[str, StringConstraints(max_length=10)] = ""
    ua_pattern: Pattern = ""
    enabled: bool = True
    priority: Annotated[int, Field(ge=0, le=10000)] = 0


class ClientTypeUpdate(Body):
    client_id: ClientId | None = None
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None = None
    display_name: Text | None = None
    description: Text | None = None
    icon: Annotated[str, StringConstraints(max_length=10)] | None = None
    ua_pattern: Pattern | None = None
    enabled: bool | None = None
    priority: Annotated[int, Field(ge=0, le=10000)] | None = None


class ClientTypeView(FilterLoose):
    id: int
    client_id: str
    name: str
    enabled: bool
    priority: int


class ClientRuleCreate(Body):
    client_type_id: Annotated[int, Field(ge=1)]
    rule_type: RuleType
    rule_key: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] = ""
    rule_name: Text = ""
    description: Text = ""
    pattern: Pattern = ""
    field_path: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = Field(
        default="", validation_alias=AliasChoices("field_path", "field_name"))
    required: bool = True
    enabled: bool = True
    priority: Annotated[int, Field(ge=0, le=10000)] = 0


class ClientRuleUpdate(Body):
    client_type_id: Annotated[int, Field(ge=1)] | None = None
    rule_type: RuleType | None = None
    rule_key: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] | None = None
    rule_name: Text | None = None
    description: Text | None = None
    pattern: Pattern | None = None
    field_path: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = Field(
        default=None, validation_alias=AliasChoices("field_path", "field_name"))
    required: bool | None = None
    enabled: bool | None = None
    priority: Annotated[int, Field(ge=0, le=10000)] | None = None


class ClientRuleView(FilterLoose):
    id: int
    client_type_id: int
    rule_type: str
    pattern: str
    field_path: str
    required: bool
    enabled: bool


Host = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=253)]
Port = Annotated[int, Field(ge=1, le=65535)]
ProxyType = Literal["http", "https", "socks5"]


class ProxyCreate(Body):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    type: ProxyType = "http"
    host: Host
    port: Port
    username: Annotated[str, StringConstraints(max_length=100, pattern=r"^[\x20-\x7e]*$")] | None = None
    password: Annotated[str, StringConstraints(max_length=200, pattern=r"^[\x20-\x7e]*$")] | None = None
    enabled: bool = True
    remark: Text = ""


class ProxyUpdate(Body):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None = None
    type: ProxyType | None = None
    host: Host | None = None
    port: Port | None = None
    username: Annotated[str, StringConstraints(max_length=100, pattern=r"^[\x20-\x7e]*$")] | None = None
    password: Annotated[str, StringConstraints(max_length=200, pattern=r"^[\x20-\x7e]*$")] | None = None
    enabled: bool | None = None
    remark: Text | None = None


class ProxyTest(Body):
    id: Annotated[int, Field(ge=0)] | None = None
    type: ProxyType | None = None
    host: Host | None = None
    port: Port | None = None
    username: Annotated[str, StringConstraints(max_length=100, pattern=r"^[\x20-\x7e]*$")] | None = None
    password: Annotated[str, StringConstraints(max_length=200, pattern=r"^[\x20-\x7e]*$")] | None = None


class ProxyView(FilterLoose):
    id: int
    name: str
    type: str
    host: str
    port: int
    password: str
    enabled: bool
    is_default: bool


class ProxyList(FilterLoose):
    items: list[ProxyView]
    total: int


class ProxyOutcome(FilterLoose):
    success: bool
    message: str
    latency: int
    error: str
