"""Where a visitor is: trusted CDN headers, else an offline IP-to-country lookup; and the visitor's
address truncated before anything stores it."""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable, Mapping

import iptocc

from consent.schemas import LocationSource

# Header pairs (country, region) per CDN, read only when the operator says the CDN sets them.
CDN_HEADERS = {
    "cloudflare": ("cf-ipcountry", "cf-region-code"),
    "cloudfront": ("cloudfront-viewer-country", "cloudfront-viewer-country-region"),
    "vercel": ("x-vercel-ip-country", "x-vercel-ip-country-region"),
}
UNKNOWN_COUNTRIES = {"XX", "T1", "A1", "A2", "O1", ""}


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
            return hop if _parses(hop) else None
    return peer


def _parses(address: str) -> bool:
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


def locate(
    headers: Mapping[str, str], address: str | None, trusted_cdns: Iterable[str]
) -> tuple[str | None, str | None, LocationSource]:
    """(country, region, source); the country is None when unknown."""
    for cdn in trusted_cdns:
        country_header, region_header = CDN_HEADERS[cdn]
        country = headers.get(country_header, "").strip().upper()
        if country:
            if country in UNKNOWN_COUNTRIES or len(country) != 2:
                return None, None, "unknown"
            region = headers.get(region_header, "").strip().upper()[:3] or None
            return country, region, "cdn"
    found = _country_of_address(address) if address is not None else None
    return (found, None, "ip") if found else (None, None, "unknown")


@functools.lru_cache(maxsize=16384)  # returning visitors come from the same few addresses
def _country_of_address(address: str) -> str | None:
    try:
        if not ipaddress.ip_address(address).is_global:
            return None
    except ValueError:
        return None
    found = iptocc.country_code(address)
    return str(found) if found else None


def truncate_ip(address: str | None) -> str | None:
    """IPv4 to its first two octets, IPv6 to its first 48 bits."""
    if address is None or not _parses(address):
        return None
    parsed = ipaddress.ip_address(address)
    prefix = 16 if parsed.version == 4 else 48
    return str(ipaddress.ip_network(f"{parsed}/{prefix}", strict=False).network_address)
