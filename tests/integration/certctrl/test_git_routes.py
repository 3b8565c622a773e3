"""Git hosting through certctrl's routes on the template's stack (moto S3 and KMS): the JSON routes, and Debian's
real `git` through the smart-HTTP routes and their credential (a tiny HTTP server hands every request to the
route table, as API Gateway would): the 401 Basic challenge makes git send the API key from the URL or its
helper, key scopes (read, write, one repository), other users' repositories, both URL forms, proxy repositories
with a credential stored at creation and never shown, the bundle route."""

from __future__ import annotations

import base64
import json
import secrets

import boto3
import pytest

from certctrl.logic.git_hosting import GitHosting
from certctrl.models.git import GitSettings
from tests.integration.certctrl.conftest import fresh_address
from tests.integration.certctrl.git_harness import commit_file, git_server, run_git
from tests.integration.certctrl.support import api_key, bearer, new_account
from tests.support.api_client import ApiClient

RW = [{"obtype": "gitrepos", "obid": "*", "actions": ["read", "write"]}]
READ = [{"obtype": "gitrepos", "obid": "*", "actions": ["read"]}]


@pytest.fixture(scope="module")
def world(moto_stack):
    with pytest.MonkeyPatch.context() as monkeypatch:
        client = ApiClient(moto_stack, "certctrl", monkeypatch, source_ip=fresh_address())
        client.overrides["GIT_PUBLIC_BASE_URL"] = "https://api.example.test"
        with git_server(None, respond=bridge(client)) as server:
            yield {"client": client, "server": server}


@pytest.fixture
def client(world):
    world["client"].source_ip = fresh_address()
    return world["client"]


@pytest.fixture
def home(tmp_path):
    path = tmp_path / "home"
    path.mkdir()
    return path


def bridge(client: ApiClient):
    """API Gateway in front of the route table: the request as git sent it, the function's answer as it left."""

    def respond(method, path, query, headers, body):
        answer = client.send(method, path, query, [(k.lower(), v) for k, v in headers.items()], body)
        if answer is None:
            return 404, {"Content-Type": "application/json"}, b'{"message":"Not Found"}'
        raw = answer.raw
        data = base64.b64decode(raw["body"]) if raw.get("isBase64Encoded") else (raw.get("body") or "").encode()
        return raw["statusCode"], {k: v for k, v in raw["headers"].items() if k.lower() != "content-length"}, data

    return respond


def url(world, user_id: int, repo: str, token: str | None = None, *, contract_form: bool = False) -> str:
    base = world["server"].base
    if token:
        base = base.replace("http://", f"http://git:{token}@")
    if contract_form:
        return f"{base}/apiv1/users/{user_id}/gitrepos/{repo}/git"
    return f"{base}/git/{user_id}/{repo}.git"


def create(client, account, body: dict) -> dict:
    answer = client.post(f"/apiv1/users/{account.user_id}/gitrepos", body, headers=account.headers)
    assert answer.status == 201, answer.text
    return answer.json["data"]


def test_repositories_as_json(client):
    account = new_account(client)
    repo = create(client, account, {"name": "tools.git", "description": "scripts"})
    assert (repo["name"], repo["mode"], repo["default_branch"]) == ("tools", "hosted", "main")
    assert repo["clone_url"] == f"https://api.example.test/git/{account.user_id}/tools.git"
    assert client.post(f"/apiv1/users/{account.user_id}/gitrepos", {"name": "TOOLS"},
                       headers=account.headers).status == 409
    assert client.post(f"/apiv1/users/{account.user_id}/gitrepos", {"name": "-bad"},
                       headers=account.headers).status == 400
    listed = client.get(f"/apiv1/users/{account.user_id}/gitrepos", headers=account.headers).json
    assert (listed["total"], listed["data"]) == (1, [repo])
    assert client.get(f"/apiv1/users/{account.user_id}/gitrepos/{repo['id']}/tags",
                      headers=account.headers).json["data"] == []
    assert client.get(f"/apiv1/users/{account.user_id}/proxy_credentials", headers=account.headers).json["data"] == []
    other = new_account(client)
    assert client.get(f"/apiv1/users/{account.user_id}/gitrepos", headers=other.headers).status == 403
    assert client.get(f"/apiv1/users/{other.user_id}/gitrepos/{repo['id']}/tags",
                      headers=other.headers).status == 404


def test_smart_http_refuses_without_a_credential_with_git_s_challenge(client):
    account = new_account(client)
    repo = create(client, account, {"name": "locked"})
    path = f"/git/{account.user_id}/locked.git/info/refs"
    for headers in ({}, {"Authorization": "Basic " + base64.b64encode(b"git:ak_1.wrong").decode()},
                    {"Authorization": "Basic " + base64.b64encode(b"git:hunter2").decode()},
                    {"Authorization": "Bearer ak_999.nope"}):
        answer = client.get(path, query={"service": "git-upload-pack"}, headers=headers)
        assert answer.status == 401, headers
        assert answer.headers["www-authenticate"].startswith('Basic realm="certctrl git"')
        assert answer.headers["content-type"].startswith("text/plain")
    _id, reader = api_key(client, account, READ)
    ok = client.get(path, query={"service": "git-upload-pack"}, headers=bearer(reader))
    assert (ok.status, ok.headers["content-type"]) == (200, "application/x-git-upload-pack-advertisement")
    push = client.get(path, query={"service": "git-receive-pack"}, headers=bearer(reader))
    assert push.status == 403  # reading is not writing
    contract = client.get(f"/apiv1/users/{account.user_id}/gitrepos/{repo['id']}/info/refs",
                          query={"service": "git-upload-pack"}, headers=account.headers)
    assert contract.status == 200  # the session cookie works too
    other = new_account(client)
    _id, theirs = api_key(client, other, RW)
    assert client.get(path, query={"service": "git-upload-pack"}, headers=bearer(theirs)).status == 404


def test_a_real_git_clones_pushes_and_fetches_through_the_routes(client, world, home):
    account = new_account(client)
    repo = create(client, account, {"name": "app"})
    _id, token = api_key(client, account, RW)
    empty = run_git(home, "clone", url(world, account.user_id, "app", token), str(home / "a"))
    assert "cloned an empty repository" in empty.output
    first = commit_file(home, home / "a", "README.md", "hello\n", "first")
    run_git(home, "tag", "-a", "v1", "-m", "one", cwd=home / "a")
    pushed = run_git(home, "push", "origin", "main", "--tags", cwd=home / "a")
    assert "[new branch]      main -> main" in pushed.output
    tags = client.get(f"/apiv1/users/{account.user_id}/gitrepos/{repo['id']}/tags", headers=account.headers)
    assert [(t["name"], t["commit"], t["annotated"]) for t in tags.json["data"]] == [("v1", first, True)]
    # the contract's URL form, by id
    run_git(home, "clone", url(world, account.user_id, str(repo["id"]), token, contract_form=True), str(home / "b"))
    second = commit_file(home, home / "b", "src/main.py", "print(1)\n", "second")
    run_git(home, "push", "origin", "main", cwd=home / "b")
    fetched = run_git(home, "fetch", "origin", cwd=home / "a")
    assert f"{first[:7]}..{second[:7]}  main       -> origin/main" in fetched.output
    run_git(home, "fsck", "--strict", cwd=home / "a")
    listed = client.get(f"/apiv1/users/{account.user_id}/gitrepos", headers=account.headers).json["data"]
    assert listed[0]["size_bytes"] > 0

    _id, reader = api_key(client, account, READ)
    run_git(home, "clone", url(world, account.user_id, "app", reader), str(home / "c"))
    commit_file(home, home / "c", "x", "x\n", "not allowed")
    refused = run_git(home, "push", "origin", "main", cwd=home / "c", check=False)
    assert refused.returncode != 0
    assert "403" in refused.output

    only_other = [{"obtype": "gitrepos", "obid": str(repo["id"] + 1000), "actions": ["read"]}]
    _id, scoped = api_key(client, account, only_other)
    denied = run_git(home, "ls-remote", url(world, account.user_id, "app", scoped), check=False)
    assert denied.returncode != 0
    only_this = [{"obtype": "gitrepos", "obid": str(repo["id"]), "actions": ["read"]}]
    _id, this_one = api_key(client, account, only_this)
    heads = run_git(home, "ls-remote", url(world, account.user_id, "app", this_one)).stdout
    assert f"{second}\trefs/heads/main" in heads

    no_key = run_git(home, "ls-remote", url(world, account.user_id, "app"), check=False)
    assert no_key.returncode != 0  # the challenge came, and this git has no helper to answer it
    assert "Authentication failed" in no_key.output or "could not read Username" in no_key.output


def test_the_bundle_route_answers_a_presigned_url(client):
    account = new_account(client)
    repo = create(client, account, {"name": "big"})
    path = f"/apiv1/users/{account.user_id}/gitrepos/{repo['id']}/bundle"
    assert client.post(path, headers=account.headers).status == 409  # empty
    assert client.post(path, headers=bearer(api_key(client, account, READ)[1])).status == 409  # a reader may ask


def test_a_proxy_repository_with_its_credential_stored_at_creation(client, world, home, moto_stack):
    canary = "ghp_CANARY" + secrets.token_hex(12)
    env = client.use_env("certctrl.GitFunction")
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="certctrl-git-upstream")
    origin = GitHosting.from_settings(GitSettings(bucket="certctrl-git-upstream", key_arn=env["SECRETS_KEY_ARN"]))
    origin.create_repo(9, {"name": "origin"})
    with git_server(origin, {canary: 9}) as upstream:
        client.overrides["GIT_TRUSTED_UPSTREAMS"] = upstream.base
        try:
            account = new_account(client)
            _id, token = api_key(client, account, RW)
            repo = create(client, account, {"name": "mirror", "upstream_url": f"{upstream.base}/git/9/origin.git",
                                            "credential": {"secret": canary}})
            assert (repo["mode"], repo["credential_id"]) == ("proxy", 1)
            credentials = client.get(f"/apiv1/users/{account.user_id}/proxy_credentials", headers=account.headers)
            assert credentials.json["data"][0]["secret"] == "****"
            assert credentials.json["data"][0]["host"] == upstream.base.split("://", 1)[1]
            run_git(home, "clone", url(world, account.user_id, "mirror", token), str(home / "m"))
            pushed = commit_file(home, home / "m", "README", "through the proxy\n", "first")
            run_git(home, "push", "origin", "main", cwd=home / "m")
            assert origin.list_repos(9)[0].size_bytes > 0
            heads = run_git(home, "ls-remote", url(world, account.user_id, "mirror", token)).stdout
            assert f"{pushed}\trefs/heads/main" in heads
            answers = json.dumps([credentials.json, repo]) + "".join(
                a[2].decode("latin-1") for a in world["server"].served.answers)
            assert canary not in answers
            refused = client.post(f"/apiv1/users/{account.user_id}/gitrepos",
                                  {"name": "evil", "upstream_url": "https://169.254.169.254/latest.git",
                                   "credential": {"secret": "x"}}, headers=account.headers)
            assert refused.status == 422
        finally:
            client.overrides.pop("GIT_TRUSTED_UPSTREAMS")
