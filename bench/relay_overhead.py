"""What the relay's proxy adds to an LLM call, beside LiteLLM's proxy, on one fake upstream, in one run.

Three targets answer the same OpenAI Chat Completions request from the same fake upstream (devstack/fake_llm.py,
its own process): the upstream called directly, the relay, and LiteLLM's proxy (`litellm --config`, in its own
venv: `make bench-relay` creates .venv-litellm). The relay is the real pipeline: the local stack (`python -m
devstack up --only relay`: moto as a local server for DynamoDB, KMS and SQS, the Lambda emulation) serving the
proxy app under uvicorn on its Function URL port (what the Lambda Web Adapter runs), called with an `sk-` key made
through the user API, against an upstream account made through the admin API (credentials sealed with KMS): key
lookup, limits, concurrency slots, the account pool and one usage event per request (written by the usage worker
while the benchmark runs). Requests are sequential over keep-alive connections and interleaved (direct, relay,
litellm, direct, ...) so that noise hits every target alike:

- non-streaming: latency p50/p95 of the whole answer;
- streaming: time to first byte (the first SSE event) p50/p95.

"added" is the target's percentile minus the direct call's. A second table (`--paths`, on by default) measures a
slow stream (events 0.25 s apart, a second fake upstream) through the same local stack by the two ways a client
can reach the relay: API Gateway's route (locally streamed, buffered by Mangum in AWS: its buffered figure is the
Mangum handler invoked through the Lambda emulation) and the Function URL.

    python bench/relay_overhead.py --litellm .venv-litellm/bin/litellm [--requests 200] [--json out.json]

Every server listens on 127.0.0.1; loops are bounded.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.machine import describe, load_average

REPO = Path(__file__).resolve().parent.parent
MODEL = "gpt-4o"
BODY = {"model": MODEL, "max_tokens": 32, "messages": [{"role": "user", "content": "Say hello."}]}
RELAY_NOTE = ("relay: the local stack's Function URL (the proxy app under uvicorn) with the whole pipeline - an sk- "
              "key, limits, concurrency slots, the account pool, a usage event per request - on moto as a local "
              "server")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, process: subprocess.Popen[Any], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {process.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(url, timeout=1)
            return
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout}s")


@contextlib.contextmanager
def server(command: list[str], ready_url: str, *, env: dict[str, str] | None = None,
           log: Path | None = None) -> Iterator[subprocess.Popen[Any]]:
    output = log.open("wb") if log else subprocess.DEVNULL
    process = subprocess.Popen(command, cwd=REPO, env={**os.environ, **(env or {})}, stdout=output,
                               stderr=subprocess.STDOUT)
    try:
        wait_http(ready_url, process)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        if log:
            output.close()  # type: ignore[union-attr]


def fake_llm(chunk_delay: float, workdir: Path) -> contextlib.AbstractContextManager[Any]:
    port = free_port()
    return server([sys.executable, "-m", "devstack.fake_llm", "--port", str(port), "--chunk-delay", str(chunk_delay)],
                  f"http://127.0.0.1:{port}/v1/models", log=workdir / f"fake-{port}.log")


@contextlib.contextmanager
def local_relay(upstreams: list[str], workdir: Path) -> Iterator[Any]:
    """The local stack with the relay only, trusting the fake upstreams, its seeded admin signed in."""
    from tests.support.devstack_process import DevStackProcess  # noqa: PLC0415
    from tests.support.relay_local import LocalRelay  # noqa: PLC0415

    (workdir / "devstack").mkdir(exist_ok=True)
    stack = DevStackProcess(REPO / "template.yaml", workdir / "devstack", "--only", "relay", "--no-schedules",
                            "--env", f"RELAY_TRUSTED_ORIGINS={','.join(upstreams)}").start()
    try:
        yield LocalRelay(stack)
    finally:
        stack.stop()


def relay_key(relay: Any, fast_upstream: str, slow_upstream: str) -> str:
    """An OpenAI account on the fast upstream, a Claude account on the slow one, a user and an sk- key (through
    the API, as an operator would make them). The key's per-minute limit is its highest, so the benchmark's
    rate is not refused."""
    relay.account(type="openai", base_url=fast_upstream, api_key="sk-upstream", max_concurrency=100)
    relay.account(type="claude-console", base_url=slow_upstream, api_key="sk-ant-upstream", max_concurrency=100)
    return relay.key(relay.user(max_concurrency=100), rate_limit=100000)


def litellm_proxy(executable: str, upstream: str, workdir: Path) -> contextlib.AbstractContextManager[Any]:
    port = free_port()
    config = workdir / "litellm.yaml"
    config.write_text(
        "model_list:\n"
        f"  - model_name: {MODEL}\n"
        "    litellm_params:\n"
        f"      model: openai/{MODEL}\n"
        f"      api_base: {upstream}/v1\n"
        "      api_key: sk-upstream\n"
        "litellm_settings:\n"
        "  telemetry: false\n", encoding="utf-8")
    env = {"LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_TELEMETRY": "False", "LITELLM_LOG": "ERROR",
           "NO_PROXY": "*", "no_proxy": "*"}
    return server([executable, "--config", str(config), "--host", "127.0.0.1", "--port", str(port),
                   "--num_workers", "1"], f"http://127.0.0.1:{port}/health/liveliness", env=env,
                  log=workdir / "litellm.log")


# ------------------------------------------------------------------------------------------------ measuring

def timed_call(client: httpx.Client, url: str, *, stream: bool, key: str = "sk-bench") -> float:
    """Seconds to the whole answer (stream=False) or to the first SSE event (stream=True)."""
    body = {**BODY, "stream": True} if stream else BODY
    start = time.perf_counter()
    with client.stream("POST", url, json=body, headers={"authorization": f"Bearer {key}"}) as answer:
        if answer.status_code != 200:
            raise RuntimeError(f"{url}: {answer.status_code} {answer.read()[:300]!r}")
        if not stream:
            answer.read()
            return time.perf_counter() - start
        first = None
        for chunk in answer.iter_raw():
            if first is None and b"data:" in chunk:
                first = time.perf_counter() - start
        if first is None:
            raise RuntimeError(f"{url}: no SSE event")
        return first


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def measure(targets: dict[str, str], *, stream: bool, requests: int, warmup: int,
            keys: dict[str, str]) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {name: [] for name in targets}
    with httpx.Client(timeout=60, trust_env=False) as client:
        for _ in range(warmup):
            for name, url in targets.items():
                timed_call(client, url, stream=stream, key=keys.get(name, "sk-bench"))
        for _ in range(requests):
            for name, url in targets.items():
                samples[name].append(timed_call(client, url, stream=stream, key=keys.get(name, "sk-bench")) * 1000)
    return samples


def summary(samples: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    base = samples["direct"]
    out = {}
    for name, values in samples.items():
        p50, p95 = statistics.median(values), percentile(values, 0.95)
        out[name] = {"p50": p50, "p95": p95, "added_p50": p50 - statistics.median(base),
                     "added_p95": p95 - percentile(base, 0.95), "n": len(values)}
    return out


def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Both tables from one local stack: the fast fake serves the overhead table, the slow one the paths table."""
    with contextlib.ExitStack() as stack:
        stack.enter_context(fake_llm(0.0, workdir))
        fast = _last_fake_url(workdir)
        stack.enter_context(fake_llm(0.25, workdir))
        slow = _last_fake_url(workdir)
        relay = stack.enter_context(local_relay([fast, slow], workdir))
        key = relay_key(relay, fast, slow)
        function_url = relay.stack.status["function_urls"]["relay.ProxyStreamFunction"]
        targets = {"direct": f"{fast}/v1/chat/completions", "relay": f"{function_url}/openai/v1/chat/completions"}
        if args.litellm:
            lite = stack.enter_context(litellm_proxy(args.litellm, fast, workdir))
            targets["litellm"] = f"{_url_of(lite)}/v1/chat/completions"
        keys = {"relay": key}
        whole = measure(targets, stream=False, requests=args.requests, warmup=args.warmup, keys=keys)
        first = measure(targets, stream=True, requests=args.requests, warmup=args.warmup, keys=keys)
        report: dict[str, Any] = {"overhead": {"non_streaming_ms": summary(whole),
                                               "time_to_first_byte_ms": summary(first)}}
        if args.paths:
            report["paths"] = paths(args, relay.stack, key)
    return report


def _url_of(process: subprocess.Popen[Any]) -> str:
    arguments = process.args if isinstance(process.args, list) else []
    port = arguments[arguments.index("--port") + 1]
    return f"http://127.0.0.1:{port}"


def _last_fake_url(workdir: Path) -> str:
    logs = sorted(workdir.glob("fake-*.log"), key=lambda p: p.stat().st_mtime)
    return f"http://127.0.0.1:{logs[-1].stem.split('-', 1)[1]}"


# ------------------------------------------------------------------------------------------------ the two paths

def paths(args: argparse.Namespace, stack: Any, key: str) -> dict[str, Any]:
    """A stream of ~8 events 0.25 s apart through the local stack: streamed (gateway route, Function URL) and
    buffered (the Mangum handler through the Lambda emulation, as API Gateway runs it in AWS)."""
    results: dict[str, list[tuple[float, float]]] = {"gateway route (local: streamed)": [],
                                                     "Function URL (streamed)": [],
                                                     "API Gateway + Mangum (buffered)": []}
    body = {"model": "claude-sonnet-4-5", "max_tokens": 32, "stream": True,
            "messages": [{"role": "user", "content": "hi"}]}
    headers = {"x-api-key": key}
    event = json.loads((REPO / "events" / "relay" / "proxy.json").read_text())
    event["body"] = json.dumps(body)
    event["headers"]["x-api-key"] = key
    urls = {"gateway route (local: streamed)": stack.url("relay"),
            "Function URL (streamed)": stack.status["function_urls"]["relay.ProxyStreamFunction"]}
    with httpx.Client(timeout=60, trust_env=False) as client:
        for round_ in range(args.path_requests + 1):
            for name, base in urls.items():
                start = time.perf_counter()
                first = None
                with client.stream("POST", base + "/claude/v1/messages", json=body, headers=headers) as answer:
                    for chunk in answer.iter_raw():
                        if first is None and b"data:" in chunk:
                            first = time.perf_counter() - start
                if round_:
                    results[name].append((first or 0.0, time.perf_counter() - start))
            start = time.perf_counter()
            answer = client.post(f"{stack.control}/functions/relay.ProxyFunction/invoke", json=event).json()
            total = time.perf_counter() - start
            if answer.get("result", {}).get("statusCode") != 200:
                raise RuntimeError(f"buffered path failed: {str(answer)[:300]}")
            if round_:
                results["API Gateway + Mangum (buffered)"].append((total, total))
    return {name: {"ttfb_p50": statistics.median(v[0] for v in values) * 1000,
                   "total_p50": statistics.median(v[1] for v in values) * 1000, "n": len(values)}
            for name, values in results.items()}


# ------------------------------------------------------------------------------------------------ reporting

def print_tables(report: dict[str, Any]) -> None:
    whole, first = report["overhead"]["non_streaming_ms"], report["overhead"]["time_to_first_byte_ms"]
    print(f"\nProxy overhead on one fake upstream (OpenAI Chat Completions, sequential, n={whole['direct']['n']} "
          f"per target; {RELAY_NOTE})\n")
    print("| target | latency p50 ms | p95 ms | added p50 | added p95 | TTFB p50 ms | p95 ms | added p50 | added p95 |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in whole:
        w, f = whole[name], first[name]
        print(f"| {name} | {w['p50']:.2f} | {w['p95']:.2f} | {w['added_p50']:+.2f} | {w['added_p95']:+.2f} "
              f"| {f['p50']:.2f} | {f['p95']:.2f} | {f['added_p50']:+.2f} | {f['added_p95']:+.2f} |")
    if report.get("paths"):
        print("\nA slow stream (events 0.25 s apart) through the local stack: which path a client should use\n")
        print("| path | first byte p50 ms | whole answer p50 ms | n |")
        print("|---|---:|---:|---:|")
        for name, row in report["paths"].items():
            print(f"| {name} | {row['ttfb_p50']:.0f} | {row['total_p50']:.0f} | {row['n']} |")
    machine = report["machine"]
    print(f"\n{machine['python']} on {machine['machine']}, {machine['cpus']} CPUs, load average "
          f"{machine['load_average_before']} → {machine['load_average_after']}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--litellm", help="the litellm executable (make bench-relay installs .venv-litellm)")
    parser.add_argument("--requests", type=int, default=200, help="measured requests per target and mode")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--no-paths", dest="paths", action="store_false", help="skip the local-stack paths table")
    parser.add_argument("--path-requests", type=int, default=5)
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args(argv)
    before = load_average()
    with tempfile.TemporaryDirectory(prefix="relay-bench-") as tmp:
        report = run(args, Path(tmp))
    report["machine"] = describe((before, load_average()))
    report["relay_note"] = RELAY_NOTE
    print_tables(report)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
