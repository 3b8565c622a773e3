"""Proxy repositories and their credentials: the stored upstream token is sealed with KMS, injected only into the
request to its upstream host, and never appears in an answer, a listing, the bucket or a log line (a canary token
is looked for everywhere). The upstream is another git engine behind Basic auth on 127.0.0.1, configured as a
trusted upstream (GIT_TRUSTED_UPSTREAMS) as an operator would; anything else on a private address is refused."""

from __future__ import annotations

import base64
import json
import logging
import secrets

import boto3
import pytest

from certctrl.logic.git_hosting import GitHosting, basic_credentials
from certctrl.store import git_storage
from suite.errors import Conflict, UnprocessableEntity
from tests.integration.certctrl.git_harness import BUCKET, commit_file, git_server, moto_git, run_git, settings

TOKEN = "ak_1.test-api-key"

UPSTREAM_OWNER = 9


@pytest.fixture
def aws_git():
    yield from moto_git()


@pytest.fixture
def canary():
    return "ghp_CANARY" + secrets.token_hex(16)


@pytest.fixture
def upstream(aws_git, canary):
    """The upstream git host: user 9's repository `origin`, which only the canary token may read and write."""
    origin = GitHosting.from_settings(settings(aws_git))
    origin.create_repo(UPSTREAM_OWNER, {"name": "origin"})
    with git_server(origin, {canary: UPSTREAM_OWNER}) as server:
        yield server


def proxy_hosting(aws_git, upstream) -> GitHosting:
    return GitHosting.from_settings(settings(aws_git, trusted_upstreams=(upstream.base,)))


def upstream_host(upstream) -> str:
    return upstream.base.split("://", 1)[1]


def forms_of(canary: str) -> list[str]:
    return [canary, base64.b64encode(f"x-access-token:{canary}".encode()).decode()]


@pytest.fixture
def logs(caplog, capfd):
    caplog.set_level(logging.DEBUG)
    return caplog, capfd


def test_a_proxy_repository_clones_pushes_and_lists_tags_through_the_stored_credential(
        aws_git, upstream, canary, home_dir, logs):
    caplog, capfd = logs
    hosting = proxy_hosting(aws_git, upstream)
    credential = hosting.create_credential(1, {"name": "upstream", "host": upstream_host(upstream),
                                               "secret": canary})
    repo = hosting.create_repo(1, {"name": "mirror", "upstream_url": f"{upstream.base}/git/9/origin.git",
                                   "credential_id": credential.id})
    assert repo.mode == "proxy"
    with git_server(hosting, {TOKEN: 1}) as proxy:
        url = proxy.url(1, "mirror", token=TOKEN)
        run_git(home_dir, "clone", url, str(home_dir / "a"))
        pushed = commit_file(home_dir, home_dir / "a", "README", "through the proxy\n", "first")
        run_git(home_dir, "tag", "-a", "v2", "-m", "two", cwd=home_dir / "a")
        run_git(home_dir, "push", "origin", "main", "--tags", cwd=home_dir / "a")
        run_git(home_dir, "clone", url, str(home_dir / "b"))
        assert run_git(home_dir, "rev-parse", "HEAD", cwd=home_dir / "b").stdout.strip() == pushed
        for version in ("0", "2"):  # v2 is passed through to an upstream that answers it (this one answers v0)
            run_git(home_dir, "-c", f"protocol.version={version}", "fetch", cwd=home_dir / "b")
        tags = hosting.list_tags(1, "mirror")
        assert [(t.name, t.commit, t.annotated) for t in tags] == [("v2", pushed, True)]
        answers = list(proxy.served.answers)
        git_outputs = "".join((home_dir / clone / ".git" / "config").read_text() for clone in ("a", "b"))

    # the upstream really got the token: the canary test below would pass vacuously otherwise
    sent = {basic_credentials(headers) for _, _, headers, _ in upstream.served.requests}
    assert ("x-access-token", canary) in sent
    assert all(found == ("x-access-token", canary) for found in sent)
    # ... and it landed upstream
    origin_state = json.loads(boto3.client("s3", region_name="us-east-1").get_object(
        Bucket=BUCKET, Key=git_storage.state_key(UPSTREAM_OWNER, 1))["Body"].read())
    assert origin_state["refs"]["refs/heads/main"] == pushed

    exposed = [body.decode("latin-1") + json.dumps(headers) for _, headers, body in answers]
    exposed.append(json.dumps([c.to_json() for c in hosting.list_credentials(1)]))
    exposed.append(json.dumps([r.to_json() for r in hosting.list_repos(1)]))
    exposed.append(git_outputs)
    exposed.extend(r.getMessage() + repr(r.args) for r in caplog.records)
    captured = capfd.readouterr()
    exposed.extend([captured.out, captured.err])
    catalog = boto3.client("s3", region_name="us-east-1").get_object(
        Bucket=BUCKET, Key=git_storage.catalog_key(1))["Body"].read().decode()
    exposed.append(catalog)
    for text in exposed:
        for form in forms_of(canary):
            assert form not in text
    assert json.loads(catalog)["credentials"]["1"]["sealed"].startswith("v1.")
    assert hosting.list_credentials(1)[0].to_json()["secret"] == "****"


def test_an_upstream_that_echoes_the_credential_is_refused_whole(aws_git, canary, home_dir):
    def echo(method, path, query, headers, body):
        shown = "\n".join(f"{k}: {v}" for k, v in headers.items()).encode()
        return 200, {"Content-Type": "application/x-git-upload-pack-advertisement"}, shown

    with git_server(None, respond=echo) as evil:
        hosting = GitHosting.from_settings(settings(aws_git, trusted_upstreams=(evil.base,)))
        credential = hosting.create_credential(1, {"name": "evil", "host": upstream_host(evil), "secret": canary})
        hosting.create_repo(1, {"name": "evil", "upstream_url": f"{evil.base}/repo.git",
                                "credential_id": credential.id})
        with git_server(hosting, {TOKEN: 1}) as proxy:
            failed = run_git(home_dir, "clone", proxy.url(1, "evil", token=TOKEN), str(home_dir / "x"), check=False)
            assert failed.returncode != 0
            statuses = [status for status, _, _ in proxy.served.answers]
            assert 502 in statuses
            for _, headers, body in proxy.served.answers:
                for form in forms_of(canary):
                    assert form.encode() not in body
                    assert form not in json.dumps(headers)
            assert evil.served.requests  # the echo server did get the credential, and it went no further


def test_an_upstream_refusing_the_credential_is_a_502_without_a_challenge(aws_git, upstream, home_dir):
    hosting = proxy_hosting(aws_git, upstream)
    credential = hosting.create_credential(1, {"name": "wrong", "host": upstream_host(upstream),
                                               "secret": "not-the-token"})
    hosting.create_repo(1, {"name": "m", "upstream_url": f"{upstream.base}/git/9/origin.git",
                            "credential_id": credential.id})
    answer = hosting.serve("GET", "/git/1/m.git/info/refs", "service=git-upload-pack", {}, b"", caller_user_id=1)
    assert answer.status == 502
    assert b"refused the stored proxy credential" in answer.body
    assert "WWW-Authenticate" not in answer.headers


def test_a_sealed_credential_opens_only_for_its_user_and_credential(aws_git, upstream, canary):
    hosting = proxy_hosting(aws_git, upstream)
    hosting.create_credential(1, {"name": "mine", "host": upstream_host(upstream), "secret": canary})
    s3 = boto3.client("s3", region_name="us-east-1")
    mine = json.loads(s3.get_object(Bucket=BUCKET, Key=git_storage.catalog_key(1))["Body"].read())
    # user 2 copies user 1's sealed token into their own catalog, under the same credential id
    hosting.create_credential(2, {"name": "theirs", "host": upstream_host(upstream), "secret": "their-own"})
    theirs = json.loads(s3.get_object(Bucket=BUCKET, Key=git_storage.catalog_key(2))["Body"].read())
    theirs["credentials"]["1"]["sealed"] = mine["credentials"]["1"]["sealed"]
    s3.put_object(Bucket=BUCKET, Key=git_storage.catalog_key(2), Body=json.dumps(theirs).encode())
    hosting.create_repo(2, {"name": "stolen", "upstream_url": f"{upstream.base}/git/9/origin.git",
                            "credential_id": 1})
    answer = hosting.serve("GET", "/git/2/stolen.git/info/refs", "service=git-upload-pack", {}, b"",
                           caller_user_id=2)
    assert answer.status == 502
    assert b"cannot be opened" in answer.body
    assert not [r for r in upstream.served.requests if "/info/refs" in r[1]]  # nothing was sent upstream


def test_upstream_urls_are_held_to_public_https(aws_git, upstream):
    hosting = proxy_hosting(aws_git, upstream)
    for url in ("http://127.0.0.1:1/repo.git", "https://127.0.0.1/repo.git", "https://169.254.169.254/latest",
                "https://localhost/repo.git", "https://10.0.0.8/repo.git", "https://metadata.internal/x",
                "https://user:token@github.com/org/repo.git", "https://github.com:8443/org/repo.git",
                "file:///etc/passwd", "https://github.com/org/repo.git?x=1", "ftp://github.com/repo"):
        with pytest.raises(UnprocessableEntity) as refused:
            hosting.create_repo(1, {"name": "bad", "upstream_url": url})
        assert refused.value.details == {"field": "upstream_url"}
    assert hosting.create_repo(1, {"name": "gh", "upstream_url": "https://github.com/org/repo.git"}).mode == "proxy"
    # a credential only goes to its own host
    credential = hosting.create_credential(1, {"name": "gh", "host": "github.com", "secret": "tok"})
    with pytest.raises(UnprocessableEntity, match="another host"):
        hosting.create_repo(1, {"name": "gl", "upstream_url": "https://gitlab.com/org/repo.git",
                                "credential_id": credential.id})
    hosting.create_repo(1, {"name": "gh2", "upstream_url": "https://github.com/org/r.git",
                            "credential_id": credential.id})
    with pytest.raises(Conflict) as in_use:
        hosting.delete_credential(1, credential.id)
    assert in_use.value.details == {"repositories": ["gh2"]}
    hosting.delete_repo(1, "gh2")
    hosting.delete_credential(1, credential.id)
    assert hosting.list_credentials(1) == []


@pytest.fixture
def home_dir(tmp_path):
    path = tmp_path / "home"
    path.mkdir()
    return path
