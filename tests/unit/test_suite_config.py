"""suite.config: typed environment reads, cached settings, and settings only some functions are given."""

from dataclasses import dataclass

import pytest

from suite.config import ConfigError, Environment, PerFunction, Settings


@dataclass(frozen=True)
class Shape(PerFunction):
    table: str
    queue_url: str | None


def _load(env: Environment) -> Shape:
    return Shape(table=env.text("TABLE"), queue_url=env.optional("QUEUE_URL"))


def test_a_required_setting_is_returned_where_the_function_has_it():
    loaded = Settings(_load).load({"TABLE": "t", "QUEUE_URL": "https://sqs.example/q"})
    assert loaded.require("queue_url") == "https://sqs.example/q"


def test_a_missing_setting_names_the_variable_the_function_lacks():
    loaded = Settings(_load).load({"TABLE": "t"})
    with pytest.raises(ConfigError, match="QUEUE_URL is not set for this function"):
        loaded.require("queue_url")


def test_an_environment_read_is_checked_once_with_a_clear_error():
    with pytest.raises(ConfigError, match="TABLE"):
        Settings(_load).load({})
    with pytest.raises(ConfigError, match="must be an http"):
        Environment({"U": "ftp://x"}).url("U")
