"""Where a visitor is: trusted CDN headers, else an offline IP-to-country lookup."""

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
