"""The client's address behind proxies."""

from __future__ import annotations

from privacy.network import client_address, truncate_ip


def test_forwarded_for_is_honoured_only_from_trusted_proxies() -> None:
    trusted = ["10.0.0.0/8"]
    assert client_address("10.0.0.2", "81.2.69.160, 10.0.0.3", trusted) == "81.2.69.160"
    assert client_address("203.0.113.9", "81.2.69.160", trusted) == "203.0.113.9"
    assert client_address("10.0.0.2", "garbage", trusted) is None
    assert client_address("10.0.0.2", None, trusted) == "10.0.0.2"


def test_addresses_are_truncated_before_storage() -> None:
    assert truncate_ip("81.2.69.160") == "81.2.0.0"
    assert truncate_ip("2a00:1450:4001:81b::200e") == "2a00:1450:4001::"
    assert truncate_ip("not an address") is None
