"""The outside APIs ccjk calls: the Feishu, DingTalk and WeCom group robots, one module each, sent through
suite.outbound (robots.py: the shared shapes, the URL policy and the guarded POST)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ccjk.providers import dingtalk, feishu, robots, wecom

if TYPE_CHECKING:
    from suite.outbound import UrlPolicy

ROBOTS = {"feishu": feishu, "dingtalk": dingtalk, "wecom": wecom}


def policy(provider: str) -> UrlPolicy:
    """The URL policy of a provider's robots: its configured origin and robot path only."""
    return robots.policy(provider, ROBOTS[provider].ENDPOINT)
