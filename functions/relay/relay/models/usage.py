"""Usage answers: counters under every name the original's screens and docs read."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Counters(BaseModel):
    model_config = ConfigDict(extra="allow")

    request_count: int
    total_requests: int
    total_tokens: int
    total_cost: float


class Today(BaseModel):
    cost: float
    tokens: int
    requests: int


class Summary(Counters):
    input_tokens: int
    output_tokens: int
    cache_creation_tokens: int
    cache_read_tokens: int
    model_count: int
    today: Today
    today_cost: float


class DayRow(Counters):
    date: str


class ModelRow(Counters):
    model: str


class Monthly(Counters):
    month: str


class Stats(Counters):
    start_date: str
    end_date: str
    stats: list[DayRow]
    daily: list[DayRow]
    models: list[ModelRow]


class LogRow(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: int
    user_id: int | None
    api_key_id: int | None
    account_id: int | None
    model: str
    input_tokens: int
    output_tokens: int
    cache_creation_input_tokens: int
    cache_read_input_tokens: int
    total_tokens: int
    total_cost: float
    status_code: int
    success: bool
    created_at: str
    request_time: str
    timestamp: str


class LogPage(BaseModel):
    model_config = ConfigDict(extra="allow")

    items: list[LogRow]
    total: int
    page: int
    page_size: int


class DbSummary(BaseModel):
    total_requests: int
    total_tokens: int
    total_cost: float
    today_requests: int
    today_tokens: int
    today_cost: float


class DbDaily(BaseModel):
    start_date: str
    end_date: str
    daily: list[DayRow]


class DbModels(BaseModel):
    models: list[ModelRow]


class AdminUserSummary(BaseModel):
    total_requests: int
    total_tokens: int
    total_cost: float
    model_usage: list[dict]
    package_usage: list[dict]


class AdminUserDb(DbDaily):
    models: list[ModelRow]
    total_requests: int
    total_tokens: int
    total_cost: float


class AllUsage(BaseModel):
    start_date: str
    end_date: str
    total_requests: int
    total_tokens: int
    total_cost: float
    daily: list[DayRow]
    models: list[ModelRow]
    users: list[dict]


class LogsSummary(BaseModel):
    start_date: str
    end_date: str
    total_requests: int
    success_requests: int
    failed_requests: int
    total_input_tokens: int
    total_output_tokens: int
    total_cache_creation_tokens: int
    total_cache_read_tokens: int
    total_tokens: int
    total_cost: float
    avg_duration: float


class AccountLoad(BaseModel):
    account_id: int
    account_name: str
    platform: str
    request_count: int
    success_count: int
    error_count: int
    total_tokens: int
    total_cost: float
    avg_duration: float
    last_used_at: str | None
