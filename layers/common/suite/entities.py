"""PynamoDB plumbing for fixed-shape entities (decision 0008): the table of a model comes from the environment.

    class ApiKey(Model):
        Meta = table_from_env("RELAY_TABLE")
        pk = UnicodeAttribute(hash_key=True)
        ...

A template names each table and hands its name to the functions in an environment variable; the model reads it
whenever it talks to DynamoDB (PynamoDB re-creates its connection when the name changes), so the same model
works in Lambda, in `make dev` and in tests. tests/support/entity_rules.py checks every model's keys and indexes
against the template's table. Counters, open-ended documents and multi-table transactions stay on
`suite.dynamo`.
"""

from __future__ import annotations

import os


class TableFromEnv:
    """A PynamoDB `Meta` whose `table_name` is the value of an environment variable (read at every use)."""

    def __init__(self, variable: str) -> None:
        self.variable = variable

    @property
    def table_name(self) -> str | None:
        return os.environ.get(self.variable) or None

    def __repr__(self) -> str:
        return f"TableFromEnv({self.variable!r})"


def table_from_env(variable: str) -> TableFromEnv:
    return TableFromEnv(variable)
