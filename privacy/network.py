"""Who is on the other end of a connection: the client's address behind trusted proxies, and that
address truncated before anything stores it."""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable


@functools.cache
def _networks(trusted_proxies: tuple[str, ...]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(proxy, strict=False) for proxy in trusted_proxies]


def client_address(peer: str | None, forwarded_for: str | None, trusted_proxies: Iterable[str]) -> str | None:
    """The visitor's address: the peer, or when the peer is a trusted proxy, the last address in
    X-Forwarded-For that is not itself a trusted proxy."""
    networks = _networks(tuple(trusted_proxies))  # the settings hand over a tuple: a cache hit
    if peer is None or not forwarded_for or not networks or not _within(peer, networks):
        return peer
    for hop in reversed([part.strip() for part in forwarded_for.split(",")]):
        if not _within(hop, networks):
            return hop if parses_as_address(hop) else None
    return peer


def parses_as_address(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def _within(address: str, networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in networks)


def truncate_ip(address: str | None) -> str | None:
    """IPv4 to its first two octets, IPv6 to its first 48 bits."""
    if address is None:
        return None
    octets = address.split(".")
    if len(octets) == 4 and all(_is_octet(octet) for octet in octets):
        # The common case without the cost of `ipaddress`: retention sweeps truncate millions of these.
        return f"{octets[0]}.{octets[1]}.0.0"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return None
    prefix = 16 if parsed.version == 4 else 48
    return str(ipaddress.ip_network(f"{parsed}/{prefix}", strict=False).network_address)


def _is_octet(text: str) -> bool:
    """As `ipaddress` reads an IPv4 octet: ASCII decimal, 0-255, no leading zero."""
    return 0 < len(text) <= 3 and text.isascii() and text.isdigit() and str(int(text)) == text and int(text) <= 255
