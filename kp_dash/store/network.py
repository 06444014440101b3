"""Who is connecting: whether an address is this machine, and whom a trusted proxy names.

A server that listens on every address (`streamlit run app.py` does) is dual-stack, so a browser
on `127.0.0.1` arrives as `::ffff:127.0.0.1`; Python's `is_loopback` says no to that form, so
IPv4 inside IPv6 is judged by the IPv4 address it carries. Behind a reverse proxy every
connection comes from the proxy: its `X-Forwarded-For` names the visitor, but only a proxy listed
in `KP_DASH_TRUSTED_PROXIES` is believed, since anyone can send the header.
"""

from __future__ import annotations

import ipaddress
import os

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
_LOW_32_BITS = 0xFFFFFFFF


def parse(text: str | None) -> Address | None:
    """The address in `text` (IPv4 or IPv6, brackets and zone ids allowed), IPv4 carried inside
    IPv6 unwrapped; None for anything that is not one address."""
    if not isinstance(text, str):
        return None
    cleaned = text.strip().removeprefix("[").removesuffix("]").split("%", 1)[0]
    try:
        address = ipaddress.ip_address(cleaned)
    except ValueError:
        return None
    return _unwrap(address)


def _unwrap(address: Address) -> Address:
    if isinstance(address, ipaddress.IPv4Address):
        return address
    if address.ipv4_mapped is not None:  # ::ffff:a.b.c.d
        return address.ipv4_mapped
    # ::a.b.c.d (IPv4-compatible, deprecated but still sent); :: and ::1 are IPv6's own
    if address in _IPV4_COMPATIBLE and int(address) > 1:
        return ipaddress.IPv4Address(int(address) & _LOW_32_BITS)
    return address


def is_local(text: str | None) -> bool:
    """True for this machine only: `::1`, `127.0.0.0/8` (also inside IPv6) and the loopback
    host names; anything else, an unreadable value included, is not."""
    if isinstance(text, str) and text.strip().lower() in LOOPBACK_NAMES:
        return True
    address = parse(text)
    return address is not None and address.is_loopback


def trusted_proxies(setting: str | None = None) -> tuple[Network, ...]:
    """The networks of `KP_DASH_TRUSTED_PROXIES` (addresses or CIDR blocks, separated by commas
    or spaces). An entry that is not an address is refused loudly: a typo must not silently trust
    nobody, or trust everybody."""
    value = os.environ.get("KP_DASH_TRUSTED_PROXIES", "") if setting is None else setting
    networks = []
    for entry in value.replace(",", " ").split():
        try:
            network = ipaddress.ip_network(entry.strip("[]"), strict=False)
        except ValueError as problem:
            raise ValueError(
                f"KP_DASH_TRUSTED_PROXIES: {entry!r} is not an address or network "
                "(write e.g. 127.0.0.1, 10.0.0.0/8 or ::1, separated by commas)"
            ) from problem
        networks.append(network)
    return tuple(networks)


def _trusted(address: Address | None, proxies: tuple[Network, ...]) -> bool:
    return address is not None and any(address in network for network in proxies)


def is_trusted_proxy(peer: str | None, proxies: tuple[Network, ...] | None = None) -> bool:
    """Whether the connection comes from a proxy of `KP_DASH_TRUSTED_PROXIES`, whose
    forwarding headers are believed."""
    return _trusted(parse(peer), trusted_proxies() if proxies is None else proxies)


def visitor(
    peer: str | None, forwarded_for: str | None, proxies: tuple[Network, ...] | None = None
) -> str | None:
    """The visitor's address: the connection's own (`peer`), unless that is a trusted proxy,
    in which case the nearest address in `X-Forwarded-For` that is not itself a trusted proxy
    (or the farthest, when every one is). Entries left of it were written by the client and
    prove nothing, and the chain is not read past an entry that is not an address."""
    proxies = trusted_proxies() if proxies is None else proxies
    if not forwarded_for or not _trusted(parse(peer), proxies):
        return peer
    nearest = peer
    for entry in reversed(forwarded_for.split(",")):
        address = parse(entry)
        if address is None:
            break  # a hop we cannot read: the chain is not believed beyond it
        nearest = str(address)
        if not _trusted(address, proxies):
            break
    return nearest
