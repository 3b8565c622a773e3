"""Git repositories in S3: pack files as immutable objects, and small JSON documents written with S3 conditional
writes (docs/certctrl-git.md, "Storage").

One bucket (`GIT_BUCKET`) holds, per user:

    git/<user>/catalog.json                          the user's repositories and proxy credentials (one document)
    git/<user>/repos/<repo>/state.json               HEAD, every ref, and the manifest of the repository's packs
    git/<user>/repos/<repo>/objects/pack/<name>.pack / .idx      immutable, content-named pack files

**Documents change only by compare-and-swap.** `Documents.update(key, mutate)` reads a document and its ETag, lets
`mutate` (pure code from logic/) compute the next version, and writes it with `If-Match: <etag>` (or
`If-None-Match: *` when the document did not exist). S3 refuses the write with 412 PreconditionFailed (or 409
ConditionalRequestConflict while another conditional write is in flight) when someone else wrote in between; the
loop then reads again and calls `mutate` on the fresh version, which decides again (a push whose old value no
longer matches is refused there). Two writers can therefore never both move a ref from the same old value, and
no update is lost.

**Packs are listed by the state document, not by listing the bucket.** A push uploads its pack and index first
(their names are the SHA-1 of their object names, so a retry writes the same bytes), then adds the name to the
manifest in the same conditional write that moves the refs. A reader works on one state version: refs and the
packs that hold their objects. A pack whose push lost the race is never referenced (see the doc's "Garbage").

Pack and index bytes are cached per execution environment (they never change once written), bounded by
`CACHE_BYTES`, so a warm function does not download the same packs on every fetch.
"""

from __future__ import annotations

import io
import json
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from dulwich.object_store import BucketBasedObjectStore, PackInputTooLarge
from dulwich.pack import (
    PACK_SPOOL_FILE_MAX_SIZE,
    Pack,
    PackData,
    PackIndex,
    PackIndexer,
    PackInflater,
    PackStreamCopier,
    extend_pack,
    iter_sha1,
    load_pack_index_file,
    write_pack_index,
)

from suite import aws

PREFIX = "git"
MAX_ATTEMPTS = 8
CACHE_BYTES = 64 * 1024 * 1024
_CONFLICT_CODES = frozenset({"PreconditionFailed", "ConditionalRequestConflict", "412", "409"})
_MISSING_CODES = frozenset({"NoSuchKey", "404", "NotFound"})

__all__ = [
    "Documents",
    "PackInputTooLarge",
    "S3PackStore",
    "StateConflict",
    "bundle_key",
    "catalog_key",
    "repo_prefix",
    "state_key",
]


class StateConflict(Exception):
    """A conditional write kept losing to other writers (MAX_ATTEMPTS times): the caller answers "try again"."""


def catalog_key(user_id: int | str) -> str:
    return f"{PREFIX}/{user_id}/catalog.json"


def repo_prefix(user_id: int | str, repo_id: int | str) -> str:
    return f"{PREFIX}/{user_id}/repos/{repo_id}/"


def state_key(user_id: int | str, repo_id: int | str) -> str:
    return repo_prefix(user_id, repo_id) + "state.json"


def bundle_key(user_id: int | str, repo_id: int | str, state_digest: str) -> str:
    return repo_prefix(user_id, repo_id) + f"bundles/{state_digest}.bundle"


def _error_code(exc: Exception) -> str | None:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code"))
    return None


# ---------------------------------------------------------------------------------------------------------------
# The bucket
# ---------------------------------------------------------------------------------------------------------------


class Bucket:
    """The few S3 calls the git engine makes, on suite.aws's client."""

    def __init__(self, name: str, client: Any = None) -> None:
        if not name:
            raise ValueError("GIT_BUCKET is required")
        self.name = name
        self._client = client

    def __repr__(self) -> str:
        return f"Bucket({self.name!r})"

    @property
    def s3(self) -> Any:
        return self._client if self._client is not None else aws.client("s3")

    def get(self, key: str) -> tuple[bytes, str] | None:
        """(bytes, ETag) or None when the object does not exist."""
        try:
            answer = self.s3.get_object(Bucket=self.name, Key=key)
        except Exception as exc:
            if _error_code(exc) in _MISSING_CODES:
                return None
            raise
        return answer["Body"].read(), answer["ETag"]

    def put(self, key: str, body: bytes | BinaryIO, *, if_match: str | None = None, if_none_match: bool = False,
            content_type: str = "application/octet-stream") -> str:
        """Write an object; with a condition, raise StateConflict when S3 refuses it. Returns the new ETag."""
        extra: dict[str, str] = {}
        if if_match is not None:
            extra["IfMatch"] = if_match
        elif if_none_match:
            extra["IfNoneMatch"] = "*"
        try:
            answer = self.s3.put_object(Bucket=self.name, Key=key, Body=body, ContentType=content_type, **extra)
        except Exception as exc:
            code = _error_code(exc)
            if extra and (code in _CONFLICT_CODES or (if_match is not None and code in _MISSING_CODES)):
                raise StateConflict(key) from None
            raise
        return answer["ETag"]

    def exists(self, key: str) -> bool:
        try:
            self.s3.head_object(Bucket=self.name, Key=key)
        except Exception as exc:
            if _error_code(exc) in _MISSING_CODES:
                return False
            raise
        return True

    def upload_file(self, key: str, f: BinaryIO, content_type: str = "application/octet-stream", *,
                    tagging: str | None = None) -> None:
        """A large object from a file (multipart above S3's threshold, never whole in memory); `tagging` (URL-encoded
        `k=v`) for the bucket's lifecycle rules (bundles expire: `kind=bundle`)."""
        extra = {"ContentType": content_type, **({"Tagging": tagging} if tagging else {})}
        self.s3.upload_fileobj(f, self.name, key, ExtraArgs=extra)

    def delete_prefix(self, prefix: str) -> int:
        """Delete every object under `prefix` (a repository being deleted). Returns how many."""
        deleted = 0
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.name, Prefix=prefix):
            keys = [{"Key": entry["Key"]} for entry in page.get("Contents", [])]
            if keys:
                self.s3.delete_objects(Bucket=self.name, Delete={"Objects": keys, "Quiet": True})
                deleted += len(keys)
        return deleted

    def presign_get(self, key: str, expires_in: int) -> str:
        return self.s3.generate_presigned_url("get_object", Params={"Bucket": self.name, "Key": key},
                                              ExpiresIn=expires_in)


# ---------------------------------------------------------------------------------------------------------------
# JSON documents, changed by compare-and-swap
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Version:
    """A document as read: its content (None: it does not exist yet) and the ETag it was read at."""

    doc: dict[str, Any] | None
    etag: str | None


class Documents:
    """Read and conditionally write the engine's JSON documents (catalogs, repository states)."""

    def __init__(self, bucket: Bucket) -> None:
        self.bucket = bucket

    def read(self, key: str) -> Version:
        found = self.bucket.get(key)
        if found is None:
            return Version(None, None)
        body, etag = found
        return Version(json.loads(body), etag)

    def write(self, key: str, doc: dict[str, Any], *, based_on: Version) -> Version:
        """Write `doc` only if the stored document is still `based_on` (raises StateConflict otherwise)."""
        body = json.dumps(doc, separators=(",", ":"), sort_keys=True).encode("utf-8")
        if based_on.etag is None:
            etag = self.bucket.put(key, body, if_none_match=True, content_type="application/json")
        else:
            etag = self.bucket.put(key, body, if_match=based_on.etag, content_type="application/json")
        return Version(doc, etag)

    def update[R](self, key: str, mutate: Callable[[dict[str, Any] | None], tuple[dict[str, Any] | None, R]],
                  *, attempts: int = MAX_ATTEMPTS) -> R:
        """Read, `mutate(doc) → (new doc or None for "no change", result)`, write conditionally; on a lost race,
        read again and call `mutate` again on the fresh document. Returns the last `result`.

        `mutate` must be pure (it may run several times) and may raise to refuse the change.
        """
        for _ in range(attempts):
            current = self.read(key)
            new_doc, result = mutate(current.doc)
            if new_doc is None:
                return result
            try:
                self.write(key, new_doc, based_on=current)
            except StateConflict:
                continue
            return result
        raise StateConflict(key)


# ---------------------------------------------------------------------------------------------------------------
# Packs
# ---------------------------------------------------------------------------------------------------------------


class _ByteCache:
    """Immutable S3 objects kept per execution environment, least recently used first out."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            data = self._items.get(key)
            if data is not None:
                self._items.move_to_end(key)
            return data

    def put(self, key: str, data: bytes) -> None:
        if len(data) > self.limit // 4:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = data
            self._size += len(data)
            while self._size > self.limit:
                _, dropped = self._items.popitem(last=False)
                self._size -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._size = 0


PACK_CACHE = _ByteCache(CACHE_BYTES)


class S3PackStore(BucketBasedObjectStore):
    """dulwich's object store on the packs one repository state lists (`packs`), plus the packs added now.

    Reads go through `PACK_CACHE`. `add_thin_pack` (receive-pack) completes the thin pack a client sends with
    the base objects it deltas against, checks every object parses, and uploads pack and index; `add_pack` /
    `add_objects` do the same for packs built here. Newly uploaded names are in `new_packs`: the caller adds
    them to the manifest in the conditional state write.
    """

    def __init__(self, bucket: Bucket, prefix: str, packs: Iterable[str] = ()) -> None:
        super().__init__()
        self.bucket = bucket
        self.prefix = prefix
        self._listed = list(dict.fromkeys(packs))
        self.new_packs: list[str] = []
        self.new_pack_bytes: dict[str, int] = {}

    def __repr__(self) -> str:
        return f"S3PackStore({self.bucket.name!r}, {self.prefix!r}, packs={len(self._listed)})"

    def _key(self, name: str, ext: str) -> str:
        return f"{self.prefix}objects/pack/{name}.{ext}"

    def _fetch(self, key: str) -> bytes:
        data = PACK_CACHE.get(key)
        if data is None:
            found = self.bucket.get(key)
            if found is None:
                raise FileNotFoundError(f"pack object missing: {key}")
            data = found[0]
            PACK_CACHE.put(key, data)
        return data

    # -- BucketBasedObjectStore ------------------------------------------------------------------------------------

    def _iter_pack_names(self) -> Iterator[str]:
        yield from dict.fromkeys([*self._listed, *self.new_packs])

    def _remove_pack_by_name(self, name: str) -> None:
        raise NotImplementedError("packs are removed by compaction, never by a request")

    def _load_pack_data(self, name: str) -> PackData:
        return PackData(name + ".pack", self.object_format, file=io.BytesIO(self._fetch(self._key(name, "pack"))))

    def _load_pack_index(self, name: str) -> PackIndex:
        data = self._fetch(self._key(name, "idx"))
        return load_pack_index_file(name + ".idx", io.BytesIO(data), self.object_format)

    def _get_pack(self, name: str) -> Pack:
        return Pack.from_lazy_objects(lambda: self._load_pack_data(name), lambda: self._load_pack_index(name))

    def _upload_pack(self, basename: str, pack_file: BinaryIO, index_file: BinaryIO) -> None:
        name = basename if basename.startswith("pack-") else f"pack-{basename}"
        pack_bytes, index_bytes = pack_file.read(), index_file.read()
        self.bucket.put(self._key(name, "pack"), pack_bytes)
        self.bucket.put(self._key(name, "idx"), index_bytes)
        PACK_CACHE.put(self._key(name, "pack"), pack_bytes)
        PACK_CACHE.put(self._key(name, "idx"), index_bytes)
        if name not in self.new_packs and name not in self._listed:
            self.new_packs.append(name)
            self.new_pack_bytes[name] = len(pack_bytes) + len(index_bytes)

    def _add_cached_pack(self, base_name: str, pack: Pack) -> None:
        name = base_name if base_name.startswith("pack-") else f"pack-{base_name}"
        super()._add_cached_pack(name, pack)

    # -- receive-pack ------------------------------------------------------------------------------------------------

    def add_thin_pack(self, read_all: Callable[[int], bytes], read_some: Callable[[int], bytes] | None,
                      progress: Callable[..., None] | None = None, *, max_input_size: int | None = None) -> Pack:
        """Read a (thin) pack from the wire, complete it with its external bases, verify and upload it."""
        if max_input_size:
            read_all, read_some = _bounded(read_all, read_some, max_input_size)
        hash_func = self.object_format.hash_func
        with tempfile.SpooledTemporaryFile(max_size=PACK_SPOOL_FILE_MAX_SIZE, prefix="incoming-") as f:
            indexer = PackIndexer(f, hash_func, resolve_ext_ref=self.get_raw)
            copier = PackStreamCopier(hash_func, read_all, read_some, f, delta_iter=indexer)
            copier.verify(progress=progress)
            f.flush()
            f.seek(0)
            with PackData("incoming.pack", self.object_format, file=f) as data:
                indexer.set_pack_data(data)
                entries = list(indexer)
                external = set(indexer.ext_refs())
            pack_sha, extra = extend_pack(f, external, get_raw=self.get_raw, object_format=self.object_format,
                                          compression_level=self.pack_compression_level)
            entries.extend(extra)
            entries.sort()
            name = "pack-" + iter_sha1(entry[0] for entry in entries).decode("ascii")
            existing = self._pack_cache.get(name)
            if existing is not None or name in self._listed:
                return existing if existing is not None else self._get_pack(name)
            f.seek(0)
            pack_bytes = f.read()
        index = io.BytesIO()
        write_pack_index(index, entries, pack_sha, version=self.pack_index_version)
        index_bytes = index.getvalue()
        pack = Pack.from_objects(PackData(name + ".pack", self.object_format, file=io.BytesIO(pack_bytes)),
                                 load_pack_index_file(name + ".idx", io.BytesIO(index_bytes), self.object_format))
        for _obj in PackInflater.for_pack_data(pack.data, resolve_ext_ref=self.get_raw):
            pass  # every object must parse (bad modes, broken trees) before anything is stored
        self._upload_pack(name, io.BytesIO(pack_bytes), io.BytesIO(index_bytes))
        self._add_cached_pack(name, pack)
        return pack


def _bounded(read_all: Callable[[int], bytes], read_some: Callable[[int], bytes] | None,
             limit: int) -> tuple[Callable[[int], bytes], Callable[[int], bytes] | None]:
    seen = [0]

    def count(data: bytes) -> bytes:
        seen[0] += len(data)
        if seen[0] > limit:
            raise PackInputTooLarge(f"pack exceeds maximum allowed size ({limit} bytes)")
        return data

    def bounded_all(n: int) -> bytes:
        return count(read_all(n))

    if read_some is None:
        return bounded_all, None
    some = read_some

    def bounded_some(n: int) -> bytes:
        return count(some(n))

    return bounded_all, bounded_some
