"""SpamAssassin's daemon (spamd), spoken to over the SPAMC protocol."""

from .client import SpamdClient, SpamdError, SpamdResult, SpamRule, spamd_client

__all__ = ["SpamRule", "SpamdClient", "SpamdError", "SpamdResult", "spamd_client"]
