"""DNS lookups (dnspython) against the configured name servers: TXT and CNAME records."""

from .resolver import DnsLookupError, lookup_cname, lookup_txt

__all__ = ["DnsLookupError", "lookup_cname", "lookup_txt"]
