"""Outbound HTTP to a URL a user chose (workflow webhooks, lead homepages), guarded against SSRF.

A user chooses the URL, so the server must not become a proxy into its own network: every address
the host name resolves to is checked, and the socket actually connected is checked again (a name that
resolves to a public address first and a private one on the connect — DNS rebinding — is still
refused). Private, loopback, link-local, multicast, reserved and unspecified addresses are refused
unless the host is in the caller's ``allowed_hosts`` (a setting of the caller's, e.g.
``WORKFLOW_WEBHOOK_ALLOWED_HOSTS``). Moved here from apps/workflows by issue 20 so the homepage
reader of services/enrichment shares it.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

import requests
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


def host_allowed(host: str, allowed_hosts: Iterable[str]) -> bool:
    return host.lower().strip("[]") in {h.lower() for h in allowed_hosts}


def check_url(url: str, *, allowed_hosts: Iterable[str] = (), allowed_hosts_setting: str = "") -> None:
    """Raise BlockedAddressError for a URL whose host resolves to a forbidden address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise BlockedAddressError(f"only http and https URLs are allowed, not {parts.scheme or 'none'!r}.")
    host = parts.hostname
    if not host:
        raise BlockedAddressError("the URL has no host.")
    if host_allowed(host, allowed_hosts):
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
                f"{host!r} resolves to {address}, a private, loopback or link-local address"
                + (f"; add the host to {allowed_hosts_setting} to allow it." if allowed_hosts_setting else ".")
            )


class _GuardedMixin:
    allowed_hosts: frozenset[str] = frozenset()

    def connect(self):
        super().connect()
        if host_allowed(self.host, self.allowed_hosts):
            return
        peer = self.sock.getpeername()[0]
        if _is_forbidden(peer):
            self.sock.close()
            raise BlockedAddressError(f"{self.host!r} connected to {peer}, a forbidden address.")


def _pool_classes(allowed_hosts: frozenset[str]) -> dict:
    """Connection pools whose connections check their peer, knowing the caller's allowed hosts."""
    mixin = type("_Allowed", (_GuardedMixin,), {"allowed_hosts": allowed_hosts})
    http_connection = type("_GuardedHTTPConnection", (mixin, HTTPConnection), {})
    https_connection = type("_GuardedHTTPSConnection", (mixin, HTTPSConnection), {})
    return {
        "http": type("_GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http_connection}),
        "https": type("_GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https_connection}),
    }


class _GuardedAdapter(HTTPAdapter):
    def __init__(self, *args, allowed_hosts: frozenset[str] = frozenset(), **kwargs):
        self.allowed_hosts = allowed_hosts
        super().__init__(*args, **kwargs)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _pool_classes(self.allowed_hosts)


def guarded_session(*, allowed_hosts: Iterable[str] = ()) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # a proxy from the environment would hide the real destination
    adapter = _GuardedAdapter(max_retries=0, allowed_hosts=frozenset(h.lower() for h in allowed_hosts))
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def request(
    method: str, url: str, *, allowed_hosts: Iterable[str] = (), allowed_hosts_setting: str = "", **kwargs
) -> requests.Response:
    """One request, redirects not followed (a redirect could point anywhere: the caller checks it again)."""
    check_url(url, allowed_hosts=allowed_hosts, allowed_hosts_setting=allowed_hosts_setting)
    with guarded_session(allowed_hosts=allowed_hosts) as session:
        return session.request(method, url, allow_redirects=False, **kwargs)
