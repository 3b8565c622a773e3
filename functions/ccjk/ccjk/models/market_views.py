"""What the marketplace routes answer (the `data` of their envelopes, declared with `returns=`): the OpenAPI
document shows these, and the fuzz test holds every answer to them. Fields that may be absent or null say so."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ccjk.models.common import View


class Pagination(View):
    page: int
    limit: int
    total: int
    totalPages: int
    hasNext: bool


class ItemMetadata(View):
    configSchema: Any = None
    platforms: list[str]
    frameworks: list[str]
    languages: list[str]


class ItemView(View):
    """A catalogue item as the public API and API v1 show it (the v1 client's `Skill`, for every kind)."""

    id: str = Field(description="<prefix>_<slug>: the same id in every API")
    skillId: str
    slug: str
    type: str = Field(description="skill, mcp, agent, hook, workflow, output-style, prompt or claude-md")
    name: str
    nameZh: str | None
    description: str
    descriptionEn: str
    descriptionZh: str | None
    category: str
    tags: list[str]
    author: str | None
    provider: str
    version: str
    repo: str | None
    repoUrl: str | None
    stars: int
    installCount: int
    downloadCount: int
    isOfficial: bool
    isVerified: bool
    isFeatured: bool
    isTrending: bool
    trendingRank: int | None
    trigger: str | None
    aliases: list[str]
    installCommand: str | None
    supportedAgents: list[str]
    ratingAvg: float
    ratingCount: int
    status: str
    metadata: ItemMetadata
    createdAt: str | None
    updatedAt: str | None


class RatingSummary(View):
    average: float
    count: int
    distribution: dict[str, int] = Field(description="stars (1-5) → ratings")


class ItemDetail(ItemView):
    ratingSummary: RatingSummary


class SearchResults(View):
    query: str
    types: list[str]
    total: int
    truncated: bool = Field(description="the looked-up prefix matched more items than one search reads")
    results: list[ItemView]


class CategoryView(View):
    name: str
    id: str
    count: int


class CategoryItems(View):
    category: str
    total: int
    items: list[ItemView]


class RankingWindow(View):
    days: int
    from_: str = Field(alias="from")
    to: str


class RankedEntry(View):
    rank: int
    score: float = Field(description="installs, Bayesian rating score, or installs+downloads in the window")
    id: str
    slug: str
    type: str
    name: str
    nameZh: str | None
    category: str
    installCount: int
    downloadCount: int
    ratingAvg: float
    ratingCount: int
    isOfficial: bool
    trendingCount: int | None


class RankingView(View):
    dimension: str = Field(description="installs, rating or trending")
    types: list[str]
    window: RankingWindow | None = Field(description="trending only: the days counted")
    generatedAt: str
    items: list[RankedEntry]


# ------------------------------------------------------------------------------------------------ API v1

class ProviderView(View):
    id: str
    shortcode: str
    name: str
    apiUrl: str
    description: str | None
    models: list[str]
    verified: bool
    category: str
    status: str
    createdBy: str | None
    createdAt: str | None
    updatedAt: str | None


class ProviderList(View):
    providers: list[ProviderView]
    total: int


class MarketplaceFilters(View):
    categories: list[str]
    providers: list[str]
    sortOptions: list[str]


class Marketplace(View):
    skills: list[ItemView]
    pagination: Pagination
    filters: MarketplaceFilters


class SkillList(View):
    skills: list[ItemView]
    total: int


class SkillSearch(View):
    results: list[ItemView]
    total: int
    query: str
    truncated: bool


class Suggestion(View):
    text: str
    type: str = Field(description="skill (or the item's kind), category")
    skillId: str | None
    id: str | None


class Suggestions(View):
    suggestions: list[Suggestion]


class TrendingKeyword(View):
    keyword: str
    count: int


class Trending(View):
    trending: list[ItemView]
    keywords: list[TrendingKeyword]


class RecommendationBasis(View):
    type: str
    related: list[str]


class UserRecommendations(View):
    recommendations: list[ItemView]
    total: int
    basedOn: list[RecommendationBasis]


class LocalText(View):
    en: str
    zh_CN: str = Field(alias="zh-CN")


class Recommendation(View):
    id: str
    slug: str
    name: LocalText
    description: LocalText
    category: str = Field(description="skill, mcp, agent or hook (the client's groups; workflow, prompt... are skill)")
    type: str
    relevanceScore: float
    reasons: list[str]
    tags: list[str]
    installCommand: str | None


class Recommendations(View):
    requestId: str
    recommendations: list[Recommendation]
    total: int
    projectType: str | None
    frameworks: list[str]
    languages: list[str]


class V1Template(View):
    id: str
    slug: str
    type: str
    name: LocalText
    description: LocalText
    title: str
    summary: str
    content: str
    version: str
    author: str | None
    tags: list[str]
    category: str
    installCommand: str | None
    parameters: Any = None
    createdAt: str | None
    updatedAt: str | None


class V1TemplateBatch(View):
    requestId: str
    templates: dict[str, V1Template]
    notFound: list[str]
    missing: list[str]


class Quota(View):
    used: int
    limit: int = Field(description="-1: unlimited")
    remaining: int = Field(description="-1: unlimited")
    tier: str
    unlimited: bool


class UserSkill(View):
    skillId: str
    id: str
    type: str
    name: str
    version: str | None
    installedAt: str | None
    lastUsedAt: str | None
    usageCount: int
    isEnabled: bool
    config: dict[str, Any]


class UserSkills(View):
    skills: list[UserSkill]
    total: int
    quota: Quota


class Installed(View):
    skillId: str
    id: str
    type: str
    installedAt: str
    quota: Quota


class Uninstalled(View):
    skillId: str
    id: str
    type: str
    uninstalledAt: str
    quota: Quota


class UserSkillUpdated(View):
    skillId: str
    isEnabled: bool
    config: dict[str, Any]
    updatedAt: str


class RatingView(View):
    id: str
    userId: str
    userName: str
    skillId: str
    itemId: str
    type: str
    rating: int
    review: str | None
    comment: str | None
    helpful: int
    createdAt: str | None
    updatedAt: str | None


class ItemRatings(View):
    ratings: list[RatingView]
    summary: RatingSummary
    pagination: Pagination
    sortedWithin: int | None = Field(None, description="highest/lowest/helpful sorted only the most recent N ratings")


class NewRatingView(View):
    id: str
    skillId: str
    itemId: str
    userId: str
    rating: int
    review: str | None
    comment: str | None
    helpful: int
    createdAt: str


class Download(View):
    id: str
    skillId: str
    type: str
    name: str
    version: str
    filename: str
    content: str
    size: int = Field(description="bytes of content (UTF-8)")
    checksum: str = Field(description="sha256:<hex> of content (UTF-8)")
    sha256: str
    installCommand: str | None
    downloadCount: int


class SyncResult(View):
    success: bool
    uploaded: int
    downloaded: int
    skipped: int
    failed: int
    errors: list[str]
    timestamp: str
    items: list[dict[str, Any]] = Field(description="what the owner has in the cloud and did not send")
    stored: bool = Field(description="false when the caller is anonymous and sent no X-Device-ID")


class KindUsage(View):
    used: int
    limit: int
    remaining: int


class Usage(View):
    tier: str
    anonymous: bool
    installs: dict[str, KindUsage]
    period: str


class AttributionCreated(View):
    attributionId: str
    url: str | None


class AttributionView(View):
    attributionId: str
    sessionId: str
    source: str
    userId: str | None
    deviceId: str | None
    timestamp: str
    url: str | None
    metadata: dict[str, Any]


class TransferCreated(View):
    transferId: str
    sessionId: str
    url: str
    expiresAt: str
    checksum: str


class TransferSummary(View):
    transferId: str
    sessionId: str | None
    name: str | None
    source: str
    size: int
    createdAt: str
    expiresAt: str
    url: str


class TransferList(View):
    sessions: list[TransferSummary]
    total: int


class TransferStatus(View):
    transferId: str
    status: str = Field(description="ready, or expired")
    expiresAt: str


class Deleted(View):
    deleted: bool
    id: str | None = None


class Accepted(View):
    requestId: str
    accepted: bool


class AccountUser(View):
    id: str
    email: str
    name: str
    username: str
    tier: str


class TokenPair(View):
    user: AccountUser
    accessToken: str = Field(description="a JWT, valid 1 hour: Authorization: Bearer <accessToken>")
    token: str = Field(description="the same access token")
    refreshToken: str = Field(description="single use, valid 30 days: POST /api/v1/auth/refresh")
    tokenType: str
    expiresIn: int
    expiresAt: str
    refreshExpiresAt: str


class Verified(View):
    valid: bool
    user: AccountUser
    expiresAt: str | None


class LoggedOut(View):
    loggedOut: bool


# ------------------------------------------------------------------------------------------------ API v8

class Compatibility(View):
    platforms: list[str]
    frameworks: list[str]
    languages: list[str]


class TemplateView(View):
    """API v8's TemplateItem."""

    id: str
    slug: str
    type: str
    name_en: str
    name_zh_cn: str
    description_en: str
    description_zh_cn: str
    category: str
    tags: list[str]
    author: str
    version: str
    install_command: str
    requirements: list[str]
    compatibility: Compatibility
    usage_examples: Any
    is_official: bool
    is_featured: bool
    is_verified: bool
    download_count: int
    install_count: int
    rating_average: float
    rating_count: int
    repository_url: str | None
    npm_package: str | None
    documentation_url: str | None
    config_schema: Any = None
    status: str
    created_at: str | None
    updated_at: str | None


class TemplatePage(View):
    items: list[TemplateView]
    total: int
    limit: int
    offset: int
    truncated: bool | None = None


class V8Batch(View):
    templates: dict[str, TemplateView]
    notFound: list[str]


class TemplateUpdate(View):
    id: str
    current_version: str
    latest_version: str
    has_update: bool
    changelog: str | None
    released_at: str | None


class TemplateUpdates(View):
    updates: list[TemplateUpdate]
    upToDate: list[str]
    notFound: list[str]


class TemplateVersion(View):
    version: str
    releasedAt: str | None
    changelog: str | None


class TemplateVersions(View):
    id: str
    latest: str
    versions: list[TemplateVersion]


class TemplateDownload(View):
    id: str
    type: str
    name: str
    version: str
    filename: str
    content: str
    size: int
    checksum: str = Field(description="sha256:<hex> of content (UTF-8)")
    sha256: str
    download_count: int


class DownloadCounted(View):
    id: str
    download_count: int


class V8Recommendation(TemplateView):
    relevance_score: float
    reasons: list[str]


class V8Recommendations(View):
    recommendations: list[V8Recommendation]
    total: int


class V8Rating(View):
    id: str
    user_id: str
    user_name: str
    rating: int
    comment: str | None
    helpful_count: int
    created_at: str | None


class V8Summary(View):
    average_rating: float
    total_ratings: int
    distribution: dict[str, int]


class V8Ratings(View):
    summary: V8Summary
    ratings: list[V8Rating]
    total: int
    limit: int
    offset: int


class V8InstallView(View):
    id: str
    item_id: str
    type: str
    name: str
    version: str | None
    enabled: bool
    installed_at: str | None
    usage_count: int
    config: dict[str, Any]


class V8Quota(View):
    used: int
    limit: int
    remaining: int
    tier: str
    unlimited: bool


class V8Installs(View):
    items: list[V8InstallView]
    total: int
    quota: V8Quota


class V8Installed(View):
    installed: V8InstallView
    quota: V8Quota


class V8Uninstalled(View):
    uninstalled: str
    quota: V8Quota


class V8Suggestions(View):
    suggestions: list[TemplateView]
    total: int


class Health(View):
    status: str
    version: str
    timestamp: str


# ------------------------------------------------------------------------------------------------ API v8 context

class ContextStats(View):
    estimatedTokens: int
    maxTokens: int
    usagePercentage: float
    turnCount: int
    messageCount: int
    lastCompactedAt: str | None
    warningThreshold: float
    criticalThreshold: float


class SessionMessage(View):
    uuid: str
    id: str
    sessionId: str
    type: str
    role: str
    content: Any
    timestamp: str
    toolUseResult: Any = None
    importanceScore: float | None
    tokenEstimate: int
    metadata: Any = None


class AddedMessage(View):
    message: SessionMessage
    contextStats: ContextStats


class MessageList(View):
    messages: list[SessionMessage]
    totalCount: int
    hasMore: bool


class TokenBreakdown(View):
    text: int
    code: int
    images: int
    toolUse: int


class TokenEstimateView(View):
    estimatedTokens: int
    breakdown: TokenBreakdown


class SessionSummary(View):
    id: str
    createdAt: str | None
    updatedAt: str | None
    messageCount: int
    tokenEstimate: int
    keyDecisions: list[str]
    codeChanges: list[Any]
    topics: list[str]
    summary: str


class OneSummary(View):
    summary: SessionSummary


class SummaryList(View):
    summaries: list[SessionSummary]
    totalCount: int


class CompactResult(View):
    originalMessageCount: int
    compactedMessageCount: int
    archivedMessageCount: int
    tokensBefore: int
    tokensAfter: int
    tokensSaved: int
    savingsPercentage: float
    summary: SessionSummary | None
    archiveId: str | None


class AutoSaved(View):
    savedAt: str
    messageCount: int
    archiveId: str | None


class ArchiveEntry(View):
    id: str
    sessionId: str
    messageCount: int
    tokenEstimate: int
    createdAt: str | None
    startTimestamp: str | None
    endTimestamp: str | None
    trigger: str


class ArchiveList(View):
    archives: list[ArchiveEntry]
    totalCount: int


class ArchiveDetail(View):
    archive: ArchiveEntry
    messages: list[SessionMessage]


class RecoveryItem(View):
    id: str
    sessionId: str
    pendingMessages: list[Any]
    contextSnapshot: Any = None
    recovered: bool
    createdAt: str | None


class RecoveryList(View):
    items: list[RecoveryItem]


class RecoverySaved(View):
    id: str


class Cleaned(View):
    deletedCount: int
