"""Client addresses. ProxyFix (set up in the app factory from VOTING_TRUSTED_PROXIES)
has already replaced remote_addr with the trusted forwarded address, so this reads
only remote_addr and never the raw X-Forwarded-For header."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from flask import request


def client_ip() -> str:
    return request.remote_addr or "0.0.0.0"


def client_subject() -> str:
    """What the account limits count by: see `subject_of`."""
    return subject_of(client_ip())


@lru_cache(maxsize=4096)
def subject_of(ip: str) -> str:
    """An IPv4 address as it is; an IPv6 address's /64, since a single host
    commonly holds a whole /64 (SLAAC, privacy addresses) and could take a
    fresh address, with a fresh budget, for every attempt. An IPv4-mapped
    IPv6 address is its IPv4 address."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        return str(addr.ipv4_mapped)
    if addr.version == 4:
        return str(addr)
    return str(ipaddress.ip_network(f"{addr}/64", strict=False))


@lru_cache(maxsize=65536)  # every ballot asks; the parsing is dear next to a dict lookup
def network_prefix(ip: str) -> str:
    """The /24 (IPv4) or /64 (IPv6) network an address belongs to."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        addr = addr.ipv4_mapped
    bits = 24 if addr.version == 4 else 64
    return str(ipaddress.ip_network(f"{addr}/{bits}", strict=False))
