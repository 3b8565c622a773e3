"""Every environment variable relay reads, typed and checked once per execution environment (suite.config)."""

from __future__ import annotations

from dataclasses import dataclass

from suite.config import Environment, settings


@dataclass(frozen=True)
class Config:
    stage: str


def _load(env: Environment) -> Config:
    return Config(stage=env.text("STAGE", "dev"))


get = settings(_load)
