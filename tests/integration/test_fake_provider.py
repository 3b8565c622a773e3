"""FakeProvider itself: scripting rules, recording, wait_for, hang + stop, throughput under concurrent clients."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from devstack.fake_provider import FakeProvider, RecordedRequest


@pytest.fixture
def fake() -> Iterator[FakeProvider]:
    with FakeProvider() as provider:
        yield provider


@pytest.fixture
def http() -> Iterator[requests.Session]:
    session = requests.Session()
    session.trust_env = False
    yield session
    session.close()


def test_url_and_default_answer(fake, http):
    assert fake.url == f"http://127.0.0.1:{fake.port}"
    assert not fake.url.endswith("/")
    response = http.get(f"{fake.url}/anything")
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    assert response.headers["Content-Type"] == "application/json"


def test_records_every_detail_of_a_request(fake, http):
    before = time.monotonic()
    http.post(
        f"{fake.url}/bot123/sendMessage?chat_id=7&tag=a&tag=b&empty=",
        json={"text": "你好"},
        headers={"X-Api-Key": "k1"},
    )
    http.put(f"{fake.url}/raw", data=b"\x00\x01not json")
    first, second = fake.requests
    assert isinstance(first, RecordedRequest)
    assert first.method == "POST"
    assert first.path == "/bot123/sendMessage"
    assert first.query == {"chat_id": ["7"], "tag": ["a", "b"], "empty": [""]}
    assert first.headers["x-api-key"] == "k1"
    assert first.headers["X-API-KEY"] == "k1"
    assert first.headers["content-type"] == "application/json"
    assert first.json == {"text": "你好"}
    assert json.loads(first.body) == {"text": "你好"}
    assert first.target == "/bot123/sendMessage?chat_id=7&tag=a&tag=b&empty="
    assert before <= first.received_at <= second.received_at <= time.monotonic()
    assert second.method == "PUT"
    assert second.body == b"\x00\x01not json"
    assert second.json is None


def test_requests_is_a_snapshot(fake, http):
    snapshot = fake.requests
    http.get(fake.url)
    assert snapshot == []
    assert len(fake.requests) == 1


def test_chunked_request_body_is_recorded(fake, http):
    http.post(f"{fake.url}/upload", data=iter([b"hello ", b"chunked ", b"world"]))
    (recorded,) = fake.requests
    assert recorded.headers["transfer-encoding"] == "chunked"
    assert recorded.body == b"hello chunked world"


def test_rules_apply_in_order_and_are_used_up(fake, http):
    fake.respond(201, json={"n": 1}, times=1)
    fake.fail(times=2)
    fake.respond(202, body="plain", headers={"Content-Type": "text/plain"}, times=1)
    statuses = [http.get(f"{fake.url}/x").status_code for _ in range(6)]
    assert statuses == [201, 500, 500, 202, 200, 200]  # then the default answer


def test_forever_rule_shadows_later_rules(fake, http):
    fake.respond(204)
    fake.respond(500, times=1)
    assert [http.get(fake.url).status_code for _ in range(3)] == [204, 204, 204]


def test_rules_match_on_method_and_path_prefix(fake, http):
    fake.respond(201, json={"created": True}, method="post", path="/api/items")
    fake.respond(404, json={"error": "nope"}, path="/api/missing")
    assert http.post(f"{fake.url}/api/items/1").status_code == 201
    assert http.get(f"{fake.url}/api/items/1").status_code == 200  # method differs: default answer
    assert http.delete(f"{fake.url}/api/missing/x").status_code == 404
    assert http.post(f"{fake.url}/api/other").status_code == 200
    assert http.get(f"{fake.url}/api/items?x=1").status_code == 200  # query is not part of the path


def test_fail_answers_status_with_json_error(fake, http):
    fake.fail(times=1, status=502)
    response = http.get(fake.url)
    assert response.status_code == 502
    assert response.json() == {"error": "injected failure", "status": 502}
    assert http.get(fake.url).status_code == 200


def test_throttle_sets_retry_after(fake, http):
    fake.throttle(times=1, retry_after=3)
    fake.throttle(times=1, retry_after=1.5, status=503, json_body={"parameters": {"retry_after": 1.5}})
    first = http.get(fake.url)
    assert (first.status_code, first.headers["Retry-After"], first.json()) == (429, "3", {"retry_after": 3})
    second = http.get(fake.url)
    assert (second.status_code, second.headers["Retry-After"]) == (503, "1.5")
    assert second.json() == {"parameters": {"retry_after": 1.5}}
    assert http.get(fake.url).status_code == 200


def test_redirect(fake, http):
    fake.redirect("http://169.254.169.254/latest/meta-data/", status=301)
    response = http.get(fake.url, allow_redirects=False)
    assert response.status_code == 301
    assert response.headers["Location"] == "http://169.254.169.254/latest/meta-data/"
    assert http.get(fake.url).status_code == 200


def test_respond_with_function_sees_the_request(fake, http):
    def echo(request: RecordedRequest):
        return 200, {"X-Echo-Method": request.method}, request.body[::-1]

    fake.respond_with(echo, path="/echo")
    response = http.post(f"{fake.url}/echo", data=b"abc")
    assert (response.content, response.headers["X-Echo-Method"]) == (b"cba", "POST")
    assert http.post(f"{fake.url}/other", data=b"abc").json() == {"ok": True}


def test_respond_with_streamed_body(fake, http):
    fake.respond_with(lambda _r: (200, {"Content-Type": "text/plain"}, (str(i).encode() for i in range(5))))
    response = http.get(fake.url)
    assert response.headers["Transfer-Encoding"] == "chunked"
    assert response.content == b"01234"


def test_broken_responder_becomes_a_500(fake, http):
    def broken(_request):
        raise RuntimeError("bug in test")

    fake.respond_with(broken, times=1)
    response = http.get(fake.url)
    assert response.status_code == 500
    assert "RuntimeError" in response.json()["error"]
    assert http.get(fake.url).status_code == 200  # the server survived


def test_head_has_no_body(fake, http):
    fake.respond(json={"big": "x" * 100})
    response = http.head(fake.url)
    assert response.status_code == 200
    assert response.content == b""
    assert int(response.headers["Content-Length"]) > 100


def test_reset_forgets_rules_and_requests(fake, http):
    fake.fail(times=None)
    http.get(fake.url)
    fake.reset()
    assert fake.requests == []
    assert http.get(fake.url).status_code == 200


def test_wait_for_returns_once_enough_requests_arrived(fake):
    def later():
        time.sleep(0.1)
        with requests.Session() as session:
            session.trust_env = False
            for _ in range(3):
                session.get(fake.url)

    thread = threading.Thread(target=later)
    thread.start()
    recorded = fake.wait_for(3, timeout=5)
    thread.join()
    assert len(recorded) == 3


def test_wait_for_times_out(fake):
    started = time.monotonic()
    with pytest.raises(TimeoutError, match="expected 1 request"):
        fake.wait_for(1, timeout=0.2)
    assert time.monotonic() - started < 1


def test_hang_delays_the_answer_and_is_recorded_at_once(fake, http):
    fake.hang(0.3, times=1)
    result: dict[str, float] = {}

    def call():
        started = time.monotonic()
        result["status"] = http.get(fake.url).status_code
        result["elapsed"] = time.monotonic() - started

    thread = threading.Thread(target=call)
    thread.start()
    assert len(fake.wait_for(1, timeout=2)) == 1  # visible before it is answered
    thread.join(timeout=5)
    assert result["status"] == 200
    assert result["elapsed"] >= 0.29
    started = time.monotonic()
    http.get(fake.url)  # times=1: the next one is immediate
    assert time.monotonic() - started < 0.25


def test_stop_does_not_wait_for_a_hanging_handler():
    provider = FakeProvider().start()
    provider.hang(60, times=None)
    errors: list[BaseException] = []

    def call():
        try:
            requests.get(provider.url, timeout=30)
        except requests.RequestException as e:
            errors.append(e)

    thread = threading.Thread(target=call)
    thread.start()
    provider.wait_for(1)
    started = time.monotonic()
    provider.stop()
    assert time.monotonic() - started < 1.0
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert len(errors) == 1  # the client saw the connection drop, not a 60 s hang


def test_stop_closes_idle_keep_alive_connections_and_is_idempotent(http):
    provider = FakeProvider().start()
    url = provider.url
    assert http.get(url).status_code == 200  # leaves a pooled keep-alive connection open
    started = time.monotonic()
    provider.stop()
    provider.stop()
    assert time.monotonic() - started < 1.0
    with pytest.raises(requests.ConnectionError):
        http.get(url, timeout=2)
    with pytest.raises(RuntimeError):
        _ = provider.url


def test_rule_arguments_are_validated(fake):
    with pytest.raises(ValueError, match="times"):
        fake.respond(times=0)
    with pytest.raises(ValueError, match="json or body"):
        fake.respond(json={"a": 1}, body=b"x")


def test_concurrent_clients_at_hundreds_of_requests_per_second(fake):
    """8 pooled clients x 60 requests: every one answered, recorded once, with rules consumed exactly."""
    fake.fail(times=40, status=503, path="/busy")
    clients, per_client = 8, 60

    def worker(index: int) -> list[int]:
        with requests.Session() as session:
            session.trust_env = False
            path = "/busy" if index % 2 else "/free"
            return [session.post(f"{fake.url}{path}", json={"i": index, "n": n}).status_code for n in range(per_client)]

    started = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        statuses = [status for result in pool.map(worker, range(clients)) for status in result]
    elapsed = time.monotonic() - started
    rate = len(statuses) / elapsed

    assert len(statuses) == clients * per_client
    assert statuses.count(503) == 40  # a counted rule is consumed exactly, even under concurrency
    assert statuses.count(200) == clients * per_client - 40
    assert len(fake.requests) == clients * per_client
    assert {(r.json["i"], r.json["n"]) for r in fake.requests} == {
        (i, n) for i in range(clients) for n in range(per_client)
    }
    assert rate > 200, f"only {rate:.0f} requests/s"
