"""What users publish: skills (POST /api/v1/skills/upload) and providers (POST /api/v1/providers). A user's
upload is a community item, unverified and not official whatever the request says; UPLOADS_PER_DAY per user and
kind of upload."""

from __future__ import annotations

from typing import Any

from ccjk.logic import catalog, catalog_admin, rankings
from ccjk.models.market import NewCatalogItem, UploadSkill
from ccjk.store import limits
from suite.errors import TooManyRequests

UPLOADS_PER_DAY = 20


def throttle(user_id: str, what: str) -> None:
    decision = limits.hit(f"upload#{what}#{user_id}", limit=UPLOADS_PER_DAY, window_seconds=86400)
    if not decision.allowed:
        raise TooManyRequests(f"At most {UPLOADS_PER_DAY} uploads a day", retry_after=decision.retry_after)


def upload_skill(user_id: str, request: UploadSkill) -> dict[str, Any]:
    throttle(user_id, "skill")
    fields = NewCatalogItem.model_validate({
        "type": catalog.SKILL, "slug": request.slug, "name_en": request.name, "name_zh_cn": request.nameZh,
        "description_en": request.description, "description_zh_cn": request.descriptionZh,
        "category": request.category, "tags": request.tags, "content": request.content, "version": request.version,
        "trigger": request.trigger, "repository_url": request.repoUrl, "install_command": request.installCommand,
        "provider": "community", "is_official": False, "is_verified": False, "is_featured": False,
    })
    item = catalog_admin.create_item(fields, kind=catalog.SKILL, created_by=user_id)
    return rankings.item_views([item], (catalog.SKILL,))[0]
