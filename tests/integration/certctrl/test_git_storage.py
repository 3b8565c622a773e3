"""The git engine's S3 documents on moto: S3's conditional writes (If-Match / If-None-Match) as the store uses them,
and many writers racing on one state document without losing an update (moto's object writes made atomic as on
S3 by devstack/moto_fidelity.py)."""

from __future__ import annotations

import threading

import pytest

from certctrl.store import git_storage
from tests.integration.certctrl.git_harness import BUCKET, moto_git

THREADS, ROUNDS = 8, 10


@pytest.fixture
def documents():
    for _ in moto_git():
        yield git_storage.Documents(git_storage.Bucket(BUCKET))


def test_conditional_writes_refuse_a_stale_etag_and_a_second_create(documents):
    created = documents.write("k", {"n": 1}, based_on=git_storage.Version(None, None))
    with pytest.raises(git_storage.StateConflict):
        documents.write("k", {"n": 2}, based_on=git_storage.Version(None, None))  # If-None-Match: * on an existing key
    moved = documents.write("k", {"n": 3}, based_on=created)
    with pytest.raises(git_storage.StateConflict):
        documents.write("k", {"n": 4}, based_on=created)  # If-Match with the old ETag
    assert documents.read("k") == moved
    with pytest.raises(git_storage.StateConflict):
        documents.write("gone", {"n": 1}, based_on=git_storage.Version({"n": 0}, '"0123"'))


def test_racing_writers_lose_no_update(documents):
    documents.write("counter", {"n": 0, "by": {}}, based_on=git_storage.Version(None, None))
    start = threading.Barrier(THREADS)
    failures: list[BaseException] = []

    def worker(index: int) -> None:
        try:
            start.wait()
            for _ in range(ROUNDS):
                def bump(doc):
                    by = dict(doc["by"])
                    by[str(index)] = by.get(str(index), 0) + 1
                    return {"n": doc["n"] + 1, "by": by}, None

                documents.update("counter", bump, attempts=200)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert failures == []
    final = documents.read("counter").doc
    assert final["n"] == THREADS * ROUNDS
    assert final["by"] == {str(i): ROUNDS for i in range(THREADS)}
