"""Who is connecting: this machine in every form an address takes, and the visitor a trusted
proxy names (never one an untrusted connection claims)."""

from __future__ import annotations

import pytest

from kp_dash.store import network


@pytest.mark.parametrize(
    ("address", "local"),
    [
        ("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("[::1]", True),
        ("localhost", True), ("LOCALHOST", True),
        ("::ffff:127.0.0.1", True),  # how a dual-stack server sees a browser on 127.0.0.1
        ("::ffff:7f00:1", True),  # the same, written in hex
        ("::127.0.0.1", True),  # IPv4-compatible
        ("::ffff:192.168.1.4", False), ("::192.168.1.4", False), ("::ffff:0.0.0.0", False),
        ("::", False), ("0.0.0.0", False), ("192.168.1.4", False), ("203.0.113.9", False),
        ("fe80::1%eth0", False), ("2001:db8::1", False), ("128.0.0.1", False),
        ("example.org", False), ("", False), (None, False), ("127.0.0.1, 10.0.0.1", False),
    ],
)  # fmt: skip
def test_only_this_machine_is_local(address: str | None, local: bool) -> None:
    assert network.is_local(address) is local


def test_ipv4_inside_ipv6_reads_as_the_ipv4_address() -> None:
    assert str(network.parse("::ffff:10.1.2.3")) == "10.1.2.3"
    assert str(network.parse("::10.1.2.3")) == "10.1.2.3"
    assert str(network.parse("::1")) == "::1"  # IPv6's own loopback, not 0.0.0.1
    assert network.parse("not an address") is None


def test_the_trusted_proxies_are_read_from_the_setting() -> None:
    proxies = network.trusted_proxies("127.0.0.1, 10.0.0.0/8  ::1")
    assert [str(p) for p in proxies] == ["127.0.0.1/32", "10.0.0.0/8", "::1/128"]
    assert network.trusted_proxies("") == ()


def test_a_proxy_setting_with_a_typo_is_refused_naming_the_entry() -> None:
    with pytest.raises(ValueError, match=r"'10\.0\.0\.300'.*not an address"):
        network.trusted_proxies("127.0.0.1,10.0.0.300")


PROXY = network.trusted_proxies("10.0.0.1")


def test_a_trusted_proxy_names_the_visitor() -> None:
    assert network.visitor("10.0.0.1", "203.0.113.9", PROXY) == "203.0.113.9"
    assert network.visitor("::ffff:10.0.0.1", "203.0.113.9", PROXY) == "203.0.113.9"


def test_an_untrusted_connection_cannot_claim_to_be_this_machine() -> None:
    assert network.visitor("203.0.113.9", "127.0.0.1", PROXY) == "203.0.113.9"
    assert network.visitor("203.0.113.9", "127.0.0.1", ()) == "203.0.113.9"


def test_only_the_hop_the_proxy_saw_counts_not_what_the_client_wrote() -> None:
    # the client sent "127.0.0.1"; the proxy appended the address it saw
    assert network.visitor("10.0.0.1", "127.0.0.1, 203.0.113.9", PROXY) == "203.0.113.9"


def test_a_chain_of_trusted_proxies_is_walked_to_the_first_untrusted_hop() -> None:
    proxies = network.trusted_proxies("10.0.0.0/8")
    forwarded = "198.51.100.7, 203.0.113.9, 10.0.0.2"
    assert network.visitor("10.0.0.1", forwarded, proxies) == "203.0.113.9"
    assert network.visitor("10.0.0.1", "10.0.0.5", proxies) == "10.0.0.5"


def test_a_header_that_names_no_address_leaves_the_connection() -> None:
    assert network.visitor("10.0.0.1", "", PROXY) == "10.0.0.1"
    assert network.visitor("10.0.0.1", "unknown", PROXY) == "10.0.0.1"
    assert network.visitor("10.0.0.1", "127.0.0.1, garbage", PROXY) == "10.0.0.1"


def test_the_setting_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KP_DASH_TRUSTED_PROXIES", "10.0.0.1")
    assert network.visitor("10.0.0.1", "203.0.113.9") == "203.0.113.9"
    monkeypatch.delenv("KP_DASH_TRUSTED_PROXIES")
    assert network.visitor("10.0.0.1", "203.0.113.9") == "10.0.0.1"
