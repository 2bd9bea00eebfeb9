"""Machine opens and clicks: which events a person did not cause (the rule, in one place).

Machine events are stored like any other, flagged with the reason, and left out of the human open
and click counts and rates (and out of CampaignLeadResult.opened_at/clicked_at). The rule
(apps/tracking/README.md):

Opens
- user agent exactly ``Mozilla/5.0``: Apple Mail Privacy Protection prefetches every image through
  Apple's proxies with this bare agent, whether or not the mail is ever read;
- client IP inside Apple's network (settings.TRACKING_APPLE_PROXY_NETWORKS, 17.0.0.0/8 = AS714):
  the same proxies, whatever agent they send;
- ``GoogleImageProxy`` in the agent: Gmail's image cache fetched the pixel (DESIGN.md counts it as
  machine: the fetch happens on delivery for some accounts and is cached afterwards);
- the provider says so (SendGrid ``sg_machine_open``);
- a known scanner/bot agent or no agent at all (below).

Clicks
- a HEAD request: link checkers probe, browsers never send HEAD for a click;
- a known scanner/bot agent, or no agent (security gateways, link previewers, HTTP libraries);
- within settings.TRACKING_SCANNER_CLICK_SECONDS of delivery (or sending, when delivery is unknown):
  gateways fetch every link in the seconds after the message arrives; people do not click that fast.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from datetime import datetime

from django.conf import settings

from .models import TrackingEvent

Reason = TrackingEvent.MachineReason

APPLE_MPP_AGENT = "Mozilla/5.0"

# Security gateways, link scanners, previewers and HTTP libraries seen fetching links in mail.
_SCANNER_AGENT = re.compile(
    r"bot\b|spider|crawler|headlesschrome|phantomjs|python-requests|python-urllib|aiohttp|httpx|"
    r"go-http-client|curl/|wget/|libwww|java/|okhttp|apache-httpclient|"
    r"barracuda|mimecast|proofpoint|urldefense|messagelabs|symantec|ironport|cisco|fortinet|fortiguard|"
    r"trend ?micro|sophos|fireeye|trellix|zscaler|forcepoint|mailguard|hornet|spamtitan|"
    r"microsoft office protocol discovery|ms-office|safelinks|bingpreview|"
    r"slackbot|facebookexternalhit|linkedinbot|twitterbot|skypeuripreview|whatsapp|discordbot|"
    r"yahoomailproxy",
    re.IGNORECASE,
)


@functools.lru_cache(maxsize=8)
def _apple_networks(networks: tuple[str, ...]):
    return tuple(ipaddress.ip_network(n, strict=False) for n in networks)


def _in_apple_network(ip: str | None) -> bool:
    if not ip:
        return False
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address in net for net in _apple_networks(tuple(settings.TRACKING_APPLE_PROXY_NETWORKS)))


@functools.lru_cache(maxsize=4096)
def _scanner_agent(user_agent: str) -> bool:
    # Cached: a handful of agents make most requests, and the pattern is long.
    return not user_agent.strip() or _SCANNER_AGENT.search(user_agent) is not None


def open_machine_reason(*, user_agent: str, ip: str | None, provider_flag: bool = False) -> str:
    """Why an open was not a person, or "" for a human open."""
    if provider_flag:
        return Reason.PROVIDER_FLAG
    if user_agent == APPLE_MPP_AGENT or _in_apple_network(ip):
        return Reason.APPLE_MPP
    if "GoogleImageProxy" in user_agent:
        return Reason.GOOGLE_PROXY
    if _scanner_agent(user_agent):
        return Reason.SCANNER_AGENT
    return Reason.NONE


def click_machine_reason(*, user_agent: str, method: str = "GET") -> str:
    """What the request alone says about a click; the timing rule needs the result (click_too_soon)."""
    if method == "HEAD":
        return Reason.HEAD_REQUEST
    if user_agent == APPLE_MPP_AGENT or _scanner_agent(user_agent):
        return Reason.SCANNER_AGENT
    return Reason.NONE


def click_too_soon(*, clicked_at: datetime, sent_at: datetime | None, delivered_at: datetime | None) -> bool:
    """A click within TRACKING_SCANNER_CLICK_SECONDS of delivery (or of sending) is a scanner's."""
    reference = delivered_at or sent_at
    if reference is None:
        return False
    return (clicked_at - reference).total_seconds() < settings.TRACKING_SCANNER_CLICK_SECONDS
