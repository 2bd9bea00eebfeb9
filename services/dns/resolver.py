"""A dnspython resolver built from settings (DNS_NAMESERVERS, DNS_PORT, DNS_TIMEOUT).

"No such record" is an answer (an empty list); a server that fails or does not answer is an error,
so a check never reports a record missing because the resolver was down.
"""

import dns.exception
import dns.resolver
from django.conf import settings


class DnsLookupError(Exception):
    """The name servers did not give an answer (timeout, SERVFAIL, refused)."""


def _resolver() -> dns.resolver.Resolver:
    nameservers = settings.DNS_NAMESERVERS
    resolver = dns.resolver.Resolver(configure=not nameservers)
    if nameservers:
        resolver.nameservers = nameservers
        resolver.port = settings.DNS_PORT
    resolver.lifetime = settings.DNS_TIMEOUT
    resolver.timeout = settings.DNS_TIMEOUT
    return resolver


def _query(name: str, rdtype: str):
    try:
        return _resolver().resolve(name, rdtype, raise_on_no_answer=False)
    except dns.resolver.NXDOMAIN:
        return None
    except (dns.exception.Timeout, dns.resolver.NoNameservers, dns.resolver.YXDOMAIN) as exc:
        raise DnsLookupError(f"{rdtype} {name}: {exc.__class__.__name__}") from exc


def lookup_txt(name: str) -> list[str]:
    """Every TXT record at the name, each one's strings joined (RFC 7208 §3.3)."""
    answer = _query(name, "TXT")
    if answer is None or answer.rrset is None:
        return []
    return [b"".join(record.strings).decode("utf-8", "replace") for record in answer]


def lookup_cname(name: str) -> str | None:
    """The CNAME target of the name, without the trailing dot; None when there is none."""
    answer = _query(name, "CNAME")
    if answer is None or answer.rrset is None:
        return None
    return str(answer.rrset[0].target).rstrip(".").lower()


def lookup_mx(name: str) -> list[str]:
    """The mail exchangers of a domain (lowest preference first), without trailing dots; [] for none."""
    answer = _query(name, "MX")
    if answer is None or answer.rrset is None:
        return []
    return [str(record.exchange).rstrip(".").lower() for record in sorted(answer, key=lambda r: r.preference)]
