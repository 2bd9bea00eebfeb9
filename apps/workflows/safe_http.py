"""Outbound HTTP for webhook nodes, guarded against SSRF.

A workflow's owner chooses the URL, so the server must not become a proxy into its own network:
every address the host name resolves to is checked, and the socket actually connected is checked
again (a name that resolves to a public address first and a private one on the connect — DNS
rebinding — is still refused). Private, loopback, link-local, multicast, reserved and unspecified
addresses are refused unless the host is in ``settings.WORKFLOW_WEBHOOK_ALLOWED_HOSTS``.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


class BlockedAddressError(requests.exceptions.ConnectionError):
    """The URL points at an address a workflow may not reach."""


def _is_forbidden(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def host_allowed(host: str) -> bool:
    allowed = {h.lower() for h in getattr(settings, "WORKFLOW_WEBHOOK_ALLOWED_HOSTS", [])}
    return host.lower().strip("[]") in allowed


def check_url(url: str) -> None:
    """Raise BlockedAddressError for a URL whose host resolves to a forbidden address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise BlockedAddressError(f"only http and https URLs are allowed, not {parts.scheme or 'none'!r}.")
    host = parts.hostname
    if not host:
        raise BlockedAddressError("the URL has no host.")
    if host_allowed(host):
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise BlockedAddressError(f"bad port in URL: {exc}") from exc
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise requests.exceptions.ConnectionError(f"cannot resolve {host!r}: {exc}") from exc
    for info in infos:
        address = info[4][0]
        if _is_forbidden(address):
            raise BlockedAddressError(
                f"{host!r} resolves to {address}, a private, loopback or link-local address; "
                "add the host to WORKFLOW_WEBHOOK_ALLOWED_HOSTS to allow it."
            )


class _GuardedMixin:
    def connect(self):
        super().connect()
        if host_allowed(self.host):
            return
        peer = self.sock.getpeername()[0]
        if _is_forbidden(peer):
            self.sock.close()
            raise BlockedAddressError(f"{self.host!r} connected to {peer}, a forbidden address.")


class _GuardedHTTPConnection(_GuardedMixin, HTTPConnection):
    pass


class _GuardedHTTPSConnection(_GuardedMixin, HTTPSConnection):
    pass


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class _GuardedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _GuardedHTTPPool, "https": _GuardedHTTPSPool}


def guarded_session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # a proxy from the environment would hide the real destination
    adapter = _GuardedAdapter(max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def request(method: str, url: str, **kwargs) -> requests.Response:
    check_url(url)
    with guarded_session() as session:
        return session.request(method, url, allow_redirects=False, **kwargs)
