"""certctrl's git hosting, as the wiring calls it (docs/certctrl-git.md, "What the wiring calls").

    hosting = GitHosting.from_settings(load_git_settings(Environment()))     # once per execution environment

    # /git/{proxy+} and /apiv1/users/{user_id}/gitrepos/{repo_id}/{git_path+}, after the credential check:
    status, headers, body = hosting.serve(method, path, query, headers, body, caller_user_id=7).as_tuple()

    # the JSON routes
    hosting.list_repos(7) / create_repo(7, body) / get_repo(7, "3") / delete_repo(7, "3") / list_tags(7, "3")
    hosting.list_credentials(7) / create_credential(7, body) / delete_credential(7, 2)

`serve` takes plain values (method, the request path as API Gateway saw it, the query as a mapping or a string,
the headers, the body bytes with base64 already undone) and returns a `GitResponse`; it never raises for
anything a client sends: bad requests are 4xx in git's terms (text/plain, which git prints as `remote: ...`).
`git_action(path, query)` says which permission a request needs ("read" for clone/fetch, "write" for push), so
an API key's scope can be checked before `serve`; `challenge()` is the 401 that makes git ask for credentials.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import re
import tempfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from dulwich.errors import GitProtocolError, HangupException, UnexpectedCommandError

from certctrl.logic import git_protocol
from certctrl.logic.git_repos import Catalogs, CredentialInput, RepoInput, RepoRecord, Stored, tags_of, upstream_of
from certctrl.models.git import GitResponse, GitSettings, ProxyCredential, Repo, Tag
from certctrl.providers import git_upstream
from certctrl.store import git_secrets, git_storage
from suite.errors import Conflict, NotFound, UpstreamFailure

ENDPOINTS = ("info/refs", "git-upload-pack", "git-receive-pack")
_ENDPOINT = "(?P<endpoint>info/refs|git-upload-pack|git-receive-pack)"
_PATHS = (
    re.compile(rf"^/git/(?P<owner>\d{{1,19}})/(?P<repo>[^/]+)/{_ENDPOINT}$"),
    re.compile(rf"^/apiv1/users/(?P<owner>\d{{1,19}})/gitrepos/(?P<repo>[^/]+)/(?:git/)?{_ENDPOINT}$"),
)
NO_CACHE = {"Cache-Control": "no-cache, max-age=0, must-revalidate", "Expires": "Fri, 01 Jan 1980 00:00:00 GMT",
            "Pragma": "no-cache"}
REALM = "certctrl git"
MAX_INFLATED = 16 * 1024 * 1024
BUNDLE_TAG = "kind=bundle"  # GitBucket's lifecycle rule expires tagged bundles after 7 days (rebuilt on demand)
BUNDLE_URL_SECONDS = 3600  # an upload-pack request (wants and haves) once gunzipped

__all__ = ["GitHosting", "GitPath", "basic_credentials", "challenge", "git_action", "parse_git_path"]


@dataclass(frozen=True)
class GitPath:
    owner_id: int
    repo: str
    endpoint: str


def parse_git_path(path: str) -> GitPath | None:
    """`/git/<user id>/<repo>[.git]/<endpoint>` or `/apiv1/users/<user id>/gitrepos/<repo id or name>/[git/]
    <endpoint>`; None for anything else (the wiring answers 404)."""
    for pattern in _PATHS:
        match = pattern.match(path or "")
        if match:
            return GitPath(int(match["owner"]), match["repo"], match["endpoint"])
    return None


def _query(query: Mapping[str, Any] | str | None) -> dict[str, str]:
    if query is None:
        return {}
    if isinstance(query, str):
        return {k: v[0] for k, v in parse_qs(query.lstrip("?")).items()}
    return {str(k): (v[0] if isinstance(v, list | tuple) and v else str(v)) for k, v in query.items()}


def git_action(path: str, query: Mapping[str, Any] | str | None = None) -> str | None:
    """"write" for a push (receive-pack, and its info/refs), "read" for clone and fetch, None: not a git path."""
    parsed = parse_git_path(path)
    if parsed is None:
        return None
    if parsed.endpoint == "git-receive-pack" or _query(query).get("service") == "git-receive-pack":
        return "write"
    return "read"


def challenge(message: str = "Authentication required") -> GitResponse:
    """401 with a Basic challenge: git asks its credential helper (or the user) and retries."""
    return _text(401, message, {"WWW-Authenticate": f'Basic realm="{REALM}", charset="UTF-8"'})


def basic_credentials(headers: Mapping[str, str]) -> tuple[str, str] | None:
    """(username, password) of an `Authorization: Basic` header; git sends the API key as the password."""
    value = _header(headers, "Authorization")
    if not value or value[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(value[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(":")
    return (username, password) if sep else None


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name.lower():
            return value
    return None


def _text(status: int, message: str, extra: dict[str, str] | None = None) -> GitResponse:
    return GitResponse(status, {"Content-Type": "text/plain; charset=utf-8", **NO_CACHE, **(extra or {})},
                       (message.rstrip("\n") + "\n").encode("utf-8"))


def _git(status: int, content_type: str, body: bytes) -> GitResponse:
    return GitResponse(status, {"Content-Type": content_type, **NO_CACHE}, body)


def _inflate(body: bytes, limit: int) -> bytes:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    data = inflater.decompress(body, limit + 1)
    if len(data) > limit or inflater.unconsumed_tail:
        raise ValueError("request too large once decompressed")
    return data


class _Refused(Exception):
    def __init__(self, response: GitResponse) -> None:
        super().__init__(response.status)
        self.response = response


@dataclass(frozen=True)
class _Exchange:
    endpoint: str
    service: str
    body: bytes
    git_protocol: str | None


def _request(endpoint: str, method: str, params: dict[str, str], headers: Mapping[str, str],
             body: bytes) -> tuple[str, bytes]:
    """(service, body as git sent it, gunzipped) of a well-formed request; raises _Refused otherwise."""
    if endpoint == "info/refs":
        if method not in ("GET", "HEAD"):
            raise _Refused(_text(405, "info/refs takes GET", {"Allow": "GET"}))
        service = params.get("service") or ""
        if service not in git_protocol.SERVICES:
            raise _Refused(_text(403, "Only the smart HTTP protocol is served (git 1.6.6 or later)"))
        return service, b""
    if method != "POST":
        raise _Refused(_text(405, f"{endpoint} takes POST", {"Allow": "POST"}))
    content_type = (_header(headers, "Content-Type") or "").split(";")[0].strip().lower()
    if content_type != f"application/x-{endpoint}-request":
        raise _Refused(_text(415, f"{endpoint} expects Content-Type application/x-{endpoint}-request"))
    encoding = (_header(headers, "Content-Encoding") or "").strip().lower()
    if encoding in ("gzip", "x-gzip"):
        try:
            return endpoint, _inflate(body, MAX_INFLATED)
        except (ValueError, zlib.error):
            raise _Refused(_text(400, "The gzip request body is broken or too large once decompressed")) from None
    if encoding not in ("", "identity"):
        raise _Refused(_text(415, f"Content-Encoding {encoding} is not supported"))
    return endpoint, body


class GitHosting:
    def __init__(self, stored: Stored, upstreams: git_upstream.Upstreams | None = None) -> None:
        self.stored = stored
        self.settings: GitSettings = stored.settings
        self.catalogs = Catalogs(stored)
        self.upstreams = upstreams if upstreams is not None else git_upstream.UPSTREAMS

    @classmethod
    def from_settings(cls, settings: GitSettings) -> GitHosting:
        return cls(Stored.from_settings(settings))

    # -- JSON routes ---------------------------------------------------------------------------------------------

    def list_repos(self, user_id: int) -> list[Repo]:
        return self.catalogs.list_repos(user_id)

    def create_repo(self, user_id: int, body: Any) -> Repo:
        return self.catalogs.create_repo(user_id, RepoInput.from_body(body))

    def get_repo(self, user_id: int, repo: str | int) -> Repo:
        return self.catalogs.get_repo(user_id, repo)

    def delete_repo(self, user_id: int, repo: str | int) -> None:
        self.catalogs.delete_repo(user_id, repo)

    def list_tags(self, user_id: int, repo: str | int) -> list[Tag]:
        record = self.catalogs.find(user_id, repo)
        if record.is_proxy:
            return self._upstream_tags(record)
        state = git_protocol.load_state(self.stored, user_id, record.id, record.default_branch)
        repo_obj = git_protocol.repo_for(self.stored, state)
        refs = {name.encode(): sha.encode() for name, sha in state.refs.items()}
        return tags_of(refs, lambda sha: repo_obj.object_store[sha])

    def bundle(self, user_id: int, repo: str | int) -> dict[str, Any]:
        """A presigned URL of a git bundle of the repository as it is now (built once per state, kept in the
        bucket): the way to clone what is larger than one answer (`git clone --bundle-uri=<url> <clone url>`)."""
        record = self.catalogs.find(user_id, repo)
        if record.is_proxy:
            raise Conflict("A proxy repository is cloned from its upstream; it has no bundle", code="409")
        state = git_protocol.load_state(self.stored, user_id, record.id, record.default_branch)
        if not state.refs:
            raise Conflict("The repository is empty", code="409")
        key = git_storage.bundle_key(user_id, record.id, git_protocol.state_digest(state))
        if not self.stored.bucket.exists(key):
            with tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024) as f:
                git_protocol.write_bundle(git_protocol.repo_for(self.stored, state), f)
                f.seek(0)
                self.stored.bucket.upload_file(key, f, tagging=BUNDLE_TAG)  # the bucket expires them
        return {"url": self.stored.bucket.presign_get(key, BUNDLE_URL_SECONDS), "expires_in": BUNDLE_URL_SECONDS,
                "refs": dict(sorted(state.refs.items())), "clone_url": self.catalogs.clone_url(user_id, record.name)}

    def list_credentials(self, user_id: int) -> list[ProxyCredential]:
        return self.catalogs.list_credentials(user_id)

    def create_credential(self, user_id: int, body: Any) -> ProxyCredential:
        return self.catalogs.create_credential(user_id, CredentialInput.from_body(body))

    def delete_credential(self, user_id: int, credential_id: int) -> None:
        self.catalogs.delete_credential(user_id, credential_id)

    # -- smart HTTP ----------------------------------------------------------------------------------------------

    def serve(self, method: str, path: str, query: Mapping[str, Any] | str | None, headers: Mapping[str, str],
              body: bytes | None, *, caller_user_id: int) -> GitResponse:
        """One Git smart-HTTP exchange for an authenticated caller (see the module docstring)."""
        try:
            parsed, record = self._target(path, caller_user_id)
            service, body = _request(parsed.endpoint, method.upper(), _query(query), headers, body or b"")
            if record.is_proxy:
                return self._proxy(record, _Exchange(parsed.endpoint, service, body, _header(headers, "Git-Protocol")))
            return self._hosted(record, parsed.endpoint, service, body)
        except _Refused as refused:
            return refused.response
        except git_protocol.TooLarge as exc:
            return _text(413, f"{exc}")
        except (GitProtocolError, HangupException, UnexpectedCommandError, ValueError) as exc:
            return _text(400, f"Malformed git request ({type(exc).__name__})")

    def _target(self, path: str, caller_user_id: int) -> tuple[GitPath, RepoRecord]:
        parsed = parse_git_path(path)
        if parsed is None:
            raise _Refused(_text(404, "Not a git path (use /git/<user id>/<repository>.git)"))
        if parsed.owner_id != caller_user_id:
            raise _Refused(_text(404, "Repository not found"))  # another user's repository does not exist for you
        try:
            return parsed, self.catalogs.find(parsed.owner_id, parsed.repo)
        except NotFound:
            raise _Refused(_text(404, "Repository not found")) from None

    def _hosted(self, record: RepoRecord, endpoint: str, service: str, body: bytes) -> GitResponse:
        limit = self.settings.max_body_bytes
        state = git_protocol.load_state(self.stored, record.user_id, record.id, record.default_branch)
        if endpoint == "info/refs":
            advertised = git_protocol.advertise(git_protocol.repo_for(self.stored, state), service, limit=limit)
            return _git(200, f"application/x-{service}-advertisement", advertised)
        if endpoint == "git-upload-pack":
            hint = f"POST /apiv1/users/{record.user_id}/gitrepos/{record.id}/bundle"
            answer = git_protocol.upload_pack(git_protocol.repo_for(self.stored, state), body, limit=limit,
                                              bundle_hint=hint)
            return _git(200, "application/x-git-upload-pack-result", answer)
        limits = git_protocol.PushLimits(limit, self.settings.max_repo_bytes)
        result = git_protocol.receive_pack(self.stored, state, body, limits=limits)
        if result.updated:
            with contextlib.suppress(Conflict):  # the push has landed; the listing's size must not fail it
                self.catalogs.record_push(record.user_id, record.id, result.state.size_bytes)
        return _git(200, "application/x-git-receive-pack-result", result.body)

    # -- proxy ---------------------------------------------------------------------------------------------------

    def _proxy(self, record: RepoRecord, exchange: _Exchange) -> GitResponse:
        refs = exchange.endpoint == "info/refs"
        try:
            upstream = upstream_of(record, self.settings)
            credential = self.catalogs.credential_for(record)
            answer = self.upstreams.forward(
                upstream, exchange.endpoint, method="GET" if refs else "POST",
                service=exchange.service if refs else None, body=exchange.body,
                content_type=None if refs else f"application/x-{exchange.service}-request",
                git_protocol=exchange.git_protocol, credential=credential, max_bytes=self.settings.max_body_bytes)
        except git_secrets.SecretDecryptError:
            return _text(502, "The proxy credential of this repository cannot be opened; store it again")
        except git_upstream.ProviderError as exc:
            return _proxy_failure(exc, self.settings.max_body_bytes)
        if answer.status >= 400:
            return _text(502 if answer.status >= 500 else answer.status,
                         f"The upstream answered HTTP {answer.status}")
        return GitResponse(answer.status, {**NO_CACHE, **answer.headers}, answer.body)

    def _upstream_tags(self, record: RepoRecord) -> list[Tag]:
        try:
            answer = self.upstreams.forward(upstream_of(record, self.settings), "info/refs", method="GET",
                                            service="git-upload-pack", credential=self.catalogs.credential_for(record),
                                            max_bytes=self.settings.max_body_bytes)
        except git_upstream.ProviderError as exc:
            raise UpstreamFailure(f"The upstream cannot list its tags ({exc.reason})", code="502") from None
        if answer.status != 200:
            raise UpstreamFailure(f"The upstream answered HTTP {answer.status}", code="502")
        return _advertised_tags(answer.body)


def _proxy_failure(exc: git_upstream.ProviderError, limit: int) -> GitResponse:
    if exc.reason == "too_large":
        return _text(413, f"The upstream's answer is larger than {limit // (1024 * 1024)} MiB, the most one "
                          "answer can carry here; fetch in steps (git clone --depth=1, then git fetch --depth=N)")
    if exc.reason == "rejected":
        return _text(502, "The upstream refused the stored proxy credential")
    if exc.reason == "unsafe_url":
        return _text(502, "The upstream URL of this repository is not allowed")
    if exc.reason == "rate_limited":
        extra = {"Retry-After": str(int(exc.retry_after))} if exc.retry_after else {}
        return _text(503, "The upstream is rate limiting; try again later", extra)
    if exc.reason == "timeout":
        return _text(504, "The upstream did not answer in time")
    return _text(502, "The upstream cannot be reached or answered badly")


def _advertised_tags(advertisement: bytes) -> list[Tag]:
    """Tags from a v0 upload-pack advertisement (`<sha> refs/tags/x` and its peeled `^{}` line)."""
    refs: dict[str, str] = {}
    offset = 0
    while offset + 4 <= len(advertisement):
        try:
            size = int(advertisement[offset: offset + 4], 16)
        except ValueError:
            break
        if size == 0:
            offset += 4
            continue
        line = advertisement[offset + 4: offset + size].rstrip(b"\n").split(b"\0", 1)[0]
        offset += size
        sha, _, name = line.partition(b" ")
        if len(sha) == 40 and name.startswith(b"refs/tags/"):
            refs[name.decode("utf-8", "replace")] = sha.decode("ascii")
    found = []
    for name, sha in sorted(refs.items()):
        if name.endswith("^{}"):
            continue
        peeled = refs.get(name + "^{}")
        found.append(Tag(name[len("refs/tags/"):], sha, peeled or sha, peeled is not None, None, None, None))
    return found
