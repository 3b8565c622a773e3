"""The model catalogue (prices in USD per 1M tokens) and global model mappings."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AliasChoices, BaseModel, Field, StringConstraints

from relay.models.common import Body, amount

ModelName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100,
                                             pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Price = amount(100000)
Platform = Literal["claude", "openai", "gemini", "other"]


class ModelCreate(Body):
    """The code's field names; the docs' `model_id`, `model_name` and `cache_creation_price` are accepted too."""

    name: ModelName = Field(validation_alias=AliasChoices("name", "model_id"))
    display_name: Text = Field(default="", validation_alias=AliasChoices("display_name", "model_name"))
    platform: Platform
    provider: Text = ""
    description: Text = ""
    category: Text = "chat"
    context_size: Annotated[int, Field(ge=0, le=10**9)] = 0
    max_output: Annotated[int, Field(ge=0, le=10**9)] = 0
    input_price: Price = 0
    output_price: Price = 0
    cache_create_price: Price = Field(default=0, validation_alias=AliasChoices("cache_create_price",
                                                                               "cache_creation_price"))
    cache_read_price: Price = 0
    enabled: bool = True
    is_default: bool = False
    sort_order: Annotated[int, Field(ge=0, le=10**6)] = 0
    aliases: Text = ""
    capabilities: Text = ""


class ModelUpdate(Body):
    name: ModelName | None = Field(default=None, validation_alias=AliasChoices("name", "model_id"))
    display_name: Text | None = Field(default=None, validation_alias=AliasChoices("display_name", "model_name"))
    platform: Platform | None = None
    provider: Text | None = None
    description: Text | None = None
    category: Text | None = None
    context_size: Annotated[int, Field(ge=0, le=10**9)] | None = None
    max_output: Annotated[int, Field(ge=0, le=10**9)] | None = None
    input_price: Price | None = None
    output_price: Price | None = None
    cache_create_price: Price | None = Field(default=None, validation_alias=AliasChoices("cache_create_price",
                                                                                         "cache_creation_price"))
    cache_read_price: Price | None = None
    enabled: bool | None = None
    is_default: bool | None = None
    sort_order: Annotated[int, Field(ge=0, le=10**6)] | None = None
    aliases: Text | None = None
    capabilities: Text | None = None


class ModelView(BaseModel):
    id: int
    name: str
    model_id: str
    display_name: str
    model_name: str
    platform: str
    provider: str
    description: str
    category: str
    context_size: int
    max_output: int
    input_price: float
    output_price: float
    cache_create_price: float
    cache_creation_price: float
    cache_read_price: float
    enabled: bool
    is_default: bool
    sort_order: int
    aliases: str
    capabilities: str
    created_at: str
    updated_at: str


class PublicModel(BaseModel):
    id: int
    name: str
    display_name: str
    platform: str
    input_price: float
    output_price: float
    cache_create_price: float
    cache_read_price: float


class MappingCreate(Body):
    source_model: ModelName
    target_model: ModelName
    enabled: bool = True
    priority: Annotated[int, Field(ge=-10**6, le=10**6)] = 0
    description: Text = ""


class MappingUpdate(Body):
    source_model: ModelName | None = None
    target_model: ModelName | None = None
    enabled: bool | None = None
    priority: Annotated[int, Field(ge=-10**6, le=10**6)] | None = None
    description: Text | None = None


class MappingView(BaseModel):
    id: int
    source_model: str
    target_model: str
    enabled: bool
    priority: int
    description: str
    created_at: str
    updated_at: str


class Mappings(BaseModel):
    mappings: list[MappingView]


class MappingCacheStats(BaseModel):
    total: int
    enabled: int
    mappings: dict[str, str]
    loaded_at: str
