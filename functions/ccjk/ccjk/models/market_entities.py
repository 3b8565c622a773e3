"""The marketplace's fixed-shape entities as PynamoDB models (decision 0008), all in MarketTable (`MARKET_TABLE`).

The key layout is in store/market.py. Counters on these items (installs, downloads, rating sums and the rating
distribution) are written with `suite.dynamo` updates (ADD) inside transactions, never by saving a whole model,
so a concurrent install or rating is never overwritten by a stale copy. Times are epoch milliseconds (`*_ms`);
`expires_at` (epoch seconds) is the table's TTL attribute. tests/support/entity_rules.py checks every model here
against the template. Used only from store/.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from suite.entities import table_from_env

MARKET = "MARKET_TABLE"


class ByKind(GlobalSecondaryIndex):
    """Every catalogue item (and provider) of one kind, by id."""

    class Meta:
        index_name = "by_kind"
        projection = AllProjection()

    catalog_kind = UnicodeAttribute(hash_key=True)
    catalog_id = UnicodeAttribute(range_key=True)


class ByInstalls(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_installs"
        projection = AllProjection()

    catalog_kind = UnicodeAttribute(hash_key=True)
    install_count = NumberAttribute(range_key=True)


class ByRating(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_rating"
        projection = AllProjection()

    catalog_kind = UnicodeAttribute(hash_key=True)
    rating_score = NumberAttribute(range_key=True)


class ByRank(GlobalSecondaryIndex):
    """Counters ranked within a partition: trending windows, search terms of a day, the ratings queue."""

    class Meta:
        index_name = "by_rank"
        projection = AllProjection()

    rank_pk = UnicodeAttribute(hash_key=True)
    rank_score = NumberAttribute(range_key=True)


# ---------------------------------------------------------------------------------------------------- catalogue

class CatalogItem(Model):
    """pk `ITEM#<id>`, sk `ITEM`: a skill, MCP server, agent, hook or template, in the one id space
    (`<prefix>_<slug>`, store/market.py). Its counters are written by suite.dynamo (see the module docstring)."""

    Meta = table_from_env(MARKET)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    catalog_kind = UnicodeAttribute()  # skill | mcp | agent | hook | workflow | output-style | prompt | claude-md
    catalog_id = UnicodeAttribute()
    slug = UnicodeAttribute()
    name_en = UnicodeAttribute()
    name_zh = UnicodeAttribute(null=True)
    description_en = UnicodeAttribute(default="")
    description_zh = UnicodeAttribute(null=True)
    category = UnicodeAttribute(default="other")
    tags = ListAttribute(of=UnicodeAttribute, default=list)
    author = UnicodeAttribute(null=True)
    provider = UnicodeAttribute(default="community")  # official | community | verified | third-party
    version = UnicodeAttribute(default="1.0.0")
    install_command = UnicodeAttribute(null=True)
    requirements = ListAttribute(of=UnicodeAttribute, default=list)
    platforms = ListAttribute(of=UnicodeAttribute, default=list)
    frameworks = ListAttribute(of=UnicodeAttribute, default=list)
    languages = ListAttribute(of=UnicodeAttribute, default=list)
    usage_examples = UnicodeAttribute(null=True)  # JSON text: a list of strings or {title, description, code}
    content = UnicodeAttribute(null=True)  # what a download delivers (prompt, config, template text)
    repo_url = UnicodeAttribute(null=True)
    documentation_url = UnicodeAttribute(null=True)
    npm_package = UnicodeAttribute(null=True)
    config_schema = UnicodeAttribute(null=True)  # JSON text
    trigger = UnicodeAttribute(null=True)
    aliases = ListAttribute(of=UnicodeAttribute, default=list)
    supported_agents = ListAttribute(of=UnicodeAttribute, default=list)
    status = UnicodeAttribute(default="active")  # active | beta | deprecated | archived
    is_official = BooleanAttribute(default=False)
    is_featured = BooleanAttribute(default=False)
    is_verified = BooleanAttribute(default=False)
    stars = NumberAttribute(default=0)
    versions = UnicodeAttribute(default="[]")  # JSON text: [{version, releasedAt, changelog}], newest last
    search_keys = ListAttribute(of=UnicodeAttribute, default=list)  # the index prefixes it is filed under
    created_by = UnicodeAttribute(null=True)  # the user who uploaded it (POST /api/v1/skills/upload)
    created_ms = NumberAttribute()
    updated_ms = NumberAttribute()
    revision = NumberAttribute(default=1)  # bumped by every change of content: the ETag
    # counters (suite.dynamo ADD)
    install_count = NumberAttribute(default=0)  # current installs
    download_count = NumberAttribute(default=0)
    rating_sum = NumberAttribute(default=0)
    rating_count = NumberAttribute(default=0)
    rating_1 = NumberAttribute(default=0)
    rating_2 = NumberAttribute(default=0)
    rating_3 = NumberAttribute(default=0)
    rating_4 = NumberAttribute(default=0)
    rating_5 = NumberAttribute(default=0)
    rating_score = NumberAttribute(default=0)  # Bayesian average (logic/ratings.py), what by_rating sorts by
    by_kind = ByKind()
    by_installs = ByInstalls()
    by_rating = ByRating()


class Provider(Model):
    """pk `PROVIDER#<shortcode>`, sk `PROVIDER`: an API provider (relay, domestic model vendor...)."""

    Meta = table_from_env(MARKET)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    catalog_kind = UnicodeAttribute(default="provider")
    catalog_id = UnicodeAttribute()  # the shortcode
    name = UnicodeAttribute()
    api_url = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    models = ListAttribute(of=UnicodeAttribute, default=list)
    verified = BooleanAttribute(default=False)
    category = UnicodeAttribute(default="custom")  # official | relay | domestic | custom
    status = UnicodeAttribute(default="active")  # active | maintenance | deprecated | testing
    created_by = UnicodeAttribute(null=True)
    created_ms = NumberAttribute()
    updated_ms = NumberAttribute()
    by_kind = ByKind()


class SearchEntry(Model):
    """pk `SEARCH#<prefix>`, sk `<kind>#<id>`: the item has a word starting with the prefix (logic/search.py)."""

    Meta = table_from_env(MARKET)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    weight = NumberAttribute()  # the best field the prefix comes from: name 3, slug/tags 2, category 1.5, text 1
    label = UnicodeAttribute()  # the item's name (suggestions)


# ------------------------------------------------------------------------------------------- installs, ratings

class Install(Model):
    """pk `USER#<userId>`, sk `INSTALL#<itemId>`: written in one transaction with the user's quota counter of the
    item's kind (`QUOTA#<kind>`, `used`)."""

    Meta = table_from_env(MARKET)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    item_id = UnicodeAttribute()
    item_kind = UnicodeAttribute()
    item_name = UnicodeAttribute(default="")
    version = UnicodeAttribute(null=True)
    enabled = BooleanAttribute(default=True)
    config = UnicodeAttribute(default="{}")  # JSON text
    usage_count = NumberAttribute(default=0)
    installed_ms = NumberAttribute()
    updated_ms = NumberAttribute(null=True)
    last_used_ms = NumberAttribute(null=True)


class Rating(Model):
    """pk `ITEM#<itemId>`, sk `RATING#<ratingId>` (time-ordered ids): one user's rating of an item, in the item's
    partition (newest/oldest pages are one Query) and in the moderation queue (by_rank `RATINGS`). The lock that
    makes it one per user is `ITEM#<itemId>` / `RATED#<userId>`, written in the same transaction."""

    Meta = table_from_env(MARKET)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    rating_id = UnicodeAttribute()
    item_id = UnicodeAttribute()
    item_kind = UnicodeAttribute()
    user_id = UnicodeAttribute()
    user_name = UnicodeAttribute(default="")
    rating = NumberAttribute()
    review = UnicodeAttribute(null=True)
    helpful = NumberAttribute(default=0)
    created_ms = NumberAttribute()
    rank_pk = UnicodeAttribute(default="RATINGS")
    rank_score = NumberAttribute()  # = created_ms: the moderation queue, newest first
    by_rank = ByRank()


class RatingRef(Model):
    """pk `RATINGREF#<ratingId>`, sk `REF`: where a rating is (for DELETE /admin/ratings/{id})."""

    Meta = table_from_env(MARKET)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    item_id = UnicodeAttribute()
    rating_sk = UnicodeAttribute()
    user_id = UnicodeAttribute()
    rating = NumberAttribute()


class RankedCounter(Model):
    """A counter ranked in its partition by by_rank: trending windows (pk `TREND#<kind>#<first day>`, sk the item
    id) and search terms (pk `TERM#<day>`, sk the term). `rank_score` is the count (suite.dynamo ADD)."""

    Meta = table_from_env(MARKET)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    rank_pk = UnicodeAttribute()
    rank_score = NumberAttribute(default=0)
    expires_at = NumberAttribute()
    by_rank = ByRank()


# ---------------------------------------------------------------------------------------------- API v1 state

class RefreshFamily(Model):
    """pk `RFAMILY#<id>`, sk `RFAMILY`: one sign-in of API v1 (the chain of its refresh tokens)."""

    Meta = table_from_env(MARKET)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    user_id = UnicodeAttribute()
    state = UnicodeAttribute(default="active")  # active | revoked
    current_digest = UnicodeAttribute()
    created_ms = NumberAttribute()
    expires_at = NumberAttribute()


class RefreshToken(Model):
    """pk `REFRESH#<sha256>`, sk `REFRESH`: `rotated` once its successor was issued; presenting it again then
    revokes the family (token theft)."""

    Meta = table_from_env(MARKET)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    family_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    state = UnicodeAttribute(default="active")  # active | rotated
    created_ms = NumberAttribute()
    expires_at = NumberAttribute()


class Transfer(Model):
    """pk `USER#<userId>`, sk `TRANSFER#<transferId>`: a session uploaded through /api/v1/sessions/upload."""

    Meta = table_from_env(MARKET)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    transfer_id = UnicodeAttribute()
    session_id = UnicodeAttribute(null=True)
    name = UnicodeAttribute(null=True)
    source = UnicodeAttribute(default="cli")
    data = UnicodeAttribute()  # JSON text
    checksum = UnicodeAttribute()  # SHA-256 of the canonical JSON of data
    client_checksum = UnicodeAttribute(null=True)
    size = NumberAttribute()
    created_ms = NumberAttribute()
    expires_at = NumberAttribute()


class Attribution(Model):
    """pk `ATTR#<id>`, sk `ATTR`."""

    Meta = table_from_env(MARKET)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    attribution_id = UnicodeAttribute()
    session_id = UnicodeAttribute()
    source = UnicodeAttribute()
    user_id = UnicodeAttribute(null=True)
    device_id = UnicodeAttribute(null=True)
    timestamp = UnicodeAttribute()
    url = UnicodeAttribute(null=True)
    metadata = UnicodeAttribute(default="{}")  # JSON text
    created_ms = NumberAttribute()
    expires_at = NumberAttribute()


class SyncSet(Model):
    """pk `SYNCSET#<owner>`, sk `<hooks|agents|claude-md>`: what an owner (a user, or an anonymous X-Device-ID)
    synced through /api/v1/<kind>/sync, by id."""

    Meta = table_from_env(MARKET)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    items = UnicodeAttribute()  # JSON text: {id: item}
    updated_ms = NumberAttribute()
    expires_at = NumberAttribute()


class FeatureFlags(Model):
    """pk `CONFIG#feature-flags`, sk `FLAGS` in **CcjkTable**: the flags an admin set (over the defaults), where
    the handshake (`POST /api/v1/handshake`, store/feature_flags.py) reads them."""

    Meta = table_from_env("CCJK_TABLE")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    flags = UnicodeAttribute()  # JSON object text
    revision = NumberAttribute(default=1)
    updated_ms = NumberAttribute()
    updated_by = UnicodeAttribute(null=True)


# --------------------------------------------------------------------------------------------- API v8 context

class ContextSession(Model):
    """pk `CTX#<deviceId>#<sessionId>`, sk `META`: a device's session and its running totals."""

    Meta = table_from_env(MARKET)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    session_id = UnicodeAttribute()
    device_id = UnicodeAttribute()
    created_ms = NumberAttribute()
    updated_ms = NumberAttribute()
    last_compacted_ms = NumberAttribute(null=True)
    expires_at = NumberAttribute()


class ContextMessage(Model):
    """pk `CTX#<deviceId>#<sessionId>`, sk `MSG#<uuid>` (time-ordered ids: the partition is the conversation)."""

    Meta = table_from_env(MARKET)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    uuid = UnicodeAttribute()
    type = UnicodeAttribute()
    role = UnicodeAttribute()
    content = UnicodeAttribute()  # JSON text: a string or a list of content blocks
    timestamp = UnicodeAttribute()
    token_estimate = NumberAttribute()
    importance = NumberAttribute(null=True)
    tool_use_result = UnicodeAttribute(null=True)  # JSON text
    metadata = UnicodeAttribute(null=True)  # JSON text
    expires_at = NumberAttribute()


class ContextSummary(Model):
    """pk `CTX#<deviceId>#<sessionId>`, sk `SUMMARY#<id>` (time-ordered ids)."""

    Meta = table_from_env(MARKET)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    summary_id = UnicodeAttribute()
    summary = UnicodeAttribute()
    message_count = NumberAttribute()
    token_estimate = NumberAttribute()
    topics = ListAttribute(of=UnicodeAttribute, default=list)
    key_decisions = ListAttribute(of=UnicodeAttribute, default=list)
    created_ms = NumberAttribute()
    expires_at = NumberAttribute()


class ContextArchive(Model):
    """pk `CTX#<deviceId>#<sessionId>`, sk `ARCHIVE#<id>` (time-ordered ids): messages moved out by compaction or
    saved by auto-save (up to 350 KB of JSON)."""

    Meta = table_from_env(MARKET)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    archive_id = UnicodeAttribute()
    trigger = UnicodeAttribute()
    messages = UnicodeAttribute()  # JSON text: the messages as the API shows them
    message_count = NumberAttribute()
    token_estimate = NumberAttribute()
    start_timestamp = UnicodeAttribute(null=True)
    end_timestamp = UnicodeAttribute(null=True)
    created_ms = NumberAttribute()
    expires_at = NumberAttribute()


class Recovery(Model):
    """pk `RECOVERY#<deviceId>`, sk `<id>` (time-ordered ids): crash data a client saved."""

    Meta = table_from_env(MARKET)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    recovery_id = UnicodeAttribute()
    session_id = UnicodeAttribute()
    pending_messages = UnicodeAttribute()  # JSON text
    context_snapshot = UnicodeAttribute(null=True)  # JSON text
    recovered = BooleanAttribute(default=False)
    created_ms = NumberAttribute()
    expires_at = NumberAttribute()


MODELS = [CatalogItem, Provider, SearchEntry, Install, Rating, RatingRef, RankedCounter, RefreshFamily, RefreshToken,
          Transfer, Attribution, SyncSet, FeatureFlags, ContextSession, ContextMessage, ContextSummary, ContextArchive,
          Recovery]
