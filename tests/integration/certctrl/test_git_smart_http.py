"""certctrl's git hosting with Debian's real `git` client: clone, push, fetch, tags, refused pushes, races between
pushes and the size limits, against `GitHosting.serve` behind a tiny local HTTP server (git_harness.py) with the
repositories in moto's S3 (in process) and proxy credentials sealed with moto's KMS."""

from __future__ import annotations

import os
import threading

import boto3
import pytest

from certctrl.logic.git_hosting import GitHosting
from certctrl.store import git_storage
from tests.integration.certctrl.git_harness import BUCKET, commit_file, git_server, moto_git, run_git, settings

TOKEN, OTHER_TOKEN = "ak_1.test-api-key", "ak_2.other-api-key"


@pytest.fixture
def aws_git():
    yield from moto_git()


@pytest.fixture
def hosting(aws_git):
    return GitHosting.from_settings(settings(aws_git))


@pytest.fixture
def home(tmp_path):
    path = tmp_path / "home"
    path.mkdir()
    return path


def refs_of(hosting: GitHosting, user_id: int, repo_id: int) -> dict[str, str]:
    return hosting.stored.documents.read(git_storage.state_key(user_id, repo_id)).doc["refs"]


def test_clone_push_push_again_and_fetch_with_a_real_git(hosting, home):
    repo = hosting.create_repo(1, {"name": "tools", "description": "scripts"})
    assert repo.clone_url == "https://api.example.test/git/1/tools.git"
    with git_server(hosting, {TOKEN: 1}) as server:
        url = server.url(1, "tools", token=TOKEN)
        empty = run_git(home, "clone", url, str(home / "a"))
        assert "cloned an empty repository" in empty.output

        first = commit_file(home, home / "a", "README.md", "hello\n", "first")
        pushed = run_git(home, "push", "origin", "main", cwd=home / "a")
        assert "[new branch]      main -> main" in pushed.output
        second = commit_file(home, home / "a", "src/tool.py", "print('hi')\n", "second")
        run_git(home, "tag", "-a", "v1.0", "-m", "release one", cwd=home / "a")
        run_git(home, "tag", "light", first, cwd=home / "a")
        again = run_git(home, "push", "origin", "main", "--tags", cwd=home / "a")
        assert f"{first[:7]}..{second[:7]}  main -> main" in again.output
        assert "[new tag]         v1.0 -> v1.0" in again.output

        run_git(home, "clone", url, str(home / "b"))
        assert run_git(home, "rev-parse", "HEAD", cwd=home / "b").stdout.strip() == second
        assert (home / "b" / "src" / "tool.py").read_text() == "print('hi')\n"
        assert run_git(home, "tag", "--list", cwd=home / "b").stdout.split() == ["light", "v1.0"]

        third = commit_file(home, home / "b", "CHANGES", "third\n", "third")
        run_git(home, "push", "origin", "main", cwd=home / "b")
        fetched = run_git(home, "fetch", "origin", cwd=home / "a")
        assert f"{second[:7]}..{third[:7]}  main       -> origin/main" in fetched.output
        assert run_git(home, "rev-parse", "origin/main", cwd=home / "a").stdout.strip() == third
        run_git(home, "fsck", "--strict", cwd=home / "a")
        # protocol v0 and v1 as well as git's default (v2, answered in v0)
        for version in ("0", "1"):
            run_git(home, "-c", f"protocol.version={version}", "clone", "--bare", url, str(home / f"v{version}"))
            assert run_git(home, "rev-parse", "main", cwd=home / f"v{version}").stdout.strip() == third

    assert refs_of(hosting, 1, repo.id)["refs/heads/main"] == third
    tags = {t.name: t for t in hosting.list_tags(1, "tools")}
    assert tags["v1.0"].annotated
    assert tags["v1.0"].commit == second
    assert tags["v1.0"].message == "release one"
    assert tags["v1.0"].tagger == "Test Author <author@example.com>"
    assert not tags["light"].annotated
    assert tags["light"].commit == first == tags["light"].target
    listed = hosting.list_repos(1)
    assert [r.name for r in listed] == ["tools"]
    assert listed[0].size_bytes > 0
    assert listed[0].size_bytes == sum(hosting.stored.documents.read(
        git_storage.state_key(1, repo.id)).doc["packs"].values())


def test_a_stale_push_is_refused_and_nothing_moves(hosting, home):
    hosting.create_repo(1, {"name": "app"})
    with git_server(hosting, {TOKEN: 1}) as server:
        url = server.url(1, "app", token=TOKEN)
        run_git(home, "clone", url, str(home / "a"))
        base = commit_file(home, home / "a", "a.txt", "a\n", "base")
        run_git(home, "push", "origin", "main", cwd=home / "a")
        run_git(home, "clone", url, str(home / "b"))
        winner = commit_file(home, home / "a", "a.txt", "a2\n", "from a")
        run_git(home, "push", "origin", "main", cwd=home / "a")
        commit_file(home, home / "b", "b.txt", "b\n", "from b")
        refused = run_git(home, "push", "origin", "main", cwd=home / "b", check=False)
        assert refused.returncode != 0
        assert "[rejected]        main -> main (fetch first)" in refused.output
        assert refs_of(hosting, 1, 1)["refs/heads/main"] == winner

        forced = run_git(home, "push", "--force", "origin", "main", cwd=home / "b")  # what git allows by default
        assert "(forced update)" in forced.output
        assert base != refs_of(hosting, 1, 1)["refs/heads/main"] != winner

        deleting = run_git(home, "push", "origin", ":main", cwd=home / "a", check=False)
        assert "refusing to delete the current branch" in deleting.output
        assert "refs/heads/main" in refs_of(hosting, 1, 1)


def test_two_racing_pushes_from_the_same_old_value_one_lands_the_other_is_told_to_fetch(hosting, home):
    """B's push is held at the server until A's push (same old value) has landed; then B's is served."""
    hosting.create_repo(1, {"name": "race"})
    held, release = threading.Event(), threading.Event()
    b_commit: list[str] = []

    def respond(method, path, query, headers, body):
        if path.endswith("git-receive-pack") and b_commit and b_commit[0].encode() in body:
            held.set()
            release.wait(60)
        return hosting.serve(method, path, query, headers, body, caller_user_id=1).as_tuple()

    with git_server(None, respond=respond) as server:
        url = server.url(1, "race")
        run_git(home, "clone", url, str(home / "a"))
        commit_file(home, home / "a", "f", "0\n", "base")
        run_git(home, "push", "origin", "main", cwd=home / "a")
        run_git(home, "clone", url, str(home / "b"))
        a_commit = commit_file(home, home / "a", "f", "a\n", "a")
        b_commit.append(commit_file(home, home / "b", "f", "b\n", "b"))
        outcome: dict[str, object] = {}
        pusher = threading.Thread(target=lambda: outcome.setdefault(
            "b", run_git(home, "push", "origin", "main", cwd=home / "b", check=False)))
        pusher.start()
        assert held.wait(60), "B's push never reached the server"
        run_git(home, "push", "origin", "main", cwd=home / "a")
        release.set()
        pusher.join(120)
        b = outcome["b"]
        assert b.returncode != 0
        assert "[remote rejected] main -> main (fetch first: the ref moved on the server" in b.output
        assert refs_of(hosting, 1, 1)["refs/heads/main"] == a_commit


def test_concurrent_pushes_to_different_branches_all_land(hosting, home):
    """Every push rewrites the one state document: none may lose another's branch."""
    hosting.create_repo(1, {"name": "many"})
    with git_server(hosting, {TOKEN: 1}) as server:
        url = server.url(1, "many", token=TOKEN)
        run_git(home, "clone", url, str(home / "seed"))
        commit_file(home, home / "seed", "f", "0\n", "base")
        run_git(home, "push", "origin", "main", cwd=home / "seed")
        names = [f"feature-{i}" for i in range(6)]
        heads = {}
        for name in names:
            run_git(home, "clone", "-q", url, str(home / name))
            run_git(home, "checkout", "-q", "-b", name, cwd=home / name)
            heads[name] = commit_file(home, home / name, f"{name}.txt", name, name)
        start = threading.Barrier(len(names))
        results: dict[str, object] = {}

        def push(name: str) -> None:
            start.wait()
            results[name] = run_git(home, "push", "origin", name, cwd=home / name, check=False)

        threads = [threading.Thread(target=push, args=(name,)) for name in names]
        for t in threads:
            t.start()
        for t in threads:
            t.join(180)
        assert all(results[n].returncode == 0 for n in names), {n: results[n].output for n in names}
        refs = refs_of(hosting, 1, 1)
        for name in names:
            assert refs[f"refs/heads/{name}"] == heads[name]
        run_git(home, "fetch", "origin", cwd=home / "seed")
        for name in names:
            assert run_git(home, "rev-parse", f"origin/{name}", cwd=home / "seed").stdout.strip() == heads[name]


def test_concurrent_pushes_to_one_branch_move_it_once_per_old_value(hosting, home):
    hosting.create_repo(1, {"name": "one"})
    with git_server(hosting, {TOKEN: 1}) as server:
        url = server.url(1, "one", token=TOKEN)
        run_git(home, "clone", url, str(home / "seed"))
        commit_file(home, home / "seed", "f", "0\n", "base")
        run_git(home, "push", "origin", "main", cwd=home / "seed")
        clones = [f"c{i}" for i in range(5)]
        heads = {}
        for name in clones:
            run_git(home, "clone", "-q", url, str(home / name))
            heads[name] = commit_file(home, home / name, "f", name, name)
        start = threading.Barrier(len(clones))
        results: dict[str, object] = {}

        def push(name: str) -> None:
            start.wait()
            results[name] = run_git(home, "push", "origin", "main", cwd=home / name, check=False)

        threads = [threading.Thread(target=push, args=(name,)) for name in clones]
        for t in threads:
            t.start()
        for t in threads:
            t.join(180)
    winners = [n for n in clones if results[n].returncode == 0]
    assert len(winners) == 1, {n: results[n].output for n in clones}
    assert refs_of(hosting, 1, 1)["refs/heads/main"] == heads[winners[0]]


def test_another_users_repository_is_not_found_and_git_is_asked_for_credentials(hosting, home):
    hosting.create_repo(1, {"name": "private"})
    hosting.create_repo(2, {"name": "theirs"})
    with git_server(hosting, {TOKEN: 1, OTHER_TOKEN: 2}) as server:
        foreign = run_git(home, "clone", server.url(1, "private", token=OTHER_TOKEN), str(home / "x"), check=False)
        assert foreign.returncode != 0
        assert "not found" in foreign.output.lower()
        anonymous = run_git(home, "clone", server.url(1, "private"), str(home / "y"), check=False)
        assert anonymous.returncode != 0
        assert any(status == 401 and "WWW-Authenticate" in headers for status, headers, _ in server.served.answers)
        missing = run_git(home, "clone", server.url(1, "nope", token=TOKEN), str(home / "z"), check=False)
        assert missing.returncode != 0
        assert "Repository not found" in missing.output


# ---------------------------------------------------------------------------------------------------------------
# Size limits (Lambda's 6 MB payload): refused in git's terms, never truncated
# ---------------------------------------------------------------------------------------------------------------

LIMIT = 96 * 1024


def test_a_push_larger_than_one_request_is_refused_in_gits_terms(aws_git, home):
    small = GitHosting.from_settings(settings(aws_git, max_body_bytes=LIMIT))
    small.create_repo(1, {"name": "big"})
    with git_server(small, {TOKEN: 1}) as server:
        url = server.url(1, "big", token=TOKEN)
        run_git(home, "clone", url, str(home / "a"))
        base = commit_file(home, home / "a", "small.txt", "fits\n", "fits")
        run_git(home, "push", "origin", "main", cwd=home / "a")
        commit_file(home, home / "a", "blob.bin", os.urandom(3 * LIMIT), "too big")
        refused = run_git(home, "push", "origin", "main", cwd=home / "a", check=False)
        assert refused.returncode != 0
        assert "remote unpack failed: pack exceeds maximum allowed size" in refused.output
        assert "one request here carries at most 0.1 MiB" in refused.output  # the side-band explanation
        assert "[remote rejected] main -> main (unpacker error)" in refused.output
        assert refs_of(small, 1, 1)["refs/heads/main"] == base
        # every answer stayed within the limit
        assert all(len(body) <= LIMIT for _, _, body in server.served.answers)

        # commits that fit one by one go in steps, as the message says
        run_git(home, "reset", "-q", "--hard", base, cwd=home / "a")
        steps = [commit_file(home, home / "a", "part.bin", os.urandom(LIMIT // 2), f"part {i}") for i in range(3)]
        whole = run_git(home, "push", "origin", "main", cwd=home / "a", check=False)
        assert "pack exceeds maximum allowed size" in whole.output
        for step in steps:
            run_git(home, "push", "origin", f"{step}:refs/heads/main", cwd=home / "a")
        assert refs_of(small, 1, 1)["refs/heads/main"] == steps[-1]


def test_a_fetch_larger_than_one_answer_fails_with_a_side_band_error_and_a_bundle_clones_it(aws_git, home):
    roomy = GitHosting.from_settings(settings(aws_git))
    roomy.create_repo(1, {"name": "large"})
    with git_server(roomy, {TOKEN: 1}) as server:
        url = server.url(1, "large", token=TOKEN)
        run_git(home, "clone", url, str(home / "a"))
        for i in range(4):  # each commit replaces the one big file: any single commit fits, all of them do not
            commit_file(home, home / "a", "blob.bin", os.urandom(LIMIT // 2), f"blob {i}")
        run_git(home, "tag", "-a", "v1", "-m", "one", cwd=home / "a")
        run_git(home, "push", "origin", "main", "--tags", cwd=home / "a")
    small = GitHosting.from_settings(settings(aws_git, max_body_bytes=LIMIT))
    bundle = small.bundle(1, "large")
    assert bundle["url"].startswith(f"https://{BUCKET}.s3.amazonaws.com/git/1/repos/1/bundles/")
    assert "Signature=" in bundle["url"] or "X-Amz-Signature=" in bundle["url"]
    assert small.bundle(1, "large")["url"].split("?")[0] == bundle["url"].split("?")[0]  # one bundle per state
    key = bundle["url"].split(".s3.amazonaws.com/", 1)[1].split("?")[0]
    bundle_bytes = boto3.client("s3", region_name="us-east-1").get_object(Bucket=BUCKET, Key=key)["Body"].read()
    assert len(bundle_bytes) > LIMIT  # S3 carries it; one Lambda answer could not

    def respond(method, path, query, headers, body):
        if path == "/bundle":  # git downloads the bundle from S3 in AWS; here from this server
            return 200, {"Content-Type": "application/octet-stream"}, bundle_bytes
        return small.serve(method, path, query, headers, body, caller_user_id=1).as_tuple()

    with git_server(None, respond=respond) as server:
        url = server.url(1, "large")
        failed = run_git(home, "clone", url, str(home / "b"), check=False)
        assert failed.returncode != 0
        assert "this fetch needs more than 0.1 MiB" in failed.output
        assert "POST /apiv1/users/1/gitrepos/1/bundle" in failed.output
        assert "git clone --bundle-uri=<that url> <this url>" in failed.output
        assert all(len(body) <= LIMIT for _, _, body in server.served.answers if body is not bundle_bytes)
        run_git(home, "clone", f"--bundle-uri={server.base}/bundle", url, str(home / "c"))
        assert run_git(home, "rev-parse", "HEAD", cwd=home / "c").stdout == run_git(
            home, "rev-parse", "HEAD", cwd=home / "a").stdout
        assert run_git(home, "rev-list", "--count", "HEAD", cwd=home / "c").stdout.strip() == "4"
        assert run_git(home, "tag", "--list", cwd=home / "c").stdout.split() == ["v1"]
        run_git(home, "fsck", "--strict", cwd=home / "c")
        # after the bundle, ordinary fetches are small again
        commit_file(home, home / "c", "next.txt", "next\n", "next")
        run_git(home, "push", "origin", "main", cwd=home / "c")
        run_git(home, "pull", "-q", url, "main", cwd=home / "a")
        assert (home / "a" / "next.txt").read_text() == "next\n"
