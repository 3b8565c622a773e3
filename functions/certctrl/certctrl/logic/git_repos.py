"""A user's git repositories and proxy credentials (docs/certctrl-git.md): the catalog document, tags.

The catalog (`git/<user>/catalog.json`, store/git_storage.py) holds everything a listing shows, so listing is
one read and no scan:

    {"v": 1, "next_repo_id": 3, "next_credential_id": 2,
     "repos": {"1": {"name", "description", "default_branch", "mode", "upstream_url", "credential_id",
                     "size_bytes", "created_at", "updated_at"}},
     "credentials": {"1": {"name", "host", "username", "sealed", "created_at", "updated_at"}}}

Every change is a compare-and-swap (`Documents.update`), so two creates never get the same id or the same name.
Ids are integers, per user, never reused. Repository names are unique per user, case-insensitively.

Proxy credentials are sealed with KMS (store/git_secrets.py) before they are written and are never returned:
listings show `"secret": "****"`. A credential names the upstream host it belongs to and is only ever sent there.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from certctrl import clock
from certctrl.models.git import GitSettings, ProxyCredential, Repo, Tag
from certctrl.providers import git_upstream
from certctrl.store import git_secrets, git_storage
from suite.errors import BadRequest, Conflict, NotFound, UnprocessableEntity

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
BRANCH = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$")
HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$")
USERNAME = re.compile(r"^[A-Za-z0-9._@+-]{1,100}$")
MAX_DESCRIPTION = 500
MAX_SECRET = 4096
DEFAULT_USERNAME = "x-access-token"

__all__ = [
    "Catalogs",
    "CredentialInput",
    "RepoInput",
    "Stored",
]


@dataclass(frozen=True)
class Stored:
    """Where the git engine keeps things: built once per execution environment from GitSettings."""

    settings: GitSettings
    documents: git_storage.Documents
    secrets: git_secrets.ProxySecrets

    @classmethod
    def from_settings(cls, settings: GitSettings) -> Stored:
        return cls(settings, git_storage.Documents(git_storage.Bucket(settings.bucket)),
                   git_secrets.ProxySecrets(settings.key_arn))

    @property
    def bucket(self) -> git_storage.Bucket:
        return self.documents.bucket


# ---------------------------------------------------------------------------------------------------------------
# Input
# ---------------------------------------------------------------------------------------------------------------


def _text(body: dict[str, Any], name: str, *, required: bool = False, default: str | None = None) -> str | None:
    value = body.get(name, default)
    if value is None:
        if required:
            raise UnprocessableEntity(f"{name} is required", code="422", details={"field": name})
        return None
    if not isinstance(value, str):
        raise UnprocessableEntity(f"{name} must be a string", code="422", details={"field": name})
    return value.strip()


def _int_or_none(body: dict[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise UnprocessableEntity(f"{name} must be a positive integer", code="422", details={"field": name})
    return value


@dataclass(frozen=True)
class RepoInput:
    """POST /apiv1/users/{user_id}/gitrepos: `name` (required), `description`, `default_branch` ("main"), and
    for a proxy repository `upstream_url` (+ optional `credential_id` of a proxy credential for its host)."""

    name: str
    description: str = ""
    default_branch: str = "main"
    upstream_url: str | None = None
    credential_id: int | None = None

    @classmethod
    def from_body(cls, body: Any) -> RepoInput:
        if not isinstance(body, dict):
            raise BadRequest("The body must be a JSON object", code="400")
        name = _text(body, "name", required=True) or ""
        if name.lower().endswith(".git"):
            name = name[:-4]
        if not NAME.fullmatch(name):
            raise UnprocessableEntity("name: 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit",
                                      code="422", details={"field": "name"})
        description = _text(body, "description", default="") or ""
        if len(description) > MAX_DESCRIPTION:
            raise UnprocessableEntity(f"description: at most {MAX_DESCRIPTION} characters", code="422",
                                      details={"field": "description"})
        branch = _text(body, "default_branch", default="main") or "main"
        if not BRANCH.fullmatch(branch) or ".." in branch or branch.endswith((".lock", "/", ".")) or "//" in branch:
            raise UnprocessableEntity("default_branch is not a valid branch name", code="422",
                                      details={"field": "default_branch"})
        upstream = _text(body, "upstream_url")
        credential_id = _int_or_none(body, "credential_id")
        if credential_id is not None and not upstream:
            raise UnprocessableEntity("credential_id needs an upstream_url", code="422",
                                      details={"field": "credential_id"})
        return cls(name, description, branch, upstream or None, credential_id)


@dataclass(frozen=True)
class CredentialInput:
    """POST /apiv1/users/{user_id}/proxy_credentials: `name`, `host` (e.g. "github.com"), `username`
    ("x-access-token" by default) and `secret` (the token; write-only)."""

    name: str
    host: str
    username: str
    secret: str

    def __repr__(self) -> str:  # the secret never reaches a log line through a repr
        return f"CredentialInput(name={self.name!r}, host={self.host!r}, username={self.username!r}, secret=****)"

    @classmethod
    def from_body(cls, body: Any) -> CredentialInput:
        if not isinstance(body, dict):
            raise BadRequest("The body must be a JSON object", code="400")
        name = _text(body, "name", required=True) or ""
        if not 1 <= len(name) <= 100:
            raise UnprocessableEntity("name: 1-100 characters", code="422", details={"field": "name"})
        host = (_text(body, "host", required=True) or "").lower()
        if not HOST.fullmatch(host) or len(host) > 253:
            raise UnprocessableEntity("host must be a host name such as github.com", code="422",
                                      details={"field": "host"})
        username = _text(body, "username", default=DEFAULT_USERNAME) or DEFAULT_USERNAME
        if not USERNAME.fullmatch(username):
            raise UnprocessableEntity("username: 1-100 letters, digits or ._@+-", code="422",
                                      details={"field": "username"})
        secret = body.get("secret")
        if not isinstance(secret, str) or not secret.strip():
            raise UnprocessableEntity("secret is required", code="422", details={"field": "secret"})
        secret = secret.strip()
        if len(secret) > MAX_SECRET or any(ord(c) < 0x21 or ord(c) > 0x7E for c in secret):
            raise UnprocessableEntity("secret must be printable ASCII without spaces", code="422",
                                      details={"field": "secret"})
        return cls(name, host, username, secret)


# ---------------------------------------------------------------------------------------------------------------
# The catalog
# ---------------------------------------------------------------------------------------------------------------


def _empty() -> dict[str, Any]:
    return {"v": 1, "next_repo_id": 1, "next_credential_id": 1, "repos": {}, "credentials": {}}


def _copy(doc: dict[str, Any] | None) -> dict[str, Any]:
    fresh = _empty()
    if doc:
        fresh.update({k: v for k, v in doc.items() if k not in ("repos", "credentials")})
        fresh["repos"] = {k: dict(v) for k, v in doc.get("repos", {}).items()}
        fresh["credentials"] = {k: dict(v) for k, v in doc.get("credentials", {}).items()}
    return fresh


@dataclass(frozen=True)
class RepoRecord:
    """A repository as the engine needs it (owner, id, and its catalog entry)."""

    user_id: int
    id: int
    name: str
    default_branch: str
    mode: str
    upstream_url: str | None
    credential_id: int | None
    entry: dict[str, Any]

    @property
    def is_proxy(self) -> bool:
        return self.mode == "proxy"


def _record(user_id: int, repo_id: str, entry: dict[str, Any]) -> RepoRecord:
    return RepoRecord(user_id, int(repo_id), entry["name"], entry.get("default_branch", "main"),
                      entry.get("mode", "hosted"), entry.get("upstream_url"), entry.get("credential_id"), entry)


class Catalogs:
    """Repositories and proxy credentials of one user at a time."""

    def __init__(self, stored: Stored, now: Callable[[], float] = clock.now) -> None:
        self.stored = stored
        self.settings = stored.settings
        self._now = now

    # -- reading -------------------------------------------------------------------------------------------------

    def _doc(self, user_id: int) -> dict[str, Any]:
        return _copy(self.stored.documents.read(git_storage.catalog_key(user_id)).doc)

    def clone_url(self, user_id: int, name: str) -> str:
        return f"{self.settings.public_base_url}/git/{user_id}/{name}.git"

    def _view(self, user_id: int, repo_id: str, entry: dict[str, Any]) -> Repo:
        return Repo(int(repo_id), entry["name"], entry.get("description", ""), entry.get("default_branch", "main"),
                    entry["created_at"], entry["updated_at"], entry.get("mode", "hosted"), entry.get("upstream_url"),
                    entry.get("credential_id"), int(entry.get("size_bytes", 0)), self.clone_url(user_id, entry["name"]))

    def list_repos(self, user_id: int) -> list[Repo]:
        doc = self._doc(user_id)
        return [self._view(user_id, rid, entry)
                for rid, entry in sorted(doc["repos"].items(), key=lambda item: int(item[0]))]

    def find(self, user_id: int, repo: str | int) -> RepoRecord:
        """A repository by id ("7") or name ("tools", "tools.git"); NotFound otherwise."""
        doc = self._doc(user_id)
        key = str(repo)
        if key.isdigit() and key in doc["repos"]:
            return _record(user_id, key, doc["repos"][key])
        name = key[:-4] if key.lower().endswith(".git") else key
        for rid, entry in doc["repos"].items():
            if entry["name"].lower() == name.lower():
                return _record(user_id, rid, entry)
        raise NotFound("Repository not found", code="404")

    def get_repo(self, user_id: int, repo: str | int) -> Repo:
        record = self.find(user_id, repo)
        return self._view(user_id, str(record.id), record.entry)

    # -- repositories --------------------------------------------------------------------------------------------

    def create_repo(self, user_id: int, request: RepoInput) -> Repo:
        mode, upstream_url = "hosted", None
        if request.upstream_url:
            upstream = _upstream_or_422(request.upstream_url, self.settings)
            mode, upstream_url = "proxy", upstream.url
        now = clock.iso_utc(self._now())

        def mutate(current: dict[str, Any] | None) -> tuple[dict[str, Any], str]:
            doc = _copy(current)
            if len(doc["repos"]) >= self.settings.max_repos:
                raise Conflict(f"A user has at most {self.settings.max_repos} repositories", code="409")
            if any(e["name"].lower() == request.name.lower() for e in doc["repos"].values()):
                raise Conflict("A repository with this name exists", code="409", details={"field": "name"})
            if request.credential_id is not None:
                credential = doc["credentials"].get(str(request.credential_id))
                if credential is None:
                    raise UnprocessableEntity("credential_id: no such proxy credential", code="422",
                                              details={"field": "credential_id"})
                if upstream_url is not None and credential["host"] != _host_of(upstream_url):
                    raise UnprocessableEntity("the proxy credential is for another host", code="422",
                                              details={"field": "credential_id"})
            repo_id = str(doc["next_repo_id"])
            doc["next_repo_id"] += 1
            doc["repos"][repo_id] = {
                "name": request.name, "description": request.description, "default_branch": request.default_branch,
                "mode": mode, "upstream_url": upstream_url, "credential_id": request.credential_id,
                "size_bytes": 0, "created_at": now, "updated_at": now,
            }
            return doc, repo_id

        repo_id = self._update(user_id, mutate)
        return self.get_repo(user_id, repo_id)

    def delete_repo(self, user_id: int, repo: str | int) -> None:
        record = self.find(user_id, repo)

        def mutate(current: dict[str, Any] | None) -> tuple[dict[str, Any] | None, None]:
            doc = _copy(current)
            if doc["repos"].pop(str(record.id), None) is None:
                return None, None
            return doc, None

        self._update(user_id, mutate)
        # After the catalog no longer names it, nobody can reach its objects; then they go.
        self.stored.bucket.delete_prefix(git_storage.repo_prefix(user_id, record.id))

    def record_push(self, user_id: int, repo_id: int, size_bytes: int) -> None:
        """After a push: the listing's size and updated_at (the state document stays the authority)."""
        now = clock.iso_utc(self._now())

        def mutate(current: dict[str, Any] | None) -> tuple[dict[str, Any] | None, None]:
            doc = _copy(current)
            entry = doc["repos"].get(str(repo_id))
            if entry is None:
                return None, None
            entry["size_bytes"] = size_bytes
            entry["updated_at"] = now
            return doc, None

        self._update(user_id, mutate)

    # -- proxy credentials ---------------------------------------------------------------------------------------

    def list_credentials(self, user_id: int) -> list[ProxyCredential]:
        doc = self._doc(user_id)
        return [_credential_view(cid, entry)
                for cid, entry in sorted(doc["credentials"].items(), key=lambda item: int(item[0]))]

    def create_credential(self, user_id: int, request: CredentialInput) -> ProxyCredential:
        now = clock.iso_utc(self._now())
        sealed_for: dict[str, str] = {}  # credential id → sealed secret (sealed again only if the id changes)

        def mutate(current: dict[str, Any] | None) -> tuple[dict[str, Any], str]:
            doc = _copy(current)
            if len(doc["credentials"]) >= self.settings.max_credentials:
                raise Conflict(f"A user has at most {self.settings.max_credentials} proxy credentials", code="409")
            cid = str(doc["next_credential_id"])
            if cid not in sealed_for:
                sealed_for[cid] = self.stored.secrets.seal(request.secret, user_id=user_id, credential_id=cid)
            doc["next_credential_id"] += 1
            doc["credentials"][cid] = {"name": request.name, "host": request.host, "username": request.username,
                                       "sealed": sealed_for[cid], "created_at": now, "updated_at": now}
            return doc, cid

        cid = self._update(user_id, mutate)
        return _credential_view(cid, self._doc(user_id)["credentials"][cid])

    def delete_credential(self, user_id: int, credential_id: int) -> None:
        def mutate(current: dict[str, Any] | None) -> tuple[dict[str, Any], None]:
            doc = _copy(current)
            if str(credential_id) not in doc["credentials"]:
                raise NotFound("Proxy credential not found", code="404")
            users = [e["name"] for e in doc["repos"].values() if e.get("credential_id") == credential_id]
            if users:
                raise Conflict("The credential is used by repositories; delete or change them first", code="409",
                               details={"repositories": sorted(users)})
            del doc["credentials"][str(credential_id)]
            return doc, None

        self._update(user_id, mutate)

    def credential_for(self, record: RepoRecord) -> tuple[str, str] | None:
        """(username, secret) of a proxy repository's credential, opened from KMS; None when it has none."""
        if record.credential_id is None:
            return None
        entry = self._doc(record.user_id)["credentials"].get(str(record.credential_id))
        if entry is None:
            return None
        secret = self.stored.secrets.open(entry["sealed"], user_id=record.user_id,
                                          credential_id=record.credential_id)
        return entry["username"], secret

    # -- helpers -------------------------------------------------------------------------------------------------

    def _update[R](self, user_id: int, mutate: Callable[[dict[str, Any] | None], tuple[dict[str, Any] | None, R]]
                   ) -> R:
        try:
            return self.stored.documents.update(git_storage.catalog_key(user_id), mutate)
        except git_storage.StateConflict:
            raise Conflict("Too many concurrent changes; try again", code="409") from None


def _credential_view(cid: str, entry: dict[str, Any]) -> ProxyCredential:
    return ProxyCredential(int(cid), entry["name"], entry["host"], entry["username"], entry["created_at"],
                           entry["updated_at"])


def _host_of(url: str) -> str:
    authority = url.split("://", 1)[1].split("/", 1)[0]
    return authority.lower()


def _upstream_or_422(url: str, settings: GitSettings) -> git_upstream.Upstream:
    try:
        return git_upstream.check_upstream_url(url, settings.trusted_upstreams)
    except git_upstream.ProviderError as exc:
        raise UnprocessableEntity(f"upstream_url: {exc.message.split(': ', 1)[-1]}", code="422",
                                  details={"field": "upstream_url"}) from None


def upstream_host(url: str, settings: GitSettings) -> str:
    """The host (with a port other than 443) a proxy credential for `url` must name; 422 for a refused URL."""
    return _host_of(_upstream_or_422(url, settings).url)


def upstream_of(record: RepoRecord, settings: GitSettings) -> git_upstream.Upstream:
    """The validated upstream of a proxy repository (checked again on every use: the policy may have changed)."""
    if not record.upstream_url:
        raise NotFound("Repository not found", code="404")
    return git_upstream.check_upstream_url(record.upstream_url, settings.trusted_upstreams)


# ---------------------------------------------------------------------------------------------------------------
# Tags
# ---------------------------------------------------------------------------------------------------------------


def tags_of(refs: dict[bytes, bytes], lookup: Callable[[bytes], Any]) -> list[Tag]:
    """The tags among `refs`, peeled through `lookup(sha) → dulwich object` (annotated tags to their commit)."""
    from dulwich.objects import Commit  # noqa: PLC0415  (dulwich only where git objects are read)
    from dulwich.objects import Tag as TagObject  # noqa: PLC0415

    found: list[Tag] = []
    for ref, sha in sorted(refs.items()):
        if not ref.startswith(b"refs/tags/") or ref.endswith(b"^{}"):
            continue
        name = ref[len(b"refs/tags/"):].decode("utf-8", "replace")
        try:
            obj = lookup(sha)
        except KeyError:
            continue
        annotated = isinstance(obj, TagObject)
        message = tagger = tagged_at = None
        if annotated:
            message = obj.message.decode("utf-8", "replace").rstrip("\n")
            tagger = obj.tagger.decode("utf-8", "replace") if obj.tagger else None
            tagged_at = obj.tag_time
        depth = 0
        while isinstance(obj, TagObject) and depth < 10:
            try:
                obj = lookup(obj.object[1])
            except KeyError:
                obj = None
            depth += 1
        commit = obj.id.decode("ascii") if isinstance(obj, Commit) else None
        found.append(Tag(name, sha.decode("ascii"), commit, annotated, message, tagger, tagged_at))
    return found
