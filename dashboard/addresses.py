"""Which IP addresses count as public: the one rule for the webhooks' SSRF guard and CAR's UserIp check."""

from __future__ import annotations

import ipaddress


def is_public_ip(address: str) -> bool:
    """A globally routable unicast address: not loopback, private, link-local, shared (100.64.0.0/10, carrier
    NAT and some clouds' metadata services), reserved, multicast or unspecified. An IPv6 zone (`%eth0`) is
    ignored and an IPv4-mapped IPv6 address is judged as its IPv4 address. ValueError when it is no address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved)
