"""Debian's real `git` against certctrl on the local stack as a process (free ports, real HTTP, the GitBucket in the
stack's S3): clone, push, fetch with an API key as the password (the 401 Basic challenge makes git send it), and
pushes larger than git's http.postBuffer (1 MiB), which git sends with `Transfer-Encoding: chunked` after a probe:
the local gateway de-chunks them as API Gateway hands Lambda a whole body; with `http.postBuffer=5m` (what the
docs recommend) git sends Content-Length instead. A push above GIT_MAX_BODY_BYTES is refused whole."""

from __future__ import annotations

import os
import subprocess
import uuid

import pytest
import requests

from tests.e2e.certctrl.test_certctrl_e2e import Person
from tests.integration.certctrl.git_harness import commit_file, git_env, run_git
from tests.support.devstack_process import DevStackProcess
from tests.support.lambda_events import REPO_ROOT


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    process = DevStackProcess(REPO_ROOT / "template.yaml", tmp_path_factory.mktemp("certctrl-git"), "--only",
                              "certctrl", "--no-schedules", "--env", "PASSWORD_HASH_PROFILE=fast").start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def owner(stack):
    person = Person(stack)
    person.sign_up()
    answer = person.call("POST", f"/apiv1/users/{person.user_id}/apikeys", json={
        "name": "git", "permissions": [{"obtype": "gitrepos", "obid": "*", "actions": ["read", "write"]}]})
    assert answer.status_code == 201, answer.text
    person.git_key = answer.json()["data"]["token"]
    return person


@pytest.fixture
def home(tmp_path):
    path = tmp_path / "home"
    path.mkdir()
    return path


def repo_url(stack: DevStackProcess, owner: Person, name: str, token: str | None = None) -> str:
    base = stack.url("certctrl")
    if token:
        base = base.replace("http://", f"http://git:{token}@")
    return f"{base}/git/{owner.user_id}/{name}.git"


def new_repo(owner: Person) -> str:
    name = f"r{uuid.uuid4().hex[:8]}"
    answer = owner.call("POST", f"/apiv1/users/{owner.user_id}/gitrepos", json={"name": name})
    assert answer.status_code == 201, answer.text
    return name


def test_clone_push_and_fetch_through_the_local_stack(stack, owner, home):
    name = new_repo(owner)
    url = repo_url(stack, owner, name, owner.git_key)
    assert "cloned an empty repository" in run_git(home, "clone", url, str(home / "a")).output
    first = commit_file(home, home / "a", "README.md", "hello\n", "first")
    run_git(home, "tag", "-a", "v1", "-m", "one", cwd=home / "a")
    assert "[new branch]      main -> main" in run_git(home, "push", "origin", "main", "--tags", cwd=home / "a").output
    run_git(home, "clone", url, str(home / "b"))
    assert run_git(home, "rev-parse", "HEAD", cwd=home / "b").stdout.strip() == first
    second = commit_file(home, home / "b", "src/app.py", "print('hi')\n", "second")
    run_git(home, "push", "origin", "main", cwd=home / "b")
    fetched = run_git(home, "fetch", "origin", cwd=home / "a")
    assert f"{first[:7]}..{second[:7]}  main       -> origin/main" in fetched.output
    tags = owner.call("GET", f"/apiv1/users/{owner.user_id}/gitrepos/{name}/tags").json()["data"]
    assert [(t["name"], t["commit"]) for t in tags] == [("v1", first)]
    challenge = requests.get(repo_url(stack, owner, name) + "/info/refs", params={"service": "git-upload-pack"},
                             timeout=30)
    assert challenge.status_code == 401
    assert challenge.headers["WWW-Authenticate"].startswith("Basic ")


@pytest.mark.parametrize("post_buffer", [None, "5m"], ids=["chunked", "content-length"])
def test_a_push_larger_than_git_s_post_buffer(stack, owner, home, post_buffer):
    name = new_repo(owner)
    url = repo_url(stack, owner, name, owner.git_key)
    run_git(home, "clone", url, str(home / "w"))
    if post_buffer:
        run_git(home, "config", "http.postBuffer", post_buffer, cwd=home / "w")
    blob = commit_file(home, home / "w", "data.bin", os.urandom(2 * 1024 * 1024), "two MiB of noise")
    trace = home / "curl.trace"
    pushed = subprocess.run(["git", "push", "origin", "main"], cwd=home / "w", capture_output=True, text=True,
                            timeout=120, check=False,
                            env={**git_env(home), "GIT_TRACE_CURL": str(trace), "GIT_TRACE_CURL_NO_DATA": "1"})
    assert pushed.returncode == 0, pushed.stderr
    assert "[new branch]      main -> main" in pushed.stderr
    sent = [line for line in trace.read_text(errors="replace").splitlines() if "=> Send header:" in line]
    chunked = any("Transfer-Encoding: chunked" in line for line in sent)
    assert chunked is (post_buffer is None)  # git's own choice: chunked above http.postBuffer
    run_git(home, "clone", url, str(home / "copy"))
    assert run_git(home, "rev-parse", "HEAD", cwd=home / "copy").stdout.strip() == blob
    assert (home / "copy" / "data.bin").stat().st_size == 2 * 1024 * 1024


def test_a_push_above_the_limit_is_refused_and_stores_nothing(stack, owner, home):
    name = new_repo(owner)
    url = repo_url(stack, owner, name, owner.git_key)
    run_git(home, "clone", url, str(home / "w"))
    run_git(home, "config", "http.postBuffer", "16m", cwd=home / "w")
    commit_file(home, home / "w", "big.bin", os.urandom(5 * 1024 * 1024), "five MiB of noise")
    refused = run_git(home, "push", "origin", "main", cwd=home / "w", check=False)
    assert refused.returncode != 0
    assert "unpack" in refused.output or "413" in refused.output or "RPC failed" in refused.output
    heads = run_git(home, "ls-remote", url).stdout
    assert heads.strip() == ""
