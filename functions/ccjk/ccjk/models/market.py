"""Request bodies of the marketplace block (public API, API v1, API v8, admin). Field names are what the clients
send; where two client generations name a field differently, both are accepted (`AliasChoices`, the first name
is the documented one). Unknown fields are ignored (models.common.Body)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, ConfigDict, Field

from ccjk.models.common import Body

Tier = Literal["free", "pro", "enterprise"]
ItemStatus = Literal["active", "beta", "deprecated", "archived"]
ItemProvider = Literal["official", "community", "verified", "third-party"]
ProviderCategory = Literal["official", "relay", "domestic", "custom"]
ProviderStatus = Literal["active", "maintenance", "deprecated", "testing"]
Tag = Field(min_length=1, max_length=40)


def _alias(*names: str) -> Any:
    return AliasChoices(*names)


class Compatibility(Body):
    platforms: list[str] = Field(default_factory=list, max_length=20)
    frameworks: list[str] = Field(default_factory=list, max_length=40)
    languages: list[str] = Field(default_factory=list, max_length=40)


class CatalogFields(Body):
    """Every field of a catalogue item, all optional: PUT changes the fields it names."""

    type: str | None = Field(None, max_length=32, description="skill, mcp, agent, hook, workflow, output-style, "
                                                                 "prompt or claude-md")
    slug: str | None = Field(None, max_length=64, description="lower-case letters, digits, '.', '_', '-'; the id is "
                                                              "<prefix>_<slug>")
    name_en: str | None = Field(None, min_length=1, max_length=200,
                                validation_alias=_alias("name_en", "name", "nameEn"))
    name_zh_cn: str | None = Field(None, max_length=200, validation_alias=_alias("name_zh_cn", "nameZh", "name_zh"))
    description_en: str | None = Field(None, max_length=4000,
                                       validation_alias=_alias("description_en", "description", "descriptionEn"))
    description_zh_cn: str | None = Field(None, max_length=4000,
                                          validation_alias=_alias("description_zh_cn", "descriptionZh"))
    category: str | None = Field(None, min_length=1, max_length=64)
    tags: list[str] | None = Field(None, max_length=20)
    author: str | None = Field(None, max_length=100)
    provider: ItemProvider | None = None
    version: str | None = Field(None, min_length=1, max_length=32)
    install_command: str | None = Field(None, max_length=500, validation_alias=_alias("install_command",
                                                                                     "installCommand"))
    requirements: list[str] | None = Field(None, max_length=20)
    compatibility: Compatibility | None = None
    usage_examples: list[Any] | None = Field(None, max_length=20)
    content: str | None = Field(None, max_length=100_000, validation_alias=_alias("content", "template_content"))
    repository_url: str | None = Field(None, max_length=500, validation_alias=_alias("repository_url", "repoUrl",
                                                                                   "repo_url"))
    documentation_url: str | None = Field(None, max_length=500)
    npm_package: str | None = Field(None, max_length=214)
    config_schema: dict[str, Any] | None = None
    trigger: str | None = Field(None, max_length=100)
    aliases: list[str] | None = Field(None, max_length=20)
    supported_agents: list[str] | None = Field(None, max_length=20, validation_alias=_alias("supported_agents",
                                                                                         "supportedAgents"))
    status: ItemStatus | None = None
    is_official: bool | None = Field(None, validation_alias=_alias("is_official", "isOfficial"))
    is_featured: bool | None = Field(None, validation_alias=_alias("is_featured", "isFeatured"))
    is_verified: bool | None = Field(None, validation_alias=_alias("is_verified", "isVerified"))
    stars: int | None = Field(None, ge=0, le=10_000_000)


class NewCatalogItem(CatalogFields):
    """POST /admin/{skills,mcp-servers,templates}: `name_en` is required (the slug comes from it when not given)."""

    name_en: str = Field(min_length=1, max_length=200, validation_alias=_alias("name_en", "name", "nameEn"))


class UploadSkill(Body):
    """POST /api/v1/skills/upload: a user's skill (community, unverified until an admin says otherwise)."""

    name: str = Field(min_length=1, max_length=200)
    slug: str | None = Field(None, max_length=64)
    description: str = Field("", max_length=4000)
    nameZh: str | None = Field(None, max_length=200)
    descriptionZh: str | None = Field(None, max_length=4000)
    category: str = Field("other", min_length=1, max_length=64)
    tags: list[str] = Field(default_factory=list, max_length=20)
    content: str = Field(min_length=1, max_length=100_000, validation_alias=_alias("content", "prompt", "skill"))
    version: str = Field("1.0.0", min_length=1, max_length=32)
    trigger: str | None = Field(None, max_length=100)
    repoUrl: str | None = Field(None, max_length=500)
    installCommand: str | None = Field(None, max_length=500)


class ProviderFields(Body):
    name: str | None = Field(None, min_length=1, max_length=100)
    apiUrl: str | None = Field(None, min_length=8, max_length=500, validation_alias=_alias("apiUrl", "api_url"))
    description: str | None = Field(None, max_length=1000)
    models: list[str] | None = Field(None, max_length=100)
    verified: bool | None = None
    category: ProviderCategory | None = None
    status: ProviderStatus | None = None


class NewProvider(ProviderFields):
    shortcode: str = Field(min_length=1, max_length=32, validation_alias=_alias("shortcode", "id"),
                           description="lower-case letters, digits and '-'")
    name: str = Field(min_length=1, max_length=100)
    apiUrl: str = Field(min_length=8, max_length=500, validation_alias=_alias("apiUrl", "api_url"))


class FlagsUpdate(Body):
    """PUT /admin/feature-flags: the flags to set (others keep their value); null resets one to its default."""

    flags: dict[str, Any] = Field(description="e.g. silentUpgrade, telemetryEnabled, syncInterval, minClientVersion")


# ------------------------------------------------------------------------------------------------ installs, ratings

class InstallSkill(Body):
    """POST /api/v1/skills/user/install and POST /api/v1/users/{userId}/skills."""

    skillId: str = Field(min_length=1, max_length=200, validation_alias=_alias("skillId", "skill_id", "id"))
    version: str | None = Field(None, max_length=32)
    config: dict[str, Any] | None = None
    userTier: Tier | None = Field(None, description="ignored: the tier is the account's")


class UninstallSkill(Body):
    skillId: str = Field(min_length=1, max_length=200, validation_alias=_alias("skillId", "skill_id", "id"))


class UpdateUserSkill(Body):
    isEnabled: bool | None = Field(None, validation_alias=_alias("isEnabled", "enabled"))
    config: dict[str, Any] | None = None


class V8Install(Body):
    """POST /api/v8/{skills,mcp,agents,hooks}/user/install: the id under the kind's name or `id`."""

    skill_id: str = Field(min_length=1, max_length=200, validation_alias=_alias(
        "skill_id", "mcp_id", "agent_id", "hook_id", "template_id", "id", "skillId"))
    version: str | None = Field(None, max_length=32)
    enabled: bool = True
    config: dict[str, Any] | None = None


class V8Uninstall(Body):
    skill_id: str = Field(min_length=1, max_length=200, validation_alias=_alias(
        "skill_id", "mcp_id", "agent_id", "hook_id", "template_id", "id", "skillId"))


class NewRating(Body):
    """POST /api/v1/skills/{id}/ratings (`userId`, when sent, must be the caller) and API v8 (`comment`)."""

    rating: int = Field(description="1 to 5 (INVALID_RATING_VALUE otherwise)")
    review: str | None = Field(None, validation_alias=_alias("review", "comment"))
    userId: str | None = Field(None, max_length=64)


# ------------------------------------------------------------------------------------------------ catalogue reads

class TemplateBatch(Body):
    """POST /api/v1|v8/templates/batch: `ids` or `templates` (ids or objects with an `id`)."""

    ids: list[Any] | None = Field(None, max_length=100)
    templates: list[Any] | None = Field(None, max_length=100)
    language: str | None = Field(None, max_length=16)
    includeStats: bool = False


class InstalledVersion(Body):
    id: str = Field(min_length=1, max_length=200)
    version: str = Field("0.0.0", max_length=32)


class CheckUpdates(Body):
    installed: list[InstalledVersion] = Field(default_factory=list, max_length=200)


class ProjectSpec(Body):
    """POST /api/v1/specs (and the hooks/skills/v8 recommendation routes): what the client knows of a project."""

    projectRoot: str | None = Field(None, max_length=1000)
    dependencies: dict[str, Any] | list[Any] | None = None
    devDependencies: dict[str, Any] | list[Any] | None = None
    gitRemote: str | None = Field(None, max_length=500)
    frameworks: list[str] | None = Field(None, max_length=50)
    languages: list[str] | None = Field(None, max_length=50)
    language: str | None = Field(None, max_length=50)
    projectType: str | None = Field(None, max_length=50)
    tags: list[str] | None = Field(None, max_length=50)
    installed: list[str] | None = Field(None, max_length=500)
    limit: int | None = Field(None, ge=1, le=50)


# ------------------------------------------------------------------------------------------------ v1 accounts

class V1Register(Body):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=8, max_length=128)
    username: str | None = Field(None, max_length=100, validation_alias=_alias("username", "name"))


class V1Login(Body):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=1024)


class V1Refresh(Body):
    refreshToken: str = Field(min_length=1, max_length=512, validation_alias=_alias("refreshToken",
                                                                                    "refresh_token"))


# ------------------------------------------------------------------------------------------------ v1 misc

class SyncItems(Body):
    """POST /api/v1/{hooks,agents,claude-md}/sync: the client's items (under the kind's name or `items`)."""

    items: list[dict[str, Any]] | None = Field(None, max_length=200, validation_alias=_alias(
        "items", "hooks", "agents", "templates"))
    options: dict[str, Any] | None = None


class UsageQuery(Body):
    deviceId: str | None = Field(None, max_length=128)


class SessionUpload(Body):
    sessionId: str = Field(min_length=1, max_length=128)
    data: dict[str, Any]
    options: dict[str, Any] | None = None
    checksum: str | None = Field(None, max_length=128)
    name: str | None = Field(None, max_length=200)
    source: Literal["web", "cli", "api"] = "cli"


class NewAttribution(Body):
    sessionId: str = Field(min_length=1, max_length=128)
    source: Literal["web", "cli", "api"] = "cli"
    userId: str | None = Field(None, max_length=64)
    deviceId: str | None = Field(None, max_length=128)
    timestamp: str | None = Field(None, max_length=40)
    url: str | None = Field(None, max_length=500)
    metadata: dict[str, Any] | None = None


class TelemetryReport(Body):
    """Anything a client reports (at most 16 KB is kept); accepted with 202 whatever it holds."""

    model_config = ConfigDict(extra="allow")


# ------------------------------------------------------------------------------------------------ API v8 context

MessageRole = Literal["user", "assistant", "system"]
MessageType = Literal["user", "assistant", "system", "tool_use", "tool_result"]


class AddMessage(Body):
    type: MessageType
    role: MessageRole
    content: str | list[dict[str, Any]] = Field(description="text, or content blocks (text, image, tool_use, "
                                                            "tool_result)")
    toolUseResult: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None


class TokenEstimate(Body):
    content: str | list[dict[str, Any]]
    includeSystemPrompt: bool = False


class Compact(Body):
    keep_last_n: int = Field(10, ge=0, le=2000)
    archive_threshold: int | None = Field(None, ge=0)
    preserve_decisions: bool = True
    preserve_code_changes: bool = True
    generate_summary: bool = True


class AutoSave(Body):
    trigger: Literal["interval", "time_interval", "message_count", "exit", "manual", "crash_recovery",
                     "context_compact"] = "manual"


class SaveRecovery(Body):
    session_id: str = Field(min_length=1, max_length=128, validation_alias=_alias("session_id", "sessionId"))
    pending_messages: list[Any] = Field(default_factory=list, max_length=2000,
                                        validation_alias=_alias("pending_messages", "pendingMessages"))
    context_snapshot: Any = Field(None, validation_alias=_alias("context_snapshot", "contextSnapshot"))
