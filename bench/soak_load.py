"""The soak's load and the other system: the loopback HTTP system the request steps reach (it records
every call it receives), wrk posting consent records, staff recording requests, and the sampler
timing decisions. Used by soak_bench.py.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import subprocess
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import Message
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar

import httpx

SYSTEM = "soak-http"  # the other system the requests reach, and its connector
SYSTEM_SECRET = "soak-benchmark-shared-secret-" + "h" * 24
ANSWERS: dict[str, dict[str, Any]] = {
    "export": {"tables": [{"name": "tickets", "category": "contact", "rows": [{"subject": "Where is my invoice?"}]}]},
    "erase": {"erased": ["tickets"], "kept": []},
}
SAMPLE_EVERY = 0.02  # seconds between the sampler's decision calls: a probe, not a load of its own


# The other system, on loopback.


@dataclass(frozen=True)
class Call:
    action: str
    step: str  # the step reference the toolkit names (`request` in the body)
    signed: bool


class LoopbackSystem(BaseHTTPRequestHandler):
    """Records every call (action, the step it names, whether the signature verifies) and answers
    200 at once with a valid answer."""

    calls: ClassVar[list[Call]] = []
    lock: ClassVar[threading.Lock] = threading.Lock()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        message = json.loads(body)
        call = Call(str(message.get("action")), str(message.get("request")), signed(self.headers, body))
        with self.lock:
            self.calls.append(call)
        answer = json.dumps(ANSWERS.get(call.action, {})).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: Any) -> None:
        pass

    @classmethod
    def taken(cls) -> list[Call]:
        """The calls received since the last time, and a fresh log."""
        with cls.lock:
            calls = list(cls.calls)
            cls.calls.clear()
        return calls


def signed(headers: Message, body: bytes) -> bool:
    timestamp = headers.get("x-privacy-timestamp", "")
    mac = hmac.new(SYSTEM_SECRET.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return hmac.compare_digest(f"sha256={mac.hexdigest()}", headers.get("x-privacy-signature", ""))


# The load.


@dataclass(frozen=True)
class Wrk:
    requests: int
    errors: int  # answers other than 2xx or 3xx
    socket_errors: int
    p99: float  # ms

    @property
    def acknowledged(self) -> int:
        return self.requests - self.errors


def wrk_start(url: str, connections: int, seconds: int, *extra: str) -> subprocess.Popen[str]:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency", *extra, url]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wrk_result(process: subprocess.Popen[str]) -> Wrk:
    output, _ = process.communicate()
    requests = re.search(r"(\d+) requests in", output)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    assert requests and p99, output
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    value, unit = float(p99.group(1)), p99.group(2)
    return Wrk(
        requests=int(requests.group(1)),
        errors=int(errors.group(1)) if errors else 0,
        socket_errors=sum(int(n) for n in sockets.groups()) if sockets else 0,
        p99=value / 1000 if unit == "us" else value * 1000 if unit == "s" else value,
    )


@dataclass
class Intake:
    """Staff record requests at a steady rate, access and erasure in turns, each for a person of its
    own, on the two instances in turns."""

    apis: list[str]
    token: str
    every: float
    tag: str
    ids: dict[str, str] = field(default_factory=dict)  # request id -> type
    refused: list[str] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        began = time.perf_counter()
        with httpx.Client(timeout=30, headers={"authorization": f"Bearer {self.token}"}) as client:
            for number in itertools.count():
                if self.stopping.wait(max(0.0, began + number * self.every - time.perf_counter())):
                    return
                self.record(client, number)

    def record(self, client: httpx.Client, number: int) -> None:
        kind = "access" if number % 2 == 0 else "erasure"
        body = {
            "type": kind,
            "email": f"soak-{self.tag}-{number}@example.org",
            "received_at": (datetime.now(UTC) - timedelta(seconds=1)).isoformat(),
            "channel": "email",
            "verification": "soak benchmark: identity checked by the bench",
        }
        try:
            answer = client.post(f"{self.apis[number % 2]}/api/v1/admin/requests", json=body)
        except httpx.HTTPError as error:
            self.refused.append(f"request {number}: {type(error).__name__}")
            return
        if answer.status_code == 201:
            self.ids[answer.json()["id"]] = kind
        else:
            self.refused.append(f"request {number}: {answer.status_code} {answer.text[:200]}")


@dataclass
class Sampler:
    """Asks for a decision on the two instances in turns, one call at a time with a pause between,
    timing each: the decision's latency as a visitor sees it while the soak runs."""

    apis: list[str]
    latencies: list[float] = field(default_factory=list)  # ms
    errors: list[str] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        with httpx.Client(timeout=10) as client:
            for number in itertools.count():
                if self.stopping.wait(SAMPLE_EVERY):
                    return
                self.sample(client, f"{self.apis[number % 2]}/api/v1/consent/decision?site=www")

    def sample(self, client: httpx.Client, url: str) -> None:
        began = time.perf_counter()
        try:
            answer = client.get(url)
        except httpx.HTTPError as error:
            self.errors.append(f"decision: {type(error).__name__}")
            return
        self.latencies.append((time.perf_counter() - began) * 1000)
        if answer.status_code != 200:
            self.errors.append(f"decision: {answer.status_code}")
