"""Forwarding throughput: KOOK messages per second through the local stack into a fake receiver, next to the raw
POST rate to the same receiver, measured in the same run.

What is measured
    The local stack (`python -m devstack up --only kook`, moto in-process, `--sqs-retry-delay 0`) runs the real
    pipeline: KOOK webhook → WebhookFunction → ingest FIFO queue → RouterFunction → Telegram FIFO queue →
    TelegramSenderFunction → a FakeProvider playing the Telegram Bot API. `--messages` webhook events (plain
    JSON, as with `?compress=0`) are posted by `--clients` threads, spread over `--targets` KOOK channels, each
    mapped to its own Telegram chat (one FIFO message group per target: targets are delivered in parallel,
    each in order). The clock runs from the first webhook POST to the receiver's last sendMessage.

    Next to it, in the same run and against the same receiver: the raw rate of POSTing the same sendMessage
    request, with one client and with `--clients` clients (pooled connections). The ratio tells how much of
    the receiver's capacity the pipeline uses; on one machine the pipeline's numbers include moto, every
    Lambda worker process and the gateway, all sharing the CPU.

Per-target pacing (system-config `telegram_rate_limit_per_second`, 30/s by default) caps one target at 30/s;
spread the load over several targets to measure the pipeline rather than the pacing.

    .venv/bin/python bench/forwarding_throughput.py [--messages 200] [--targets 4] [--clients 4]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import machine
import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from devstack.fake_provider import FakeProvider  # noqa: E402
from tests.support.devstack_process import DevStackProcess, wait_until  # noqa: E402

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"  # noqa: S105  (a fake bot token)
VERIFY_TOKEN = "bench-verify-token"  # noqa: S105  (a fake verify token)


def raw_rate(url: str, count: int, clients: int) -> float:
    """sendMessage POSTs per second straight to the receiver."""
    payload = {"chat_id": "-1", "text": "<b>bench</b>: raw", "parse_mode": "HTML"}
    sessions = threading.local()

    def post(_index: int) -> None:
        if not hasattr(sessions, "session"):
            sessions.session = requests.Session()
        sessions.session.post(f"{url}/bot{TOKEN}/sendMessage", json=payload, timeout=30).raise_for_status()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(post, range(count)))
    return count / (time.perf_counter() - started)


def configure(base: str, targets: int) -> tuple[requests.Session, int]:
    session = requests.Session()
    session.post(f"{base}/auth/setup", json={"password": "bench-pass-1"}, timeout=30).raise_for_status()
    token = session.post(f"{base}/api/auth/login", json={"password": "bench-pass-1"}, timeout=30).json()["token"]
    session.headers["X-API-Token"] = token
    account = session.post(f"{base}/api/accounts", json={"email": "bench@example.com", "bot_token": "1/bench",
                                                         "verify_token": VERIFY_TOKEN}, timeout=30).json()
    session.post(f"{base}/api/accounts/{account['account_id']}/start", timeout=30).raise_for_status()
    for index in range(targets):
        bot = session.post(f"{base}/api/bots", json={"platform": "telegram", "name": f"bench-{index}",
                                                     "config": {"bot_token": TOKEN, "chat_id": f"-{1000 + index}"}},
                           timeout=30).json()
        session.post(f"{base}/api/mappings", json={"kook_channel_id": str(9000 + index),
                                                   "target_bot_id": bot["bot_id"]}, timeout=30).raise_for_status()
    return session, int(account["account_id"])


def event(index: int, targets: int) -> bytes:
    return json.dumps({"s": 0, "sn": index, "d": {
        "channel_type": "GROUP", "type": 9, "target_id": str(9000 + index % targets), "author_id": "42",
        "content": f"**bench** message {index} <&>", "msg_id": f"bench-{index:06d}", "msg_timestamp": index,
        "verify_token": VERIFY_TOKEN,
        "extra": {"type": 9, "guild_id": "1", "channel_name": "bench",
                  "author": {"id": "42", "username": "bench", "nickname": "bench"}}}}).encode()


def pipeline_rate(base: str, account_id: int, receiver: FakeProvider, *, first: int, count: int, targets: int,
                  clients: int) -> tuple[float, float]:
    """(end-to-end messages per second, webhook accepts per second) for messages first .. first+count-1."""
    already = len(receiver.requests)
    sessions = threading.local()

    def post(index: int) -> None:
        if not hasattr(sessions, "session"):
            sessions.session = requests.Session()
        answer = sessions.session.post(f"{base}/kook/webhook/{account_id}?compress=0", data=event(index, targets),
                                       headers={"Content-Type": "application/json"}, timeout=30)
        answer.raise_for_status()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(post, range(first, first + count)))
    accepted = time.perf_counter() - started
    wait_until(lambda: len(receiver.requests) - already >= count, timeout=300, interval=0.05,
               message=f"{count} messages at the receiver")
    return count / (time.perf_counter() - started), count / accepted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--targets", type=int, default=4)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    load_before = machine.load_average()
    with FakeProvider() as receiver, FakeProvider() as kook, tempfile.TemporaryDirectory() as workdir:
        kook.respond(json={"code": 0, "data": {"id": "bench-bot", "username": "bench", "bot": True}},
                     path="/api/v3/user/me")
        receiver.respond(json={"ok": True, "result": {"message_id": 1}})
        stack = DevStackProcess(REPO / "template.yaml", Path(workdir), "--only", "kook", "--no-schedules",
                                "--sqs-retry-delay", "0", "--quiet", "--env", f"TELEGRAM_BASE_URL={receiver.url}",
                                "--env", f"KOOK_BASE_URL={kook.url}").start()
        try:
            base = stack.url("kook")
            _session, account_id = configure(base, args.targets)
            warm = max(10, args.targets * 2)  # cold starts of every function are not part of the rate
            pipeline_rate(base, account_id, receiver, first=0, count=warm, targets=args.targets, clients=args.clients)
            raw_one = raw_rate(receiver.url, args.messages, 1)
            raw_many = raw_rate(receiver.url, args.messages, args.clients)
            end_to_end, accepts = pipeline_rate(base, account_id, receiver, first=warm, count=args.messages,
                                                targets=args.targets, clients=args.clients)
        finally:
            stack.stop()
    rows = [
        ("raw POST to the receiver, 1 client", raw_one),
        (f"raw POST to the receiver, {args.clients} clients", raw_many),
        (f"webhook accepted (POST /kook/webhook, {args.clients} clients)", accepts),
        (f"pipeline end to end ({args.targets} targets)", end_to_end),
    ]
    width = max(len(name) for name, _rate in rows)
    print(f"\n{'measure':<{width}}  {'msg/s':>8}  {'vs raw 1 client':>15}")
    print("-" * (width + 27))
    for name, rate in rows:
        print(f"{name:<{width}}  {rate:>8.1f}  {rate / raw_one:>14.2f}x")
    run = machine.describe((load_before, machine.load_average()))
    print(f"\n{args.messages} messages per measure; {run['python']} on {run['machine']}, {run['cpus']} CPUs, "
          f"load average before / after {run['load_average_before']} / {run['load_average_after']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
