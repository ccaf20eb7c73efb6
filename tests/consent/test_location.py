"""Where a visitor is, and what is kept of their address."""

from __future__ import annotations

from consent.location import locate


def test_cdn_headers_count_only_when_trusted() -> None:
    headers = {"cf-ipcountry": "US", "cf-region-code": "CA", "cloudfront-viewer-country": "DE"}
    assert locate(headers, None, ["cloudflare"]) == ("US", "CA", "cdn")
    assert locate(headers, None, ["cloudfront"]) == ("DE", None, "cdn")
    assert locate(headers, None, []) == (None, None, "unknown")


def test_offline_lookup_and_private_addresses() -> None:
    assert locate({}, "81.2.69.160", []) == ("GB", None, "ip")
    assert locate({}, "192.168.1.20", []) == (None, None, "unknown")
    assert locate({}, "127.0.0.1", []) == (None, None, "unknown")
