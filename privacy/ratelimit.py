"""Public writes per client and minute.

A limit is declared where its routes are, as a guard: `@post("/records", guards=[CONSENT_RECORDS])`.
Routes naming the same limit share its count (the API and the HTML form of one action). Each
service process counts on its own, in memory: with N workers a client may get up to N times the
limit, and a restart forgets the counts. Addresses are held in memory only, never stored.

The check and the count happen in one step with no `await` between them, so concurrent requests
cannot all read "below the limit" before any of them counts (Litestar's RateLimitMiddleware reads
and writes its store across awaits, under a lock of its own per route)."""

from __future__ import annotations

import functools
import ipaddress
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from privacy.errors import TooManyRequests
from privacy.network import client_address
from privacy.settings import Settings

# How many clients each process remembers; beyond it, those idle longest are forgotten first.
MAX_TRACKED = 100_000


class Per(StrEnum):
    # One address; for IPv6 its /64, which a single machine can fill with addresses of its own.
    CLIENT = "client"
    # IPv4 /24, IPv6 /56: what one subscriber or server usually holds, so hopping between its
    # addresses gains nothing. A shared network (an office, a carrier's NAT) shares the count.
    NETWORK = "network"


PREFIXES = {(4, Per.CLIENT): 32, (4, Per.NETWORK): 24, (6, Per.CLIENT): 64, (6, Per.NETWORK): 56}


class RateLimiter:
    """A generic cell rate algorithm (GCRA) per key: up to `per_minute` at once, then one every
    60/`per_minute` seconds. One float per key; when the table is full, keys whose allowance is
    whole again are dropped, then those idle longest."""

    def __init__(self, *, max_tracked: int = MAX_TRACKED, clock: Callable[[], float] = time.monotonic) -> None:
        self._due: dict[tuple[str, str], float] = {}
        self._max_tracked = max_tracked
        self._clock = clock

    def take(self, bucket: str, key: str, *, per_minute: int) -> float | None:
        """Count one request, or answer how many seconds until one would be allowed (not counted).
        Synchronous on purpose: nothing else runs between the check and the count."""
        now = self._clock()
        interval = 60.0 / per_minute
        tolerance = 60.0 - interval
        slot = (bucket, key)
        due = max(self._due.pop(slot, now), now)
        if due - now > tolerance:
            self._due[slot] = due
            return due - now - tolerance
        self._due[slot] = due + interval  # re-inserted: the dict stays in order of last use
        if len(self._due) > self._max_tracked:
            self._forget(now)
        return None

    def _forget(self, now: float) -> None:
        for slot in [slot for slot, due in self._due.items() if due <= now]:
            del self._due[slot]
        excess = len(self._due) - self._max_tracked * 9 // 10
        for slot in list(self._due)[: max(excess, 0)]:
            del self._due[slot]


@dataclass(frozen=True)
class RateLimit:
    """A limit on the routes that name it as a guard. `setting` is the `Settings` field holding how
    many requests a client (or its network) may make per minute."""

    name: str
    setting: str
    per: Per = Per.CLIENT
    what: str = field(default="requests", compare=False)

    def __post_init__(self) -> None:
        if self.setting not in Settings.model_fields:
            raise ValueError(f"rate limit '{self.name}' names no setting '{self.setting}'")

    async def __call__(self, connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
        # No await in here: see the module's docstring.
        settings: Settings = connection.app.state.settings
        limiter: RateLimiter = connection.app.state.rate_limiter
        peer = connection.client.host if connection.client else None
        address = client_address(peer, connection.headers.get("x-forwarded-for"), settings.trusted_proxy_networks)
        wait = limiter.take(self.name, counted_as(address, self.per), per_minute=getattr(settings, self.setting))
        if wait is not None:
            source = "network" if self.per is Per.NETWORK else "address"
            raise TooManyRequests(
                f"too many {self.what} from your {source}; please try again later", retry_after=max(1, math.ceil(wait))
            )


def counted_as(address: str | None, per: Per) -> str:
    """The key an address is counted under: itself, or its network."""
    if address is None:
        return "unknown"
    return _key(address, per)


@functools.lru_cache(maxsize=4096)
def _key(address: str, per: Per) -> str:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        parsed = parsed.ipv4_mapped
    return str(ipaddress.ip_network(f"{parsed}/{PREFIXES[parsed.version, per]}", strict=False))
