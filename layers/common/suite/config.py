"""Environment variables, read typed and checked once per execution environment.

Each service's `config.py` declares one frozen dataclass of everything it reads and a loader built with
`settings(...)`:

    @dataclass(frozen=True)
    class Config:
        table: str
        dedupe_seconds: int

    def _load(env: Environment) -> Config:
        return Config(table=env.text("CCJK_TABLE"), dedupe_seconds=env.integer("DEDUPE_SECONDS", 10, minimum=0))

    get = settings(_load)          # get() → Config; get.reset() in tests after changing the environment

The first `get()` of an execution environment (its cold start) reads every variable, so a missing or malformed
one fails the first request with a ConfigError naming it, not some later request in a rarely used branch.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from typing import Any

_MISSING: Any = object()


class ConfigError(RuntimeError):
    """A required environment variable is missing or malformed (a deployment error, never the caller's)."""


class Environment:
    """Typed reads of a mapping of environment variables (os.environ by default)."""

    def __init__(self, values: Mapping[str, str] | None = None) -> None:
        self.values = os.environ if values is None else values

    def _raw(self, name: str, default: Any) -> str | None:
        value = self.values.get(name)
        if value is None or not value.strip():
            if default is _MISSING:
                raise ConfigError(f"environment variable {name} is required")
            return None
        return value.strip()

    def text(self, name: str, default: Any = _MISSING) -> str:
        value = self._raw(name, default)
        return default if value is None else value

    def optional(self, name: str) -> str | None:
        return self._raw(name, None)

    def integer(self, name: str, default: Any = _MISSING, *, minimum: int | None = None,
                maximum: int | None = None) -> int:
        value = self._raw(name, default)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise ConfigError(f"environment variable {name} must be an integer") from None
        if minimum is not None and number < minimum:
            raise ConfigError(f"environment variable {name} must be at least {minimum}")
        if maximum is not None and number > maximum:
            raise ConfigError(f"environment variable {name} must be at most {maximum}")
        return number

    def number(self, name: str, default: Any = _MISSING, *, minimum: float | None = None) -> float:
        value = self._raw(name, default)
        if value is None:
            return default
        try:
            number = float(value)
        except ValueError:
            raise ConfigError(f"environment variable {name} must be a number") from None
        if minimum is not None and number < minimum:
            raise ConfigError(f"environment variable {name} must be at least {minimum}")
        return number

    def boolean(self, name: str, default: Any = _MISSING) -> bool:
        value = self._raw(name, default)
        if value is None:
            return default
        lowered = value.lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"environment variable {name} must be true or false")

    def csv(self, name: str, default: Any = _MISSING) -> tuple[str, ...]:
        value = self._raw(name, default)
        if value is None:
            return tuple(default)
        return tuple(part.strip() for part in value.split(",") if part.strip())

    def choice(self, name: str, choices: tuple[str, ...], default: Any = _MISSING) -> str:
        value = self.text(name, default)
        if value not in choices:
            raise ConfigError(f"environment variable {name} must be one of {', '.join(choices)}")
        return value

    def url(self, name: str, default: Any = _MISSING) -> str:
        value = self.text(name, default)
        if not value.startswith(("https://", "http://")):
            raise ConfigError(f"environment variable {name} must be an http(s) URL")
        return value.rstrip("/")


class PerFunction:
    """Mixin for a config dataclass with settings only some functions are given: `require(name)` returns one,
    or names the missing variable (a deployment error) where a function lacks it."""

    __slots__ = ()

    def require(self, name: str) -> Any:
        value = getattr(self, name)
        if not value:
            raise ConfigError(f"{name.upper()} is not set for this function")
        return value


class Settings[T]:
    """A cached loader: `get()` reads the environment once, `reset()` forgets it (tests, after setenv)."""

    def __init__(self, load: Callable[[Environment], T]) -> None:
        self._load = load
        self._value: T | None = None
        self._lock = threading.Lock()

    def __call__(self) -> T:
        value = self._value
        if value is None:
            with self._lock:
                if self._value is None:
                    self._value = self._load(Environment())
                value = self._value
        return value

    def reset(self) -> None:
        self._value = None

    def load(self, values: Mapping[str, str]) -> T:
        """Read a given mapping without caching (tests of the loader itself)."""
        return self._load(Environment(values))


_every: list[Settings[Any]] = []


def settings[T](load: Callable[[Environment], T]) -> Settings[T]:
    loader = Settings(load)
    _every.append(loader)
    return loader


def reset_all() -> None:
    """Forget every service's loaded settings (test fixtures call this when they change the environment)."""
    for loader in _every:
        loader.reset()
