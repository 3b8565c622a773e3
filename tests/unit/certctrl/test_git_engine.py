"""certctrl's git engine without AWS: paths and credentials of the smart-HTTP glue, what it refuses and how,
compare-and-swap of the state documents (a fake S3 with ETags and conditional writes), the push rules on packs
built with dulwich, the fetch size limit, inputs, and tags."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
from typing import Any

import pytest
from dulwich.object_format import DEFAULT_OBJECT_FORMAT
from dulwich.objects import Blob, Commit, Tag, Tree
from dulwich.pack import write_pack_objects
from dulwich.protocol import pkt_line

from certctrl.logic import git_hosting, git_protocol
from certctrl.logic.git_hosting import GitHosting, basic_credentials, challenge, git_action, parse_git_path
from certctrl.logic.git_repos import Catalogs, CredentialInput, RepoInput, Stored, tags_of
from certctrl.models.git import GitSettings
from certctrl.store import git_storage
from suite.errors import BadRequest, Conflict, UnprocessableEntity

ZERO = "0" * 40


# ---------------------------------------------------------------------------------------------------------------
# A fake S3: objects with ETags, If-Match / If-None-Match like S3
# ---------------------------------------------------------------------------------------------------------------


class FakeS3Error(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.response = {"Error": {"Code": code}}


class FakeS3:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.writes = 0
        self.before_put: Any = None  # a hook: runs before each conditional put (to interleave a writer)

    @staticmethod
    def _etag(data: bytes) -> str:
        return '"' + hashlib.md5(data).hexdigest() + '"'  # noqa: S324  (what S3's ETag is)

    def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        if Key not in self.objects:
            raise FakeS3Error("NoSuchKey")
        data = self.objects[Key]
        return {"Body": io.BytesIO(data), "ETag": self._etag(data)}

    def head_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        if Key not in self.objects:
            raise FakeS3Error("404")
        return {}

    def put_object(self, *, Bucket: str, Key: str, Body: Any, ContentType: str = "",
                   IfMatch: str | None = None, IfNoneMatch: str | None = None) -> dict[str, Any]:
        if (IfMatch or IfNoneMatch) and self.before_put is not None:
            hook, self.before_put = self.before_put, None
            hook()
        data = Body if isinstance(Body, bytes) else Body.read()
        if IfNoneMatch == "*" and Key in self.objects:
            raise FakeS3Error("PreconditionFailed")
        if IfMatch is not None and (Key not in self.objects or self._etag(self.objects[Key]) != IfMatch):
            raise FakeS3Error("PreconditionFailed")
        self.objects[Key] = data
        self.writes += 1
        return {"ETag": self._etag(data)}


class FakeSecrets:
    def seal(self, secret: str, *, user_id: Any, credential_id: Any) -> str:
        return "v1.sealed." + base64.b64encode(f"{user_id}:{credential_id}:{secret}".encode()).decode()

    def open(self, sealed: str, *, user_id: Any, credential_id: Any) -> str:
        user, credential, secret = base64.b64decode(sealed.split(".", 2)[2]).decode().split(":", 2)
        assert (user, credential) == (str(user_id), str(credential_id))
        return secret


@pytest.fixture
def s3():
    return FakeS3()


def make_stored(s3: FakeS3, **overrides: Any) -> Stored:
    git_storage.PACK_CACHE.clear()
    settings = GitSettings(**{"bucket": "b", "key_arn": "arn:aws:kms:us-east-1:1:key/x", **overrides})
    return Stored(settings, git_storage.Documents(git_storage.Bucket("b", client=s3)), FakeSecrets())


@pytest.fixture
def hosting(s3):
    return GitHosting(make_stored(s3))


# ---------------------------------------------------------------------------------------------------------------
# Paths, permissions, credentials
# ---------------------------------------------------------------------------------------------------------------


def test_git_paths_and_the_permission_each_needs():
    assert parse_git_path("/git/7/tools.git/info/refs") == git_hosting.GitPath(7, "tools.git", "info/refs")
    assert parse_git_path("/git/7/tools/git-upload-pack").endpoint == "git-upload-pack"
    assert parse_git_path("/apiv1/users/7/gitrepos/3/git-receive-pack") == git_hosting.GitPath(
        7, "3", "git-receive-pack")
    assert parse_git_path("/apiv1/users/7/gitrepos/3/git/info/refs").repo == "3"
    for bad in ("/git/7/tools.git/HEAD", "/git/x/tools/info/refs", "/git/7/a/b/info/refs", "/git/7/info/refs",
                "/apiv1/users/7/gitrepos/3/objects/info/packs", ""):
        assert parse_git_path(bad) is None
    assert git_action("/git/7/t/info/refs", "service=git-upload-pack") == "read"
    assert git_action("/git/7/t/git-upload-pack") == "read"
    assert git_action("/git/7/t/info/refs", {"service": "git-receive-pack"}) == "write"
    assert git_action("/git/7/t/git-receive-pack", {}) == "write"
    assert git_action("/elsewhere", {}) is None


def test_basic_credentials_and_the_challenge():
    header = "Basic " + base64.b64encode(b"anyone:ak_3.secret:with:colons").decode()
    assert basic_credentials({"authorization": header}) == ("anyone", "ak_3.secret:with:colons")
    assert basic_credentials({"Authorization": "Bearer ak_3.x"}) is None
    assert basic_credentials({"Authorization": "Basic !!!"}) is None
    assert basic_credentials({"Authorization": "Basic " + base64.b64encode(b"nocolon").decode()}) is None
    assert basic_credentials({}) is None
    answer = challenge()
    assert answer.status == 401
    assert answer.headers["WWW-Authenticate"].startswith('Basic realm="certctrl git"')


def test_what_the_glue_refuses_and_how(hosting):
    hosting.create_repo(1, {"name": "tools"})
    serve = hosting.serve
    assert serve("GET", "/git/2/tools.git/info/refs", "service=git-upload-pack", {}, b"",
                 caller_user_id=1).status == 404  # someone else's path
    assert serve("GET", "/git/1/missing.git/info/refs", "service=git-upload-pack", {}, b"",
                 caller_user_id=1).status == 404
    assert serve("GET", "/git/1/tools.git/info/refs", "", {}, b"", caller_user_id=1).status == 403  # dumb HTTP
    assert serve("GET", "/git/1/tools.git/info/refs", "service=git-archive", {}, b"",
                 caller_user_id=1).status == 403
    assert serve("POST", "/git/1/tools.git/info/refs", "service=git-upload-pack", {}, b"",
                 caller_user_id=1).status == 405
    assert serve("GET", "/git/1/tools.git/git-upload-pack", None, {}, b"", caller_user_id=1).status == 405
    wrong_type = serve("POST", "/git/1/tools.git/git-upload-pack", None, {"Content-Type": "text/plain"}, b"",
                       caller_user_id=1)
    assert wrong_type.status == 415
    assert wrong_type.headers["Content-Type"].startswith("text/plain")
    kind = {"Content-Type": "application/x-git-upload-pack-request"}
    bomb = gzip.compress(b"0" * (git_hosting.MAX_INFLATED + 10))
    assert serve("POST", "/git/1/tools.git/git-upload-pack", None, {**kind, "Content-Encoding": "gzip"}, bomb,
                 caller_user_id=1).status == 400
    assert serve("POST", "/git/1/tools.git/git-upload-pack", None, {**kind, "Content-Encoding": "br"}, b"x",
                 caller_user_id=1).status == 415
    garbage = serve("POST", "/git/1/tools.git/git-upload-pack", None, kind, b"zzzzgarbage", caller_user_id=1)
    assert garbage.status == 400
    assert garbage.body.startswith(b"Malformed git request")
    advert = serve("GET", "/git/1/tools.git/info/refs", {"service": "git-receive-pack"}, {}, b"", caller_user_id=1)
    assert advert.status == 200
    assert advert.headers["Content-Type"] == "application/x-git-receive-pack-advertisement"
    assert advert.headers["Cache-Control"].startswith("no-cache")
    assert advert.body.startswith(b"001f# service=git-receive-pack\n0000")


# ---------------------------------------------------------------------------------------------------------------
# Compare-and-swap
# ---------------------------------------------------------------------------------------------------------------


def test_a_lost_race_reads_again_and_decides_again(s3):
    documents = git_storage.Documents(git_storage.Bucket("b", client=s3))
    documents.write("k", {"n": 0}, based_on=documents.read("k"))
    seen: list[int] = []

    def competitor() -> None:  # another writer lands between our read and our conditional write
        documents.write("k", {"n": 10}, based_on=documents.read("k"))

    s3.before_put = competitor

    def add_one(doc):
        seen.append(doc["n"])
        return {"n": doc["n"] + 1}, doc["n"]

    assert documents.update("k", add_one) == 10
    assert seen == [0, 10]  # the first decision was made on a stale version and thrown away
    assert documents.read("k").doc == {"n": 11}


def test_creating_a_document_twice_at_once_lets_one_win(s3):
    documents = git_storage.Documents(git_storage.Bucket("b", client=s3))
    s3.before_put = lambda: documents.write("new", {"who": "other"}, based_on=git_storage.Version(None, None))
    with pytest.raises(git_storage.StateConflict):
        documents.write("new", {"who": "me"}, based_on=git_storage.Version(None, None))
    assert documents.read("new").doc == {"who": "other"}


def test_a_writer_that_always_loses_gives_up_with_a_conflict(s3):
    documents = git_storage.Documents(git_storage.Bucket("b", client=s3))
    documents.write("k", {"n": 0}, based_on=documents.read("k"))

    def mutate(doc):
        s3.objects["k"] = b'{"n": %d}' % (doc["n"] + 100)  # someone always writes first
        return {"n": doc["n"] + 1}, None

    with pytest.raises(git_storage.StateConflict):
        documents.update("k", mutate, attempts=3)


# ---------------------------------------------------------------------------------------------------------------
# Pushes, built with dulwich
# ---------------------------------------------------------------------------------------------------------------


def make_commit(files: dict[bytes, bytes], parents: list[bytes], message: bytes = b"m", when: int = 1_800_000_000):
    objects = []
    tree = Tree()
    for name, content in files.items():
        blob = Blob.from_string(content)
        objects.append(blob)
        tree.add(name, 0o100644, blob.id)
    objects.append(tree)
    commit = Commit()
    commit.tree, commit.parents = tree.id, parents
    commit.author = commit.committer = b"T <t@example.com>"
    commit.author_time = commit.commit_time = when
    commit.author_timezone = commit.commit_timezone = 0
    commit.message = message
    objects.append(commit)
    return commit, objects


def noise(seed: bytes, n: int) -> bytes:
    """Incompressible, deterministic bytes."""
    return hashlib.shake_256(seed).digest(n)


def pack_of(objects) -> bytes:
    out = io.BytesIO()
    write_pack_objects(out.write, [(o, None) for o in objects], object_format=DEFAULT_OBJECT_FORMAT)
    return out.getvalue()


def push_body(commands: list[tuple[str, str, str]], objects=(), caps: bytes = b"report-status") -> bytes:
    lines = []
    for i, (old, new, ref) in enumerate(commands):
        line = f"{old} {new} {ref}".encode()
        lines.append(pkt_line(line + (b"\0" + caps if i == 0 else b"") + b"\n"))
    sends_objects = any(new != ZERO for _old, new, _ref in commands)  # git then always sends a pack, maybe empty
    return b"".join(lines) + b"0000" + (pack_of(objects) if sends_objects else b"")


def push(hosting: GitHosting, body: bytes, user: int = 1, repo: str = "r") -> str:
    answer = hosting.serve("POST", f"/git/{user}/{repo}.git/git-receive-pack", None,
                           {"Content-Type": "application/x-git-receive-pack-request"}, body, caller_user_id=user)
    assert answer.status == 200
    assert answer.headers["Content-Type"] == "application/x-git-receive-pack-result"
    return answer.body.decode()


def state(hosting: GitHosting, repo_id: int = 1) -> dict[str, Any]:
    return hosting.stored.documents.read(git_storage.state_key(1, repo_id)).doc


def test_pushes_create_move_and_delete_refs_under_their_rules(hosting):
    hosting.create_repo(1, {"name": "r"})
    c1, objs1 = make_commit({b"a": b"1"}, [])
    report = push(hosting, push_body([(ZERO, c1.id.decode(), "refs/heads/main")], objs1))
    assert "unpack ok" in report
    assert "ok refs/heads/main" in report
    assert state(hosting)["refs"] == {"refs/heads/main": c1.id.decode()}
    assert len(state(hosting)["packs"]) == 1

    c2, objs2 = make_commit({b"a": b"2"}, [c1.id])
    stale = push(hosting, push_body([(ZERO, c2.id.decode(), "refs/heads/main")], objs2))
    assert "ng refs/heads/main fetch first" in stale
    assert state(hosting)["refs"]["refs/heads/main"] == c1.id.decode()

    good = push(hosting, push_body([(c1.id.decode(), c2.id.decode(), "refs/heads/main"),
                                    (ZERO, c1.id.decode(), "refs/heads/old")], objs2))
    assert "ok refs/heads/main" in good
    assert "ok refs/heads/old" in good
    assert state(hosting)["refs"] == {"refs/heads/main": c2.id.decode(), "refs/heads/old": c1.id.decode()}

    blob = objs2[0]
    rules = push(hosting, push_body([
        (ZERO, blob.id.decode(), "refs/heads/blob"),            # a branch must be a commit
        (ZERO, c1.id.decode(), "refs/heads/bad..name"),          # not a ref name git accepts
        (ZERO, "1" * 40, "refs/heads/ghost"),                    # an object nobody sent
        (c2.id.decode(), ZERO, "refs/heads/main"),               # the default branch stays
        (c1.id.decode(), ZERO, "refs/heads/old"),                # any other may go
    ]))
    assert "ng refs/heads/blob branches must point at commits" in rules
    assert "ng refs/heads/bad..name funny refname" in rules
    assert "ng refs/heads/ghost missing necessary objects" in rules
    assert "ng refs/heads/main refusing to delete the current branch" in rules
    assert "ok refs/heads/old" in rules
    assert state(hosting)["refs"] == {"refs/heads/main": c2.id.decode()}


def test_an_atomic_push_is_all_or_nothing(hosting):
    hosting.create_repo(1, {"name": "r"})
    c1, objs = make_commit({b"a": b"1"}, [])
    report = push(hosting, push_body([(ZERO, c1.id.decode(), "refs/heads/main"),
                                      (ZERO, c1.id.decode(), "refs/heads/x..y")], objs, b"report-status atomic"))
    assert "ng refs/heads/main atomic push failed" in report
    assert "ng refs/heads/x..y funny refname" in report
    assert state(hosting) is None  # nothing written

    push(hosting, push_body([(ZERO, c1.id.decode(), "refs/heads/main")], objs))
    c2, objs2 = make_commit({b"a": b"2"}, [c1.id])
    stale = push(hosting, push_body([(c1.id.decode(), c2.id.decode(), "refs/heads/main"),
                                     (c2.id.decode(), c2.id.decode(), "refs/heads/other")], objs2,
                                    b"report-status atomic"))
    assert "ng refs/heads/other fetch first" in stale
    assert "ng refs/heads/main atomic push failed" in stale
    assert state(hosting)["refs"] == {"refs/heads/main": c1.id.decode()}


def test_an_annotated_tag_push_and_the_tag_listing(hosting):
    hosting.create_repo(1, {"name": "r"})
    c1, objs = make_commit({b"a": b"1"}, [])
    tag = Tag()
    tag.object = (Commit, c1.id)
    tag.name, tag.message, tag.tagger = b"v1", b"first release\n", b"T <t@example.com>"
    tag.tag_time, tag.tag_timezone = 1_800_000_100, 0
    push(hosting, push_body([(ZERO, c1.id.decode(), "refs/heads/main"), (ZERO, tag.id.decode(), "refs/tags/v1"),
                             (ZERO, c1.id.decode(), "refs/tags/light")], [*objs, tag]))
    listed = {t.name: t.to_json() for t in hosting.list_tags(1, "r")}
    assert listed["v1"] == {"name": "v1", "target": tag.id.decode(), "commit": c1.id.decode(), "annotated": True,
                            "message": "first release", "tagger": "T <t@example.com>", "tagged_at": 1_800_000_100}
    assert listed["light"]["annotated"] is False
    assert listed["light"]["commit"] == c1.id.decode()


def test_a_push_above_the_body_limit_is_refused_in_gits_words_and_nothing_is_stored(s3):
    hosting = GitHosting(make_stored(s3, max_body_bytes=64 * 1024))
    hosting.create_repo(1, {"name": "r"})
    c1, objs = make_commit({b"big": noise(b"big", 100_000)}, [])  # > 64 KiB packed
    body = push_body([(ZERO, c1.id.decode(), "refs/heads/main")], objs, b"report-status side-band-64k")
    assert len(body) > 64 * 1024
    before = dict(s3.objects)
    report = push(hosting, body)
    assert "unpack pack exceeds maximum allowed size" in report
    assert "ng refs/heads/main unpacker error" in report
    assert "one request here carries at most 0.1 MiB" in report
    assert s3.objects == before


def test_a_push_past_the_repository_size_limit_is_refused(s3):
    hosting = GitHosting(make_stored(s3, max_repo_bytes=2048))
    hosting.create_repo(1, {"name": "r"})
    c1, objs = make_commit({b"f": noise(b"f", 4096)}, [])
    report = push(hosting, push_body([(ZERO, c1.id.decode(), "refs/heads/main")], objs))
    assert "unpack pack exceeds maximum allowed size" in report
    assert state(hosting) is None


def test_a_broken_pack_is_an_unpacker_error(hosting):
    hosting.create_repo(1, {"name": "r"})
    c1, objs = make_commit({b"a": b"1"}, [])
    body = push_body([(ZERO, c1.id.decode(), "refs/heads/main")], objs)
    report = push(hosting, body[:-30] + b"\0" * 30)
    assert "ng refs/heads/main unpacker error" in report
    assert "unpack ok" not in report
    assert state(hosting) is None


def test_a_fetch_past_the_answer_limit_ends_in_a_side_band_error_after_the_negotiation(s3):
    hosting = GitHosting(make_stored(s3, max_body_bytes=64 * 1024))
    hosting.create_repo(1, {"name": "r"})
    c1, objs = make_commit({b"big": noise(b"seed", 40_000)}, [])
    c1b, objs_b = make_commit({b"noise": noise(b"more", 40_000)}, [c1.id])
    roomy = GitHosting(make_stored(s3))
    push(roomy, push_body([(ZERO, c1b.id.decode(), "refs/heads/main")], [*objs, *objs_b]))
    want = pkt_line(b"want " + c1b.id + b" multi_ack_detailed side-band-64k thin-pack ofs-delta\n")
    body = want + b"0000" + pkt_line(b"done\n")
    answer = hosting.serve("POST", "/git/1/r.git/git-upload-pack", None,
                           {"Content-Type": "application/x-git-upload-pack-request"}, body, caller_user_id=1)
    assert answer.status == 200
    assert len(answer.body) <= 64 * 1024
    assert answer.body.startswith(b"0008NAK\n")
    assert b"\x03this fetch needs more than 0.1 MiB" in answer.body
    assert b"POST /apiv1/users/1/gitrepos/1/bundle" in answer.body
    fits = roomy.serve("POST", "/git/1/r.git/git-upload-pack", None,
                       {"Content-Type": "application/x-git-upload-pack-request"}, body, caller_user_id=1)
    assert b"\x01PACK" in fits.body
    assert b"\x03" not in fits.body[:12]


# ---------------------------------------------------------------------------------------------------------------
# The catalog and its inputs
# ---------------------------------------------------------------------------------------------------------------


def test_repositories_get_ids_names_stay_unique_and_limits_hold(s3):
    catalogs = Catalogs(make_stored(s3, max_repos=2, public_base_url="https://api.example"), now=lambda: 0)
    first = catalogs.create_repo(1, RepoInput.from_body({"name": "Tools.git", "description": "d"}))
    assert (first.id, first.name, first.clone_url) == (1, "Tools", "https://api.example/git/1/Tools.git")
    with pytest.raises(Conflict):
        catalogs.create_repo(1, RepoInput.from_body({"name": "tools"}))
    assert catalogs.create_repo(1, RepoInput.from_body({"name": "other", "default_branch": "trunk"})).id == 2
    with pytest.raises(Conflict, match="at most 2"):
        catalogs.create_repo(1, RepoInput.from_body({"name": "third"}))
    assert catalogs.create_repo(2, RepoInput.from_body({"name": "tools"})).id == 1  # ids are per user
    assert catalogs.find(1, "TOOLS").id == 1
    assert catalogs.find(1, "2").default_branch == "trunk"


@pytest.mark.parametrize("body", [
    None, [], {}, {"name": ""}, {"name": "-x"}, {"name": "a b"}, {"name": "a/b"}, {"name": "x" * 101},
    {"name": 5}, {"name": "ok", "description": "d" * 501}, {"name": "ok", "default_branch": "a..b"},
    {"name": "ok", "default_branch": "x.lock"}, {"name": "ok", "credential_id": 1},
    {"name": "ok", "upstream_url": "https://github.com/a/b", "credential_id": 0},
    {"name": "ok", "upstream_url": "https://github.com/a/b", "credential_id": True},
])
def test_bad_repository_input_is_refused(body):
    with pytest.raises((BadRequest, UnprocessableEntity)):
        RepoInput.from_body(body)


@pytest.mark.parametrize("body", [
    {"name": "n", "host": "github.com"}, {"name": "n", "host": "github.com", "secret": "  "},
    {"name": "n", "host": "http://github.com", "secret": "t"}, {"name": "n", "host": "git hub", "secret": "t"},
    {"name": "n", "host": "github.com", "secret": "has space"}, {"name": "", "host": "github.com", "secret": "t"},
    {"name": "n", "host": "github.com", "secret": "t", "username": "a b"},
])
def test_bad_credential_input_is_refused(body):
    with pytest.raises(UnprocessableEntity):
        CredentialInput.from_body(body)


def test_credentials_are_sealed_listed_masked_and_never_in_a_repr(s3):
    catalogs = Catalogs(make_stored(s3), now=lambda: 0)
    request = CredentialInput.from_body({"name": "gh", "host": "GitHub.com", "secret": "ghp_topsecret"})
    assert "ghp_topsecret" not in repr(request)
    created = catalogs.create_credential(1, request)
    assert created.to_json() == {"id": 1, "name": "gh", "host": "github.com", "username": "x-access-token",
                                 "secret": "****", "created_at": "1970-01-01T00:00:00.000Z",
                                 "updated_at": "1970-01-01T00:00:00.000Z"}
    assert b"ghp_topsecret" not in s3.objects[git_storage.catalog_key(1)]
    catalogs.delete_credential(1, 1)
    assert catalogs.list_credentials(1) == []


def test_tags_in_an_advertisement_and_peeling():
    c1, objs = make_commit({b"a": b"1"}, [])
    tag = Tag()
    tag.object = (Commit, c1.id)
    tag.name, tag.message, tag.tagger = b"v1", b"msg", b"T <t@example.com>"
    tag.tag_time, tag.tag_timezone = 5, 0
    advert = (pkt_line(b"# service=git-upload-pack\n") + b"0000"
              + pkt_line(c1.id + b" HEAD\0multi_ack symref=HEAD:refs/heads/main\n")
              + pkt_line(c1.id + b" refs/heads/main\n") + pkt_line(tag.id + b" refs/tags/v1\n")
              + pkt_line(c1.id + b" refs/tags/v1^{}\n") + pkt_line(c1.id + b" refs/tags/light\n") + b"0000")
    found = {t.name: t for t in git_hosting._advertised_tags(advert)}
    assert found["v1"].annotated
    assert found["v1"].commit == c1.id.decode()
    assert not found["light"].annotated
    objects = {o.id: o for o in [*objs, tag]}
    tags = tags_of({b"refs/tags/v1": tag.id, b"refs/heads/main": c1.id}, objects.__getitem__)
    assert [(t.name, t.commit, t.message) for t in tags] == [("v1", c1.id.decode(), "msg")]


def test_the_pack_part_of_a_push_request():
    commands = pkt_line(f"{ZERO} {'1' * 40} refs/heads/main\0report-status\n".encode()) + b"0000"
    assert git_protocol._pack_bytes(commands + b"PACKxyz") == 7
    assert git_protocol._pack_bytes(b"") == 0
