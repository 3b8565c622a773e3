"""Shapes of certctrl's git hosting (docs/certctrl-git.md): its settings, what the JSON routes return, and the
(status, headers, body) answer of the Git smart-HTTP glue."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from suite.config import Environment

# Lambda's synchronous payload limit is 6 MB for the whole event and the whole answer; API Gateway base64-encodes
# binary bodies (4 bytes for every 3), so 4 MiB of git data is about 5.6 MB on the wire, with room for headers.
DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class GitSettings:
    """Everything the git engine reads from the environment.

    - `bucket` (GIT_BUCKET): the S3 bucket of packs, states and catalogs.
    - `key_arn` (SECRETS_KEY_ARN): the KMS key proxy credentials are sealed with.
    - `max_body_bytes` (GIT_MAX_BODY_BYTES, default 4 MiB): the largest request or answer body of one git HTTP
      exchange (Lambda's 6 MB payload limit, base64 included). Larger pushes are refused in git's terms
      (receive-pack's `unpack` status), larger fetches with a side-band error; neither is ever truncated.
    - `max_repos` / `max_credentials` (GIT_MAX_REPOS 100, GIT_MAX_CREDENTIALS 20): per user.
    - `max_repo_bytes` (GIT_MAX_REPO_BYTES, default 1 GiB): packs of one repository, all together.
    - `public_base_url` (GIT_PUBLIC_BASE_URL): the API's public URL, for `clone_url` in listings.
    - `trusted_upstreams` (GIT_TRUSTED_UPSTREAMS, comma separated base URLs): operator-configured upstream git
      hosts that may be private or loopback (a company's git server; the fakes in tests). Any other upstream
      must be https on 443 with a public address.
    """

    bucket: str
    key_arn: str
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_repos: int = 100
    max_credentials: int = 20
    max_repo_bytes: int = 1024 * 1024 * 1024
    public_base_url: str = ""
    trusted_upstreams: tuple[str, ...] = ()


def load_git_settings(env: Environment) -> GitSettings:
    return GitSettings(
        bucket=env.text("GIT_BUCKET"),
        key_arn=env.text("SECRETS_KEY_ARN"),
        max_body_bytes=env.integer("GIT_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES, minimum=64 * 1024,
                                   maximum=DEFAULT_MAX_BODY_BYTES),
        max_repos=env.integer("GIT_MAX_REPOS", 100, minimum=1),
        max_credentials=env.integer("GIT_MAX_CREDENTIALS", 20, minimum=1),
        max_repo_bytes=env.integer("GIT_MAX_REPO_BYTES", 1024 * 1024 * 1024, minimum=1024 * 1024),
        public_base_url=env.text("GIT_PUBLIC_BASE_URL", "").rstrip("/"),
        trusted_upstreams=env.csv("GIT_TRUSTED_UPSTREAMS", ()),
    )


@dataclass(frozen=True)
class GitResponse:
    """What the smart-HTTP glue answers: the wiring returns it as is (binary bodies base64-encoded by the API
    layer)."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def as_tuple(self) -> tuple[int, dict[str, str], bytes]:
        return self.status, dict(self.headers), self.body


@dataclass(frozen=True)
class Repo:
    """A repository as listed (no secret in it: a proxy repository names its credential by id only)."""

    id: int
    name: str
    description: str
    default_branch: str
    created_at: str
    updated_at: str
    mode: str  # "hosted" | "proxy"
    upstream_url: str | None
    credential_id: int | None
    size_bytes: int
    clone_url: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "name": self.name, "description": self.description,
            "default_branch": self.default_branch, "created_at": self.created_at, "updated_at": self.updated_at,
            "mode": self.mode, "upstream_url": self.upstream_url, "credential_id": self.credential_id,
            "size_bytes": self.size_bytes, "clone_url": self.clone_url,
        }


@dataclass(frozen=True)
class Tag:
    name: str
    target: str  # what the ref points at: a tag object (annotated) or a commit (lightweight)
    commit: str | None  # the peeled commit; None when the tag does not point at a commit
    annotated: bool
    message: str | None
    tagger: str | None
    tagged_at: int | None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "target": self.target, "commit": self.commit, "annotated": self.annotated,
                "message": self.message, "tagger": self.tagger, "tagged_at": self.tagged_at}


@dataclass(frozen=True)
class ProxyCredential:
    """A proxy credential as listed: the secret is never in it, only `secret: "****"`."""

    id: int
    name: str
    host: str
    username: str
    created_at: str
    updated_at: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "host": self.host, "username": self.username, "secret": "****",
                "created_at": self.created_at, "updated_at": self.updated_at}
