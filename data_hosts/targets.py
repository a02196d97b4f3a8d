"""Where a webhook may be sent: no server-side request forgery through a subscription.

A target must be `https://` (plain http only while DEBUG is on or WEBHOOK_ALLOW_PRIVATE_TARGETS
says so), and every address its host name resolves to must be public: loopback,
private, link-local (cloud metadata at 169.254.169.254), multicast, reserved and
unspecified addresses are refused unless WEBHOOK_ALLOW_PRIVATE_TARGETS is on (a test
receiver, or a host on the same private network). The check runs when a subscription is
saved and again before every send, since a name can be made to resolve elsewhere later.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings


class UnsafeTarget(ValueError):
    """The target URL may not be used; the message says why."""


def check(url: str) -> None:
    parts = urlsplit(url)
    allow_private = settings.WEBHOOK_ALLOW_PRIVATE_TARGETS
    if parts.scheme != "https" and not (
        parts.scheme == "http" and (allow_private or settings.DEBUG)
    ):
        raise UnsafeTarget("The target must be an https:// URL.")
    if not parts.hostname:
        raise UnsafeTarget("The target URL has no host.")
    if parts.username or parts.password:
        raise UnsafeTarget("Put credentials in the signing secret, not in the URL.")
    if allow_private:
        return
    for address in _addresses(
        parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
    ):
        if not address.is_global or address.is_multicast:
            raise UnsafeTarget(f"The target resolves to {address}, which is not a public address.")


def _addresses(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise UnsafeTarget(f"The target's host name does not resolve: {host}") from exc
    return [ipaddress.ip_address(info[4][0]) for info in found]
