"""What the git routes need before the engine runs: the engine itself (one per execution environment), the
permission a request needs, and the repository it names (docs/certctrl-git.md §7).

Light on purpose: access.py imports it in every certctrl function, so dulwich (through logic/git_hosting) is
imported only when a git request is served.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from suite.config import Environment, settings
from suite.errors import NotFound, UnprocessableEntity

if TYPE_CHECKING:
    from certctrl.logic.git_hosting import GitHosting


def _hosting(env: Environment) -> GitHosting:
    from certctrl.logic.git_hosting import GitHosting  # noqa: PLC0415
    from certctrl.models.git import load_git_settings  # noqa: PLC0415

    return GitHosting.from_settings(load_git_settings(env))


hosting = settings(_hosting)  # hosting() → the GitHosting of this execution environment (settings read once)


def basic_credentials(headers: Mapping[str, str]) -> tuple[str, str] | None:
    from certctrl.logic.git_hosting import basic_credentials as parse  # noqa: PLC0415

    return parse(headers)


def action(path: str, query: Mapping[str, Any] | str | None) -> str:
    """"write" for a push (receive-pack and its advertisement), else "read" (clone, fetch; unknown paths are 404
    later)."""
    from certctrl.logic.git_hosting import git_action  # noqa: PLC0415

    return git_action(path, query) or "read"


def repo_id(path: str, caller_user_id: int | None = None) -> int | None:
    """The id of the repository a git path names (its id, or its name looked up in the owner's catalog); None for
    a path that names none, another user's repository or one that does not exist."""
    from certctrl.logic.git_hosting import parse_git_path  # noqa: PLC0415

    parsed = parse_git_path(path)
    if parsed is None or (caller_user_id is not None and parsed.owner_id != caller_user_id):
        return None
    try:
        return hosting().catalogs.find(parsed.owner_id, parsed.repo).id
    except NotFound:
        return None


def resolve(owner_id: int, repo: str) -> int | None:
    """The id of `repo` (an id or a name) of `owner_id`; None when there is none."""
    try:
        return hosting().catalogs.find(owner_id, repo).id
    except NotFound:
        return None


# --- the routes' calls ---------------------------------------------------------------------------------------

def list_repos(user_id: int) -> list[dict[str, Any]]:
    return [repo.to_json() for repo in hosting().list_repos(user_id)]


def create_repo(user_id: int, body: Mapping[str, Any]) -> dict[str, Any]:
    """A hosted or proxy repository. A proxy's `credential` (`{name?, username?, secret}`) is stored first, for the
    upstream's host, and the repository uses it (the contract has no credential route of its own)."""
    from certctrl.logic.git_repos import upstream_host  # noqa: PLC0415

    request = {k: v for k, v in body.items() if k != "credential"}
    inline = body.get("credential")
    if inline:
        if body.get("credential_id") is not None:
            raise UnprocessableEntity("send credential_id or credential, not both", code="422")
        if not request.get("upstream_url"):
            raise UnprocessableEntity("credential needs an upstream_url", code="422")
        host = upstream_host(str(request["upstream_url"]), hosting().settings)
        stored = hosting().create_credential(user_id, {
            "name": inline.get("name") or f"{request.get('name', 'repository')} ({host})", "host": host,
            "username": inline.get("username") or "x-access-token", "secret": inline.get("secret")})
        request["credential_id"] = stored.id
    return hosting().create_repo(user_id, request).to_json()


def list_tags(user_id: int, repo: str) -> list[dict[str, Any]]:
    return [tag.to_json() for tag in hosting().list_tags(user_id, repo)]


def list_credentials(user_id: int) -> list[dict[str, Any]]:
    return [credential.to_json() for credential in hosting().list_credentials(user_id)]


def serve(method: str, path: str, query: str, headers: Mapping[str, str], body: bytes, *,
          caller_user_id: int) -> tuple[int, dict[str, str], bytes]:
    """One smart-HTTP exchange, or `POST .../gitrepos/<repo>/bundle` (JSON: a presigned bundle for clones larger
    than one answer; the engine's fetch-limit message names it)."""
    return hosting().serve(method, path, query, headers, body, caller_user_id=caller_user_id).as_tuple()


def bundle(user_id: int, repo: str) -> dict[str, Any]:
    return hosting().bundle(user_id, repo)
