"""PynamoDB models checked against the template (decision 0008): the table a model's `Meta` names through its
environment variable must be a table of the service's template with the same hash/range keys (names and
types) and every index the model declares, with the same keys and projection.

    problems = model_problems(stack, [ApiKey, User, Account])   # [] when every model matches
"""

from __future__ import annotations

from typing import Any

from devstack.template import Stack

_TYPES = {"S": "S", "N": "N", "B": "B"}


def _table_for_variable(stack: Stack, variable: str) -> str | None:
    """The logical id of the table whose name the functions receive in `variable` (`!Ref Table`)."""
    sources: list[dict[str, Any]] = []
    sources.append((stack.globals.get("Environment") or {}).get("Variables") or {})
    for resource in stack.resources_of("AWS::Serverless::Function").values():
        env = ((resource.get("Properties") or {}).get("Environment") or {}).get("Variables") or {}
        sources.append(env)
    for variables in sources:
        value = variables.get(variable)
        if isinstance(value, dict) and isinstance(value.get("Ref"), str):
            return value["Ref"]
    return None


def _keys(schema: list[dict[str, str]]) -> dict[str, str]:
    return {entry["KeyType"]: entry["AttributeName"] for entry in schema}


def model_problems(stack: Stack, models: list[type]) -> list[str]:
    problems: list[str] = []
    tables = stack.resources_of("AWS::DynamoDB::Table")
    for model in models:
        name = model.__name__
        variable = getattr(model.Meta, "variable", None)
        if variable is None:
            problems.append(f"{name}: Meta must be suite.entities.table_from_env(<VARIABLE>)")
            continue
        logical = _table_for_variable(stack, variable)
        if logical is None or logical not in tables:
            problems.append(f"{name}: no table of the template is given to the functions as {variable}")
            continue
        props = tables[logical]["Properties"]
        types = {d["AttributeName"]: d["AttributeType"] for d in props.get("AttributeDefinitions", [])}
        schema = model._get_schema()  # PynamoDB's own description of the model's table
        model_keys = {k["KeyType"]: k["AttributeName"] for k in schema["key_schema"]}
        if model_keys != _keys(props["KeySchema"]):
            problems.append(f"{name}: keys {model_keys} differ from {logical}'s {_keys(props['KeySchema'])}")
        for definition in schema["attribute_definitions"]:
            attribute, kind = definition["AttributeName"], definition["AttributeType"]
            if types.get(attribute) != _TYPES.get(kind):
                problems.append(f"{name}: attribute {attribute} is {kind} in the model, {types.get(attribute)} in "
                                f"{logical}")
        template_indexes = {i["IndexName"]: i for i in props.get("GlobalSecondaryIndexes", [])}
        template_indexes.update({i["IndexName"]: i for i in props.get("LocalSecondaryIndexes", [])})
        for index in schema.get("global_secondary_indexes", []) + schema.get("local_secondary_indexes", []):
            found = template_indexes.get(index["index_name"])
            if found is None:
                problems.append(f"{name}: index {index['index_name']} is not on {logical}")
                continue
            index_keys = {k["KeyType"]: k["AttributeName"] for k in index["key_schema"]}
            if index_keys != _keys(found["KeySchema"]):
                problems.append(f"{name}: index {index['index_name']} keys {index_keys} differ from {logical}'s")
            model_projection = index["projection"]["ProjectionType"]
            if model_projection != found["Projection"]["ProjectionType"]:
                problems.append(f"{name}: index {index['index_name']} projects {model_projection},"
                                f" {logical} {found['Projection']['ProjectionType']}")
    return problems
