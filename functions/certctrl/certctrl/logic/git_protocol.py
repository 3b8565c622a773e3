"""Git smart HTTP on a repository stored in S3, through dulwich's server handlers (docs/certctrl-git.md).

    state = load_state(stored, user_id, repo_id, default_branch)
    body  = advertise(repo_for(stored, state), "git-upload-pack")          # GET info/refs?service=...
    out   = upload_pack(repo_for(stored, state), request_body, limit=...)  # POST git-upload-pack
    out   = receive_pack(stored, state, request_body, limits=...)          # POST git-receive-pack

Every call works on one state version (`RepoState`: HEAD, refs and the packs that hold their objects), read once.

**Protocol versions.** dulwich 1.2.21's server speaks protocol v0/v1 (the stateless-RPC form of smart HTTP). A
client that asks for v2 (`Git-Protocol: version=2`, git's default for fetch since 2.26) gets the v0 advertisement
and continues in v0, as git does against any server without v2. Proxy repositories pass the header through, so
they speak v2 when the upstream does.

**Pushes** (`receive_pack`): dulwich parses the commands and capabilities; the pack is read by
`S3PackStore.add_thin_pack` (completed, every object parsed, uploaded under its content name). Then each command
is checked here (ref names, objects that exist, branches that point at commits, the default branch not deleted)
and all accepted updates are written in ONE conditional write of the state document, together with the new pack
in the manifest. Inside that write each command's old value must equal the ref's current value: a push that lost
a race to another push is told `ng <ref> fetch first` (nothing half-written; with `--atomic` every ref fails).

**Sizes.** A request body above `max_body_bytes` is refused before any of it is read: with git's own words for a
pack that is too big (`unpack pack exceeds maximum allowed size`, every ref `ng ... unpacker error`) and a
side-band message saying what to do. A fetch whose answer would pass the limit is stopped while the pack is
written and answered with a side-band error (channel 3, which git prints as `remote error: ...`) that says how
to fetch in steps. Nothing is ever truncated.
"""

from __future__ import annotations

import hashlib
import io
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from dulwich.config import ConfigFile, StackedConfig
from dulwich.errors import ApplyDeltaError, ChecksumMismatch, GitProtocolError, ObjectFormatException
from dulwich.objects import Commit, ObjectID, Tag
from dulwich.pack import write_pack_data
from dulwich.protocol import (
    CAPABILITY_ATOMIC,
    CAPABILITY_SIDE_BAND_64K,
    SIDE_BAND_CHANNEL_FATAL,
    SIDE_BAND_CHANNEL_PROGRESS,
    ReceivableProtocol,
    pkt_line,
)
from dulwich.refs import DictRefsContainer, Ref, check_ref_format
from dulwich.repo import BaseRepo
from dulwich.server import Backend, ReceivePackHandler, UploadPackHandler

from certctrl.logic.git_repos import Stored
from certctrl.store import git_storage

ZERO = b"0" * 40
UPLOAD = "git-upload-pack"
RECEIVE = "git-receive-pack"
SERVICES = (UPLOAD, RECEIVE)

__all__ = [
    "PushLimits",
    "RepoState",
    "TooLarge",
    "advertise",
    "load_state",
    "receive_pack",
    "repo_for",
    "state_digest",
    "upload_pack",
    "write_bundle",
]


class TooLarge(Exception):
    """An answer or a request passed the size limit where git has no words for it (answered 413)."""


# ---------------------------------------------------------------------------------------------------------------
# The repository: one state version
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RepoState:
    """A repository's state document as read: HEAD, refs, and the manifest of its packs (with their sizes)."""

    user_id: int
    repo_id: int
    head: str
    refs: dict[str, str]
    packs: dict[str, int] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return git_storage.state_key(self.user_id, self.repo_id)

    @property
    def prefix(self) -> str:
        return git_storage.repo_prefix(self.user_id, self.repo_id)

    @property
    def size_bytes(self) -> int:
        return sum(self.packs.values())

    @classmethod
    def from_doc(cls, user_id: int, repo_id: int, doc: dict[str, Any] | None, default_branch: str) -> RepoState:
        if not doc:
            return cls(user_id, repo_id, f"refs/heads/{default_branch}", {}, {})
        return cls(user_id, repo_id, doc.get("head") or f"refs/heads/{default_branch}", dict(doc.get("refs", {})),
                   {name: int(size) for name, size in doc.get("packs", {}).items()})

    def to_doc(self) -> dict[str, Any]:
        return {"v": 1, "head": self.head, "refs": dict(sorted(self.refs.items())), "packs": dict(self.packs)}


def load_state(stored: Stored, user_id: int, repo_id: int, default_branch: str) -> RepoState:
    doc = stored.documents.read(git_storage.state_key(user_id, repo_id)).doc
    return RepoState.from_doc(user_id, repo_id, doc, default_branch)


class HostedRepo(BaseRepo):
    """What dulwich's server handlers need of a repository: the S3 object store and the state's refs."""

    def __init__(self, object_store: git_storage.S3PackStore, state: RepoState) -> None:
        refs: dict[Ref, bytes] = {Ref(b"HEAD"): b"ref: " + state.head.encode()}
        refs.update({Ref(name.encode()): sha.encode() for name, sha in state.refs.items()})
        super().__init__(object_store, DictRefsContainer(refs))
        self.state = state
        self.repo = self  # dulwich's include-tag looks for `.repo` to peel tags with

    def get_named_file(self, path: str, basedir: str | None = None) -> None:
        return None  # no shallow file, no info files: everything a bucket repository has is in its state

    def _put_named_file(self, path: str, contents: bytes) -> None:
        raise NotImplementedError("a bucket repository has no named files")

    def _del_named_file(self, path: str) -> None:
        raise NotImplementedError("a bucket repository has no named files")

    def get_config(self) -> ConfigFile:
        return ConfigFile()

    def get_config_stack(self) -> StackedConfig:
        return StackedConfig([ConfigFile()])

    def get_description(self) -> bytes | None:
        return None

    def set_description(self, description: bytes) -> None:
        raise NotImplementedError("descriptions live in the catalog")

    def _determine_file_mode(self) -> bool:
        return False


def repo_for(stored: Stored, state: RepoState) -> HostedRepo:
    return HostedRepo(git_storage.S3PackStore(stored.bucket, state.prefix, state.packs), state)


class _OneRepo(Backend):
    def __init__(self, repo: HostedRepo) -> None:
        self.repo = repo

    def open_repository(self, path: str) -> HostedRepo:
        return self.repo


# ---------------------------------------------------------------------------------------------------------------
# Output, bounded
# ---------------------------------------------------------------------------------------------------------------


class _Overflow(Exception):
    pass


class _Output:
    """What a handler writes, up to `limit` bytes; `mark` is where the pack started (set by the handler)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.data = bytearray()
        self.mark: int | None = None

    def write(self, chunk: bytes) -> int:
        if len(self.data) + len(chunk) > self.limit:
            raise _Overflow
        self.data += chunk
        return len(chunk)


def _proto(body: bytes, out: _Output) -> ReceivableProtocol:
    return ReceivableProtocol(io.BytesIO(body).read, out.write)


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MiB"


# ---------------------------------------------------------------------------------------------------------------
# info/refs
# ---------------------------------------------------------------------------------------------------------------


def advertise(repo: HostedRepo, service: str, *, limit: int) -> bytes:
    """The body of `GET info/refs?service=<service>`."""
    if service not in SERVICES:
        raise ValueError(service)
    out = _Output(limit)
    proto = _proto(b"", out)
    handler_cls = UploadPackHandler if service == UPLOAD else ReceivePackHandler
    try:
        proto.write_pkt_line(b"# service=" + service.encode() + b"\n")
        proto.write_pkt_line(None)
        handler_cls(_OneRepo(repo), ["/"], proto, stateless_rpc=True, advertise_refs=True).handle()
    except _Overflow:
        raise TooLarge(f"the list of refs is larger than {_mib(limit)}") from None
    return bytes(out.data)


# ---------------------------------------------------------------------------------------------------------------
# upload-pack (clone, fetch)
# ---------------------------------------------------------------------------------------------------------------


class _UploadPack(UploadPackHandler):
    output: _Output

    def _start_pack_send_phase(self) -> None:
        self.output.mark = len(self.output.data)
        super()._start_pack_send_phase()


def upload_pack(repo: HostedRepo, body: bytes, *, limit: int, bundle_hint: str = "") -> bytes:
    """The body of `POST git-upload-pack` (one stateless-RPC round of negotiation, or the pack).

    Raises GitProtocolError for a malformed request, TooLarge when git cannot be told in its own terms.
    """
    out = _Output(limit)
    proto = _proto(body, out)
    handler = _UploadPack(_OneRepo(repo), ["/"], proto, stateless_rpc=True)
    handler.output = out
    try:
        handler.handle()
    except _Overflow:
        if out.mark is None or not handler.has_capability(CAPABILITY_SIDE_BAND_64K):
            raise TooLarge(f"this fetch needs more than {_mib(limit)}, the most one request can carry") from None
        message = (f"this fetch needs more than {_mib(limit)}, the most one answer can carry here. Clone from a "
                   f"bundle first: {bundle_hint or 'ask the API for a bundle URL of this repository'}, then "
                   "git clone --bundle-uri=<that url> <this url> (an existing clone: download the bundle and "
                   "git fetch <file> 'refs/heads/*:refs/remotes/origin/*').\n")
        return bytes(out.data[: out.mark]) + pkt_line(bytes([SIDE_BAND_CHANNEL_FATAL]) + message.encode())
    return bytes(out.data)


# ---------------------------------------------------------------------------------------------------------------
# bundles (clones larger than one answer)
# ---------------------------------------------------------------------------------------------------------------


def state_digest(state: RepoState) -> str:
    """Names a bundle of exactly this state: the same refs give the same bundle."""
    listed = "\n".join(f"{sha} {ref}" for ref, sha in sorted(state.refs.items()))
    return hashlib.sha256(f"{state.head}\n{listed}".encode()).hexdigest()[:32]


def write_bundle(repo: HostedRepo, f: BinaryIO) -> int:
    """A v2 git bundle of every ref of the state (what `git clone --bundle-uri` and `git fetch <bundle>` read):
    the refs as they are (tags unpeeled), HEAD when it names a branch that exists, and a pack of every object
    they reach. Returns how many objects it holds."""
    refs = dict(repo.state.refs)
    if not refs:
        raise ValueError("an empty repository has no bundle")
    f.write(b"# v2 git bundle\n")
    if repo.state.head in refs:
        f.write(f"{refs[repo.state.head]} HEAD\n".encode())
    for name, sha in sorted(refs.items()):
        f.write(f"{sha} {name}\n".encode())
    f.write(b"\n")
    count, records = repo.generate_pack_data(have=set(), want={ObjectID(sha.encode()) for sha in refs.values()})
    write_pack_data(f.write, num_records=count, records=records, object_format=repo.object_format)
    return count


# ---------------------------------------------------------------------------------------------------------------
# receive-pack (push)
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PushLimits:
    max_body_bytes: int
    max_repo_bytes: int


@dataclass
class PushResult:
    body: bytes
    updated: list[tuple[str, str, str]]  # (ref, old, new) written
    state: RepoState


_UNPACK_ERRORS = (OSError, ChecksumMismatch, ApplyDeltaError, AssertionError, ObjectFormatException,
                  GitProtocolError, ValueError, KeyError, zlib.error)


class _ReceivePack(ReceivePackHandler):
    """dulwich's receive-pack, with the pack stored in S3 and every ref update in one conditional write."""

    stored: Stored
    state: RepoState
    refusal: str | None  # set when the request may not be unpacked at all (too large)
    written: list[tuple[str, str, str]]
    final_state: RepoState

    def _apply_pack(self, refs: list[tuple[ObjectID, ObjectID, Ref]]) -> Iterator[tuple[bytes, bytes]]:
        store: git_storage.S3PackStore = self.repo.object_store  # type: ignore[assignment]
        if self.refusal is not None:
            self._say(self.refusal)
            yield b"unpack", b"pack exceeds maximum allowed size"
            for _old, _new, ref in refs:
                yield ref, b"unpacker error"
            return
        if any(new != ZERO for _old, new, _ref in refs):
            try:
                store.add_thin_pack(self.proto.read, getattr(self.proto, "recv", None))
            except _UNPACK_ERRORS as exc:
                yield b"unpack", (str(exc).replace("\n", " ")[:200] or type(exc).__name__).encode()
                for _old, _new, ref in refs:
                    yield ref, b"unpacker error"
                return
        yield b"unpack", b"ok"

        problems: dict[bytes, bytes] = {}
        for _old, new, ref in refs:
            problem = self._check(ref, new)
            if problem:
                problems[ref] = problem
        atomic = self.has_capability(CAPABILITY_ATOMIC)
        if atomic and problems:
            for _old, _new, ref in refs:
                yield ref, problems.get(ref, b"atomic push failed")
            return
        commands = [(ref.decode(), old.decode(), new.decode()) for old, new, ref in refs if ref not in problems]
        try:
            statuses = self.stored.documents.update(self.state.key, lambda doc: self._mutate(doc, commands, atomic))
        except git_storage.StateConflict:
            statuses = {ref: b"failed to update ref: too many concurrent pushes, try again" for ref, _, _ in commands}
        for _old, _new, ref in refs:
            yield ref, problems.get(ref) or statuses.get(ref.decode(), b"ok")

    def _check(self, ref: bytes, new: bytes) -> bytes | None:
        if not ref.startswith(b"refs/") or not check_ref_format(ref) or ref.endswith(b"^{}"):
            return b"funny refname"
        if new == ZERO:
            return b"refusing to delete the current branch" if ref.decode() == self.state.head else None
        try:
            obj = self.repo.object_store[new]
        except KeyError:
            return b"missing necessary objects"
        problem = None
        if ref.startswith(b"refs/heads/") and not isinstance(obj, Commit):
            problem = b"branches must point at commits"
        elif ref.startswith(b"refs/tags/") and not isinstance(obj, Commit | Tag):
            problem = b"tags must point at commits or tag objects"
        return problem

    def _mutate(self, doc: dict[str, Any] | None, commands: list[tuple[str, str, str]], atomic: bool
                ) -> tuple[dict[str, Any] | None, dict[str, bytes]]:
        """Pure: apply the commands whose old value still matches (all or none with --atomic)."""
        self.written, self.final_state = [], self.state  # this attempt's outcome only (it may run again)
        store: git_storage.S3PackStore = self.repo.object_store  # type: ignore[assignment]
        current = RepoState.from_doc(self.state.user_id, self.state.repo_id, doc, self.state.head[len("refs/heads/"):])
        refs = dict(current.refs)
        statuses: dict[str, bytes] = {}
        applied: list[tuple[str, str, str]] = []
        for ref, old, new in commands:
            if refs.get(ref, ZERO.decode()) != old:
                statuses[ref] = b"fetch first: the ref moved on the server (fetch, then push again)"
                continue
            applied.append((ref, old, new))
        if atomic and statuses:
            return None, {ref: statuses.get(ref, b"atomic push failed") for ref, _, _ in commands}
        for ref, _old, new in applied:
            if new == ZERO.decode():
                refs.pop(ref, None)
            else:
                refs[ref] = new
        packs = dict(current.packs)
        if applied:
            for name in store.new_packs:
                packs.setdefault(name, store.new_pack_bytes.get(name, 0))
        if not applied:
            return None, statuses
        updated = RepoState(current.user_id, current.repo_id, current.head, refs, packs)
        self.written = applied
        self.final_state = updated
        return updated.to_doc(), statuses

    def _say(self, message: str) -> None:
        if self.has_capability(CAPABILITY_SIDE_BAND_64K):
            self.proto.write_sideband(SIDE_BAND_CHANNEL_PROGRESS, message.encode())


def _pack_bytes(body: bytes) -> int:
    """How much of a receive-pack request is pack (everything after the commands' flush-pkt)."""
    offset = 0
    while offset + 4 <= len(body):
        size_hex = body[offset: offset + 4]
        try:
            size = int(size_hex, 16)
        except ValueError:
            return len(body) - offset
        if size == 0:
            return len(body) - offset - 4
        offset += size
    return 0


def receive_pack(stored: Stored, state: RepoState, body: bytes, *, limits: PushLimits) -> PushResult:
    """The body of `POST git-receive-pack`, and what was written."""
    out = _Output(1024 * 1024)  # the report of a push: a line per ref
    proto = _proto(body, out)
    repo = repo_for(stored, state)
    handler = _ReceivePack(_OneRepo(repo), ["/"], proto, stateless_rpc=True)
    handler.stored, handler.state, handler.written, handler.final_state = stored, state, [], state
    handler.refusal = None
    pack = _pack_bytes(body)
    if len(body) > limits.max_body_bytes:
        handler.refusal = (f"This push is {_mib(len(body))}; one request here carries at most "
                           f"{_mib(limits.max_body_bytes)}. Push in steps (a few commits at a time: "
                           "git push origin <commit>:refs/heads/<branch>).\n")
    elif state.size_bytes + pack > limits.max_repo_bytes:
        handler.refusal = (f"The repository would pass its size limit of {_mib(limits.max_repo_bytes)} "
                           f"(it holds {_mib(state.size_bytes)}).\n")
    try:
        handler.handle()
    except _Overflow:
        raise TooLarge("the push report is too large") from None
    return PushResult(bytes(out.data), handler.written, handler.final_state)
