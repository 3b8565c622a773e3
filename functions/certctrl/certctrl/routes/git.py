"""Git hosting (issue 19, item 5; docs/certctrl-git.md): repositories and tags as JSON, proxy credentials (listed,
never shown), and Git smart HTTP on `/git/<user id>/<repo>.git/...` and `.../gitrepos/<repo>/...`.

The smart-HTTP routes take `access.GIT` (Basic with an API key as the password, `Bearer ak_...`, or the cookie).
Without a usable credential they answer git's own 401 with `WWW-Authenticate: Basic` (text/plain), which makes git
ask its credential helper; everything else they answer is git's (the engine's GitResponse), bytes as they are.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from certctrl import access
from certctrl.api import ENVELOPE
from certctrl.logic import git_access
from certctrl.models.git_views import BundleView, ProxyCredentialView, RepoCreate, RepoView, TagView
from certctrl.routes.money_params import page_of, uid
from suite import body
from suite.api import Router

router = Router()
TAGS = ["git"]
REPOS = "/apiv1/users/<user_id>/gitrepos"
TEXT = {"text/plain": {"schema": {"type": "string"}}}
GIT_TYPES = ("application/x-git-upload-pack-advertisement", "application/x-git-receive-pack-advertisement",
             "application/x-git-upload-pack-result", "application/x-git-receive-pack-result")
SMART_HTTP = {
    200: {"description": "git's answer (an advertisement or a pack result), or the bundle's JSON",
          "content": {**{kind: {"schema": {"type": "string", "format": "binary"}} for kind in GIT_TYPES},
                      "application/json": {"schema": {"type": "object"}}}},
    **{status: {"description": description, "content": TEXT} for status, description in (
        (400, "A malformed git request (git prints it as remote: ...)"),
        (401, "No usable credential: a Basic challenge (git asks its credential helper)"),
        (403, "Dumb HTTP is not served"), (404, "No such repository (or another user's), or not a git path"),
        (405, "The wrong method for the endpoint"), (409, "A bundle of an empty repository"),
        (413, "Larger than one answer can carry (GIT_MAX_BODY_BYTES): see the bundle route"),
        (415, "The wrong Content-Type or Content-Encoding"),
        (502, "A proxy repository's upstream failed or refused the stored credential"),
        (503, "The upstream is rate limiting"), (504, "The upstream did not answer in time"))},
}
SMART_DOC = ("Git smart HTTP (clone, fetch, push): info/refs?service=git-upload-pack|git-receive-pack (GET), "
             "git-upload-pack and git-receive-pack (POST). Credentials: Basic with any user name and an API key "
             "allowed gitrepos read (clone, fetch) or write (push) as the password, Bearer ak_..., or the session "
             "cookie. Bodies and answers are at most GIT_MAX_BODY_BYTES (4 MiB); set `git config http.postBuffer "
             "5m` so pushes are sent with Content-Length.")


@router.exception_handler(access.GitUnauthorized)
def _challenge(error: access.GitUnauthorized) -> Response:
    """git's 401: text/plain with the Basic challenge, never the JSON envelope."""
    return Response(status_code=401, content_type="text/plain; charset=utf-8", body=error.message + "\n",
                    headers={**error.headers, "Cache-Control": "no-cache, max-age=0, must-revalidate"})


def _git_answer(method: str) -> Response:
    event = router.current_event
    raw = event.raw_event
    status, headers, data = git_access.serve(method, raw.get("rawPath") or event.path,
                                             raw.get("rawQueryString") or "",
                                             {str(k): str(v) for k, v in (event.headers or {}).items()},
                                             body.raw(raw), caller_user_id=uid())
    content_type = headers.pop("Content-Type", "application/octet-stream")
    return Response(status_code=status, content_type=content_type, body=data, headers=headers)


# --- repositories --------------------------------------------------------------------------------------------

@router.get(REPOS, auth=access.user("gitrepos", "read"), returns=list[RepoView], errors=(403,),
            summary="The user's repositories (hosted, and proxies of an upstream)", tags=TAGS)
def list_repos(user_id: str):
    return page_of(router, git_access.list_repos(uid()))


@router.post(REPOS, auth=access.user("gitrepos", "write"), returns=RepoView, status_code=201,
             errors=(403, 409, 422),
             summary="A repository: hosted (name), or a proxy of an upstream (upstream_url and a credential)",
             description="clone_url is what git clones. A proxy's credential is credential_id (a stored one for "
                         "the upstream's host) or credential {name?, username?, secret}: stored sealed with KMS, "
                         "sent only to that host, never shown again.", tags=TAGS)
def create_repo(user_id: str, request: RepoCreate):
    return ENVELOPE.created(git_access.create_repo(uid(), request.model_dump(exclude_none=True)))


@router.get(f"{REPOS}/<repo_id>/tags", auth=access.user("gitrepos", "read", "repo_id"), returns=list[TagView],
            errors=(403, 404, 502), summary="The repository's tags (annotated ones peeled to their commit)",
            tags=TAGS)
def list_tags(user_id: str, repo_id: str):
    return page_of(router, git_access.list_tags(uid(), repo_id))


@router.get(f"{REPOS}/<repo_id>/<git_path+>", auth=access.GIT, responses=SMART_HTTP, tags=TAGS,
            summary="Git smart HTTP on a repository (its id or name): info/refs", description=SMART_DOC)
def repo_git_get(user_id: str, repo_id: str, git_path: str):
    return _git_answer("GET")


@router.post(f"{REPOS}/<repo_id>/<git_path+>", auth=access.GIT, responses=SMART_HTTP, tags=TAGS,
             summary="Git smart HTTP on a repository: git-upload-pack, git-receive-pack; and .../bundle",
             description=SMART_DOC + " POST .../gitrepos/{repo_id}/bundle answers (JSON) a presigned URL of a git "
                                     "bundle of the repository: `git clone --bundle-uri=<url> <clone_url>` clones "
                                     "what is larger than one answer.")
def repo_git_post(user_id: str, repo_id: str, git_path: str):
    if git_path == "bundle":
        return ENVELOPE.ok(BundleView(**git_access.bundle(uid(), repo_id)).model_dump())
    return _git_answer("POST")


@router.get("/apiv1/users/<user_id>/proxy_credentials", auth=access.user("proxy_credentials", "read"),
            returns=list[ProxyCredentialView], errors=(403,),
            summary="Stored proxy credentials (the secret is never shown: ****)", tags=TAGS)
def list_credentials(user_id: str):
    return page_of(router, git_access.list_credentials(uid()))


# --- /git/<user id>/<repo>.git/... (clone_url) ---------------------------------------------------------------

@router.get("/git/<git_path+>", auth=access.GIT, responses=SMART_HTTP, tags=TAGS,
            summary="Git smart HTTP at a repository's clone_url (/git/<user id>/<name>.git): info/refs",
            description=SMART_DOC)
def git_get(git_path: str):
    return _git_answer("GET")


@router.post("/git/<git_path+>", auth=access.GIT, responses=SMART_HTTP, tags=TAGS,
             summary="Git smart HTTP at a repository's clone_url: git-upload-pack, git-receive-pack",
             description=SMART_DOC)
def git_post(git_path: str):
    return _git_answer("POST")
