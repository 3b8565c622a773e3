"""The model catalogue with prices (USD per 1M tokens) and the global model mappings.

The default catalogue is the original's (names, aliases, context sizes, input/output prices) with cache prices
added from the providers' published ratios (Anthropic: cache writes 1.25× and reads 0.1× the input price;
OpenAI and Google: cached input 0.25×), which the original left at 0. `init_defaults` adds the defaults that
are missing (by name); `reset_defaults` puts every default back to its default values and removes the rest.
"""

from __future__ import annotations

from typing import Any

from relay import clock
from relay.logic import oplog
from relay.models import catalog as shapes
from relay.models.entities import AiModel, ModelMapping
from relay.store import catalog, sequences
from suite.errors import Conflict, NotFound

PROVIDERS = {"claude": "anthropic", "openai": "openai", "gemini": "google"}
# cache write and read prices as a share of the input price
CACHE_SHARES = {"claude": (1.25, 0.1), "openai": (0.0, 0.25), "gemini": (0.0, 0.25)}

# (platform, name, display name, sort order, context, max output, input price, output price, aliases)
_ROWS = (
    ("claude", "claude-opus-4-5-20251101", "Claude Opus 4.5", 1, 200000, 32000, 15.0, 75.0, ""),
    ("claude", "claude-sonnet-4-5-20250929", "Claude Sonnet 4.5", 2, 200000, 64000, 3.0, 15.0, ""),
    ("claude", "claude-haiku-4-5-20251001", "Claude Haiku 4.5", 3, 200000, 8192, 1.0, 5.0, ""),
    ("claude", "claude-opus-4-1-20250805", "Claude Opus 4.1", 4, 200000, 32000, 15.0, 75.0, ""),
    ("claude", "claude-sonnet-4-20250514", "Claude Sonnet 4", 5, 1000000, 64000, 3.0, 15.0, ""),
    ("claude", "claude-opus-4-20250514", "Claude Opus 4", 6, 200000, 32000, 15.0, 75.0, ""),
    ("claude", "claude-3-7-sonnet-20250219", "Claude 3.7 Sonnet", 7, 200000, 128000, 3.0, 15.0, ""),
    ("claude", "claude-3-5-sonnet-20241022", "Claude 3.5 Sonnet", 8, 200000, 8192, 3.0, 15.0,
     "claude-3-5-sonnet-latest,claude-3-5-sonnet"),
    ("claude", "claude-3-5-haiku-20241022", "Claude 3.5 Haiku", 9, 200000, 8192, 0.8, 4.0,
     "claude-3-5-haiku-latest,claude-3-5-haiku"),
    ("openai", "gpt-4.1", "GPT-4.1", 10, 1047576, 32768, 2.0, 8.0, "gpt-4.1-2025-04-14"),
    ("openai", "gpt-4.1-mini", "GPT-4.1 Mini", 11, 1047576, 32768, 0.4, 1.6, "gpt-4.1-mini-2025-04-14"),
    ("openai", "gpt-4.1-nano", "GPT-4.1 Nano", 12, 1047576, 32768, 0.1, 0.4, "gpt-4.1-nano-2025-04-14"),
    ("openai", "o1", "o1", 13, 200000, 100000, 15.0, 60.0, "o1-2024-12-17"),
    ("openai", "o1-mini", "o1 Mini", 14, 128000, 65536, 1.1, 4.4, ""),
    ("gemini", "gemini-2.5-pro", "Gemini 2.5 Pro", 20, 1048576, 65535, 1.25, 10.0, "gemini-2.5-pro-exp-03-25"),
    ("gemini", "gemini-2.5-flash", "Gemini 2.5 Flash", 21, 1048576, 65535, 0.3, 2.5, ""),
    ("gemini", "gemini-2.5-flash-lite", "Gemini 2.5 Flash Lite", 22, 1048576, 65535, 0.1, 0.4, ""),
    ("gemini", "gemini-2.0-flash", "Gemini 2.0 Flash", 23, 1048576, 8192, 0.1, 0.4, "gemini-2.0-flash-exp"),
)


def _default(row: tuple) -> dict[str, Any]:
    platform, name, display, order, context, output, price_in, price_out, aliases = row
    write, read = CACHE_SHARES[platform]
    return {"name": name, "display_name": display, "platform": platform, "provider": PROVIDERS[platform],
            "category": "chat", "context_size": context, "max_output": output, "input_price": price_in,
            "output_price": price_out, "cache_create_price": round(price_in * write, 6),
            "cache_read_price": round(price_in * read, 6), "sort_order": order, "aliases": aliases,
            "is_default": order == 1}


DEFAULT_MODELS: tuple[dict[str, Any], ...] = tuple(_default(row) for row in _ROWS)


def _csv(value: str) -> str:
    return ",".join(dict.fromkeys(p.strip() for p in value.split(",") if p.strip()))


def view(item: AiModel) -> dict[str, Any]:
    return shapes.ModelView(
        id=item.id, name=item.name, model_id=item.name, display_name=item.display_name or "",
        model_name=item.display_name or item.name, platform=item.platform, provider=item.provider or "",
        description=item.description or "", category=item.category or "", context_size=int(item.context_size),
        max_output=int(item.max_output), input_price=float(item.input_price), output_price=float(item.output_price),
        cache_create_price=float(item.cache_create_price), cache_creation_price=float(item.cache_create_price),
        cache_read_price=float(item.cache_read_price), enabled=bool(item.enabled), is_default=bool(item.is_default),
        sort_order=int(item.sort_order), aliases=item.aliases or "", capabilities=item.capabilities or "",
        created_at=clock.iso(item.created_at), updated_at=clock.iso(item.updated_at or item.created_at)).model_dump()


def models(*, platform: str | None = None, enabled: bool | None = None) -> list[AiModel]:
    found = catalog.all_models()
    return [m for m in found if (platform is None or m.platform == platform)
            and (enabled is None or bool(m.enabled) == enabled)]


def public_models() -> list[dict[str, Any]]:
    return [shapes.PublicModel(id=m.id, name=m.name, display_name=m.display_name or m.name, platform=m.platform,
                               input_price=float(m.input_price), output_price=float(m.output_price),
                               cache_create_price=float(m.cache_create_price),
                               cache_read_price=float(m.cache_read_price)).model_dump()
            for m in models(enabled=True)]


def get_model(model_id: int) -> AiModel:
    item = catalog.get_model(model_id)
    if item is None:
        raise NotFound("model not found")
    return item


def create_model(fields: dict[str, Any], *, audit: bool = True) -> dict[str, Any]:
    now = clock.now()
    fields = {**fields, "aliases": _csv(fields.get("aliases", ""))}
    item = catalog.new_model(sequences.next_id("model"), **fields, created_at=now, updated_at=now)
    try:
        catalog.create_model(item)
    except catalog.Taken:
        raise Conflict("model name already exists") from None
    answer = view(item)
    if audit:
        oplog.changed(None, answer, target=item.id, name=item.name)
    return answer


def update_model(model_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    item = get_model(model_id)
    before = view(item)
    changes = {name: value for name, value in changes.items() if value is not None}
    if "aliases" in changes:
        changes["aliases"] = _csv(changes["aliases"])
    if changes:
        changes["updated_at"] = clock.now()
        try:
            if not catalog.update_model(item, changes, old_name=item.name):
                raise NotFound("model not found")
        except catalog.Taken:
            raise Conflict("model name already exists") from None
        item = get_model(model_id)
    after = view(item)
    oplog.changed(before, after, target=item.id, name=item.name)
    return after


def toggle_model(model_id: int) -> dict[str, Any]:
    item = get_model(model_id)
    return update_model(model_id, {"enabled": not item.enabled})


def delete_model(model_id: int) -> None:
    item = get_model(model_id)
    if not catalog.delete_model(item):
        raise NotFound("model not found")
    oplog.changed(view(item), None, target=item.id, name=item.name)


def platforms() -> list[str]:
    return sorted({m.platform for m in catalog.all_models()})


def init_defaults() -> int:
    """Add every default model whose name is not in the catalogue; how many were added."""
    present = {m.name.lower() for m in catalog.all_models()}
    added = 0
    for default in DEFAULT_MODELS:
        if default["name"].lower() in present:
            continue
        try:
            create_model({**default, "enabled": True}, audit=False)
            added += 1
        except Conflict:
            continue
    oplog.changed(None, {"added": added})
    return added


def reset_defaults() -> int:
    """Every model back to the default catalogue: defaults get their default values, the rest are removed."""
    defaults = {d["name"].lower(): d for d in DEFAULT_MODELS}
    for item in catalog.all_models():
        wanted = defaults.get(item.name.lower())
        if wanted is None:
            catalog.delete_model(item)
        else:
            changes = {k: v for k, v in wanted.items() if k != "name"}
            catalog.update_model(item, {**changes, "enabled": True, "updated_at": clock.now()}, old_name=item.name)
    added = init_defaults()
    oplog.changed(None, {"reset": len(DEFAULT_MODELS), "added": added})
    return len(DEFAULT_MODELS)


# --- mappings -------------------------------------------------------------------------------------------------

def mapping_view(item: ModelMapping) -> dict[str, Any]:
    return shapes.MappingView(id=item.id, source_model=item.source_model, target_model=item.target_model,
                              enabled=bool(item.enabled), priority=int(item.priority),
                              description=item.description or "", created_at=clock.iso(item.created_at),
                              updated_at=clock.iso(item.updated_at or item.created_at)).model_dump()


def mappings() -> list[dict[str, Any]]:
    found = sorted(catalog.all_mappings(), key=lambda m: (-int(m.priority), m.id))
    return [mapping_view(m) for m in found]


def get_mapping(mapping_id: int) -> ModelMapping:
    item = catalog.get_mapping(mapping_id)
    if item is None:
        raise NotFound("model mapping not found")
    return item


def create_mapping(body: shapes.MappingCreate) -> dict[str, Any]:
    if body.source_model.lower() == body.target_model.lower():
        raise Conflict("a model cannot map to itself")
    now = clock.now()
    item = catalog.new_mapping(sequences.next_id("model_mapping"), **body.model_dump(), created_at=now,
                               updated_at=now)
    catalog.save(item)
    answer = mapping_view(item)
    oplog.changed(None, answer, target=item.id, name=item.source_model)
    return answer


def update_mapping(mapping_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    item = get_mapping(mapping_id)
    before = mapping_view(item)
    changes = {name: value for name, value in changes.items() if value is not None}
    source, target = changes.get("source_model", item.source_model), changes.get("target_model", item.target_model)
    if source.lower() == target.lower():
        raise Conflict("a model cannot map to itself")
    if changes:
        changes["updated_at"] = clock.now()
        if not catalog.update(item, ModelMapping, changes):
            raise NotFound("model mapping not found")
        item = get_mapping(mapping_id)
    after = mapping_view(item)
    oplog.changed(before, after, target=item.id, name=item.source_model)
    return after


def delete_mapping(mapping_id: int) -> None:
    item = get_mapping(mapping_id)
    if not catalog.delete(item, ModelMapping):
        raise NotFound("model mapping not found")
    oplog.changed(mapping_view(item), None, target=item.id, name=item.source_model)


def effective_mappings() -> dict[str, str]:
    """source → target of the enabled mappings, higher priority first (what the proxy applies)."""
    table: dict[str, str] = {}
    for item in sorted(catalog.all_mappings(), key=lambda m: (-int(m.priority), m.id)):
        if item.enabled and item.source_model not in table:
            table[item.source_model] = item.target_model
    return table


def mapping_cache_stats() -> dict[str, Any]:
    every = catalog.all_mappings()
    table = effective_mappings()
    return {"total": len(every), "enabled": sum(1 for m in every if m.enabled), "mappings": table,
            "loaded_at": clock.iso()}
