"""Constraints the routes check themselves, with the original's messages, stated in the OpenAPI document only.

Pydantic does not enforce them (a request that breaks one gets the service's own 400, e.g. `设备UUID是必需的`,
not the layer's validation message), but the document says what a valid request is, so a client generated
from it, and the fuzzer, send what the routes accept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ConfigDict, Field

NON_BLANK = r"\S"  # at least one character that is not white space (values are stripped)
DIGITS = r"^[0-9]{1,12}$"
MAX_ID = 191  # the original's varchar(191): uuids, namespaces, names, notes, keys


def schema(**documented: Any) -> Callable[[dict[str, Any]], None]:
    """A `json_schema_extra` that replaces a field's generated schema with `documented`."""

    def replace(generated: dict[str, Any]) -> None:
        title = generated.get("title")
        generated.clear()
        generated.update(documented)
        if title:
            generated["title"] = title

    return replace


def text(**documented: Any) -> Any:
    """An optional string field (None when absent) documented as a string with these constraints."""
    return Field(default=None, json_schema_extra=schema(type="string", **documented))


def required(*names: str) -> ConfigDict:
    """A model whose fields `names` are required in the document (the route answers their absence itself)."""
    return ConfigDict(json_schema_extra={"required": list(names)})
